package io.lengthguard.httpclient5;

import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpRequestInterceptor;
import org.apache.hc.core5.http.ProtocolVersion;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.jspecify.annotations.Nullable;

/**
 * The async guard's framing on HTTP/2, a request interceptor that runs once the connection, and so
 * its protocol, is known: after HttpCore's {@code H2RequestContent}, which sends no {@code
 * content-length} at all, even for a body of known length.
 *
 * <ul>
 *   <li>A body the guard froze (read ahead, or the resend after a 411) gets {@code content-length}
 *       with its exact byte count, so that an h2 origin that wants a length accepts it. HttpClient
 *       5.6 sends a field set here as it is on h2; on HTTP/1.1 it sets {@code Content-Length}
 *       itself, and this interceptor leaves the request alone.
 *   <li>A body streamed past the read-ahead loses the {@code Expect: 100-continue} the guard added
 *       for HTTP/1.1: on h2 a 411 comes on its own stream, with no connection close to race, while
 *       HttpCore's h2 client waits for 100 (Continue) without a timeout, however long a server that
 *       ignores {@code Expect} takes. The producer then tells the exchange that the request went
 *       without it ({@code Transport.addedExpectContinue}), so that a 417 is never taken for a
 *       refusal of it. An {@code Expect} the caller set or configured stays.
 * </ul>
 *
 * <p>This class is thread-safe.
 */
final class Http2Framing implements HttpRequestInterceptor {
  static final Http2Framing INSTANCE = new Http2Framing();

  private Http2Framing() {}

  @Override
  public void process(HttpRequest request, @Nullable EntityDetails entity, HttpContext context) {
    ProtocolVersion version = context.getProtocolVersion();
    if (entity == null || version == null || version.getMajor() < 2) return;
    EntityDetails body =
        entity instanceof AsyncAudit.AuditedProducer
            ? ((AsyncAudit.AuditedProducer) entity).producer()
            : entity;
    if (body instanceof FrozenEntityProducer) {
      // Only the guard's own frozen producers get here unwrapped: HttpClient wraps the caller's.
      if (!request.containsHeader(HttpHeaders.CONTENT_LENGTH)) {
        request.addHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(body.getContentLength()));
      }
    } else if (body instanceof StreamedProducer && ((StreamedProducer) body).addedExpect()) {
      request.removeHeaders(HttpHeaders.EXPECT);
      // The exchange must not take a 417 for an answer to an Expect that never went.
      ((StreamedProducer) body).dropExpect();
    }
  }

  @Override
  public String toString() {
    return "Http2Framing";
  }
}
