package io.lengthguard.spring;

import io.lengthguard.Origin;
import io.lengthguard.OutgoingBody;
import java.net.URI;
import java.util.Locale;
import org.springframework.http.HttpHeaders;

/**
 * The header work both adapters share. Only {@link HttpHeaders} methods that Spring 6.2 and 7.0
 * declare alike are called here: 7.0's {@code HttpHeaders} is no longer a {@code MultiValueMap}, so
 * {@code get}, {@code remove} and {@code putAll} differ between the two at the bytecode level.
 */
final class SpringFraming {
  static final String CONTENT_LENGTH = "Content-Length";
  static final String TRANSFER_ENCODING = "Transfer-Encoding";
  static final String CONNECTION = "Connection";
  static final String EXPECT = "Expect";
  static final String CONTENT_DIGEST = "Content-Digest";

  private SpringFraming() {}

  /** Returns the origin {@code uri} is sent to, with the scheme's default port made explicit. */
  static Origin origin(URI uri) {
    String scheme = uri.getScheme() == null ? "http" : uri.getScheme().toLowerCase(Locale.ROOT);
    String host = uri.getHost();
    if (host == null) throw new IllegalArgumentException("no host in " + uri);
    if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
    int port = uri.getPort();
    if (port == -1) port = scheme.equals("https") || scheme.equals("wss") ? 443 : 80;
    return Origin.of(scheme, host, port);
  }

  /**
   * Copies the caller's fields to a request about to carry {@code body}: every field but the
   * framing ones, which follow the body (RFC 9112 §6.2: never a length with Transfer-Encoding),
   * then the fields the body asks for, unless the caller set them.
   *
   * @param connectionClose whether the client takes {@code Connection: close} for a body that asks
   *     for a connection of its own ({@link OutgoingBody#ownConnection()}): not where the client
   *     refuses the field (the JDK's {@code HttpClient}, a restricted header) or passes it to
   *     HTTP/2, where it is illegal (HttpClient 5, RFC 9113 §8.2.2)
   * @param expect whether the client takes {@code Expect} as a field; the JDK's {@code HttpClient}
   *     refuses it (a restricted header) and manages it itself
   */
  static void copyForSend(
      HttpHeaders from,
      HttpHeaders to,
      OutgoingBody body,
      boolean connectionClose,
      boolean expect) {
    from.forEach(
        (name, values) -> {
          if (!isFraming(name)) to.addAll(name, values);
        });
    long length = body.contentLength();
    if (length >= 0) {
      to.setContentLength(length);
    } else if (connectionClose && body.ownConnection() && from.getFirst(CONNECTION) == null) {
      // A 411 may come before the server read the body, and a server that did not read it closes
      // the connection, maybe without saying so: a body streamed past the read-ahead takes a
      // connection of its own (RFC 9112 §9.6), so that the resend never meets that one in a pool.
      to.set(CONNECTION, "close");
    }
    // RFC 9110 §10.1.1: a server that wants a length answers 411 instead of 100 (Continue).
    if (addsExpect(from, body, expect)) to.set(EXPECT, "100-continue");
    String digest = body.contentDigest();
    if (digest != null && from.getFirst(CONTENT_DIGEST) == null) to.set(CONTENT_DIGEST, digest);
  }

  /**
   * Returns true if a request copied from the caller's fields {@code from} to carry {@code body}
   * gets the guard's {@code Expect: 100-continue}: the body asks, the client takes the field
   * ({@code expect}), and the caller set none of its own. What {@code
   * Transport.addedExpectContinue} says.
   */
  static boolean addsExpect(HttpHeaders from, OutgoingBody body, boolean expect) {
    return expect && body.expectContinue() && from.getFirst(EXPECT) == null;
  }

  /** Copies every field of {@code from} to {@code to}, as the caller set them. */
  static void copyAll(HttpHeaders from, HttpHeaders to) {
    from.forEach(to::addAll);
  }

  static boolean isFraming(String name) {
    return name.equalsIgnoreCase(CONTENT_LENGTH) || name.equalsIgnoreCase(TRANSFER_ENCODING);
  }
}
