package io.lengthguard.httpclient5;

import io.lengthguard.FramingCheck;
import io.lengthguard.FramingReport;
import io.lengthguard.FramingViolationException;
import io.lengthguard.FrozenBody;
import io.lengthguard.GuardListener;
import io.lengthguard.Origin;
import java.util.Set;
import org.apache.hc.client5.http.UnsupportedSchemeException;
import org.apache.hc.client5.http.config.Configurable;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.DefaultSchemePortResolver;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HeaderElements;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.Method;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.jspecify.annotations.Nullable;

/** The header rules that the classic and the async client share. */
final class Framing {
  static final String CONTENT_DIGEST = "Content-Digest";

  private Framing() {}

  /** Returns the origin of {@code host}, with the scheme's default port where it has none. */
  static Origin origin(HttpHost host) throws UnsupportedSchemeException {
    int port = DefaultSchemePortResolver.INSTANCE.resolve(host);
    return Origin.of(host.getSchemeName(), host.getHostName(), port);
  }

  /**
   * Returns true if the client frames {@code entity} with Transfer-Encoding (or, on h2, nothing).
   */
  static boolean unknownLength(EntityDetails entity) {
    // RequestContent chunks when isChunked() or the length is negative; isRepeatable plays no part.
    return entity.getContentLength() < 0 || entity.isChunked();
  }

  /**
   * Returns true if the guard takes {@code entity} in hand: a body of unknown length without
   * trailer fields. Trailers go only at the end of a chunked body (RFC 9112 §7.1.2), never with the
   * {@code Content-Length} of a frozen one: an entity that supplies them goes as HttpClient sends
   * it, chunked with its trailers, as a body of known length goes untouched.
   */
  static boolean guarded(HttpEntity entity) {
    return unknownLength(entity) && entity.getTrailers() == null;
  }

  /**
   * Returns true if the guard takes {@code producer} in hand: a body of unknown length that
   * declares no trailer fields ({@link AsyncEntityProducer#getTrailerNames()}); one that declares
   * some goes as HttpClient sends it, as {@link #guarded(HttpEntity)} says.
   */
  static boolean guarded(AsyncEntityProducer producer) {
    Set<String> trailers = producer.getTrailerNames();
    return unknownLength(producer) && (trailers == null || trailers.isEmpty());
  }

  /**
   * Returns true if {@code method} carries no body: a GET, HEAD or DELETE without one must carry no
   * {@code Content-Length} either (AWS load balancers refuse {@code Content-Length: 0} on a GET).
   */
  static boolean bodyless(String method) {
    return Method.GET.isSame(method) || Method.HEAD.isSame(method) || Method.DELETE.isSame(method);
  }

  /** Returns true if the caller set a framing header that HttpClient refuses to overwrite. */
  static boolean callerFramed(HttpRequest request) {
    return request.containsHeader(HttpHeaders.CONTENT_LENGTH)
        || request.containsHeader(HttpHeaders.TRANSFER_ENCODING);
  }

  /**
   * Returns true if the caller's {@code request} asks for 100 (Continue) itself: it carries {@code
   * Expect}, or its configuration (the request's own, else the one in {@code context}) enables
   * expect-continue, for which HttpClient's {@code RequestExpectContinue} adds the field.
   */
  static boolean callerExpects(HttpRequest request, @Nullable HttpContext context) {
    if (request.containsHeader(HttpHeaders.EXPECT)) return true;
    RequestConfig config =
        request instanceof Configurable ? ((Configurable) request).getConfig() : null;
    if (config == null && context != null) {
      config = HttpClientContext.castOrCreate(context).getRequestConfigOrDefault();
    }
    return config != null && config.isExpectContinueEnabled();
  }

  /**
   * Prepares {@code copy} for a send of a body of unknown length: HttpClient sets {@code
   * Transfer-Encoding} itself (and refuses a request that has one), and {@code Expect:
   * 100-continue}, added if {@code expect}, lets a 411 arrive before any byte of the body is
   * written (RFC 9110 §10.1.1).
   */
  static void streamed(HttpRequest copy, boolean expect) {
    copy.removeHeaders(HttpHeaders.TRANSFER_ENCODING);
    if (expect) copy.addHeader(HttpHeaders.EXPECT, HeaderElements.CONTINUE);
  }

  /**
   * Prepares {@code copy} to carry {@code body}: checks the framing fields the caller set against
   * the body's length, then drops them for HttpClient to set ({@code RequestContent} throws
   * "Content-Length header already present" otherwise), and adds {@code digest} as {@code
   * Content-Digest} unless the caller set one.
   *
   * @throws FramingViolationException if the caller's fields have an error, such as a {@code
   *     Content-Length} that differs from the body's length; every finding went to {@code listener}
   */
  static void frozen(
      HttpRequest copy,
      FrozenBody body,
      @Nullable String digest,
      Origin origin,
      GuardListener listener)
      throws FramingViolationException {
    if (callerFramed(copy)) {
      refuseBadFraming(copy, body.contentLength(), origin, listener);
      // RFC 9112 §6.2: never Content-Length with Transfer-Encoding; HttpClient sets the former.
      copy.removeHeaders(HttpHeaders.CONTENT_LENGTH);
      copy.removeHeaders(HttpHeaders.TRANSFER_ENCODING);
    }
    if (digest != null && !copy.containsHeader(CONTENT_DIGEST)) {
      copy.addHeader(CONTENT_DIGEST, digest);
    }
  }

  /**
   * Throws if the framing fields the caller set on {@code request} have an error for a body of
   * {@code bodyBytes} (-1 if not known yet), before any byte is sent; publishes every finding.
   */
  static void refuseBadFraming(
      HttpRequest request, long bodyBytes, Origin origin, GuardListener listener)
      throws FramingViolationException {
    FramingReport report = checkCallerFraming(request, bodyBytes);
    if (report.isClean()) return;
    report.publish(origin, listener);
    report.requireNoErrors();
  }

  /**
   * Throws if the framing fields the caller set on {@code request} are malformed whatever the
   * body's length (both fields, a repeated or non-numeric length, a coding after chunked), before
   * the body is read: a one-shot body then loses nothing. Publishes the findings of a refused
   * request only; the check that knows the length reports the rest.
   */
  static void refuseMalformedFraming(HttpRequest request, Origin origin, GuardListener listener)
      throws FramingViolationException {
    FramingReport report = checkCallerFraming(request, -1);
    if (!report.hasErrors()) return;
    report.publish(origin, listener);
    throw new FramingViolationException(report);
  }

  /**
   * Returns the report on the framing fields the caller set on {@code request}: only {@code
   * Content-Length} and {@code Transfer-Encoding}, against a body of {@code bodyBytes} (-1 if not
   * known).
   */
  static FramingReport checkCallerFraming(HttpRequest request, long bodyBytes) {
    FramingCheck.Builder check =
        FramingCheck.request(request.getMethod()).target(path(request)).bodyBytes(bodyBytes);
    for (Header header : request.getHeaders()) {
      String name = header.getName();
      if (name.equalsIgnoreCase(HttpHeaders.CONTENT_LENGTH)
          || name.equalsIgnoreCase(HttpHeaders.TRANSFER_ENCODING)) {
        check.header(name, header.getValue() == null ? "" : header.getValue());
      }
    }
    return check.check();
  }

  /** Returns the path without the query, which may hold credentials: reports are logged. */
  static @Nullable String path(HttpRequest request) {
    String path = request.getPath();
    if (path == null) return null;
    int query = path.indexOf('?');
    return query < 0 ? path : path.substring(0, query);
  }
}
