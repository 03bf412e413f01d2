package io.lengthguard.httpclient5;

import io.lengthguard.FramingCheck;
import io.lengthguard.FramingReport;
import io.lengthguard.FramingViolationException;
import io.lengthguard.GuardListener;
import io.lengthguard.Origin;
import java.io.IOException;
import java.net.ProtocolException;
import org.apache.hc.client5.http.RouteInfo;
import org.apache.hc.client5.http.UnsupportedSchemeException;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.ProtocolVersion;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.jspecify.annotations.Nullable;

/**
 * The audit of one request with a body: the head as sent, then the bytes the body wrote. {@link
 * HttpClientFramingAudit} makes one per send; its request interceptor calls {@link #headSent}, the
 * counting entity or producer calls {@link #bodyEnded}, and the exec handler calls {@link #end}
 * when the exchange is over, whatever happened.
 *
 * <p>This class is thread-safe.
 */
final class RequestAudit {
  private final GuardListener listener;
  private final boolean strict;
  private final Origin origin;
  private final String bodyKind;
  private @Nullable HttpRequest head;
  private @Nullable FramingReport headReport;
  private boolean published;

  /**
   * Creates the audit of one request.
   *
   * @param origin where the request goes
   * @param bodyKind what writes the body, named in the message of a length mismatch
   */
  RequestAudit(HttpClientFramingAudit audit, Origin origin, String bodyKind) {
    this.listener = audit.listener();
    this.strict = audit.isStrict();
    this.origin = origin;
    this.bodyKind = bodyKind;
  }

  /**
   * Checks {@code request}'s head as it is about to be sent with a body that declares {@code
   * bodyLength} bytes (-1 if unknown), and returns the {@code Content-Length} the body's bytes are
   * to be counted against, or -1 to count nothing. Findings that make the count pointless (errors
   * in the fields, or a body framed some other way) are published now; the others once the body
   * ends.
   *
   * @throws FramingViolationException if the audit is strict and the fields have an error
   */
  synchronized long headSent(HttpRequest request, HttpContext context, long bodyLength)
      throws FramingViolationException {
    if (!isHttp1(context) && !request.containsHeader(HttpHeaders.CONTENT_LENGTH)) {
      // HTTP/2 frames a body of unknown length with DATA frames alone (RFC 9113 §8.2.2).
      return -1;
    }
    FramingReport report = check(request, bodyLength);
    long declared = report.declaredLength();
    if (report.hasErrors() || bodyLength < 0 || declared < 0) {
      published = true;
      publish(report, origin, listener);
      if (strict && report.hasErrors()) throw new FramingViolationException(report);
      return -1;
    }
    head = request;
    headReport = report;
    return declared;
  }

  /**
   * Records that the body ended after {@code written} bytes, counted against {@code declared}.
   *
   * @throws IOException if the count differs: a {@link FramingViolationException} when strict, a
   *     {@link ProtocolException} otherwise; either way the finding was published first
   */
  synchronized void bodyEnded(long declared, long written) throws IOException {
    HttpRequest request = head;
    if (request == null) return;
    if (written == declared) {
      end();
      return;
    }
    FramingReport report = check(request, written);
    published = true;
    publish(report, origin, listener);
    if (strict) throw new FramingViolationException(report);
    throw new ProtocolException(
        "expected "
            + declared
            + " bytes but received "
            + written
            + ": the "
            + bodyKind
            + " declared Content-Length: "
            + declared
            + " and wrote "
            + written
            + " bytes, so the request was not completed; make its getContentLength() return the"
            + " byte count it writes, or -1 to send it chunked");
  }

  /** Publishes the head's findings, unless a report on this request was published already. */
  synchronized void end() {
    FramingReport report = headReport;
    if (published || report == null) return;
    published = true;
    publish(report, origin, listener);
  }

  /**
   * Checks the head of a request without a body the audit counts, and publishes its findings.
   *
   * @throws FramingViolationException if {@code strict} and the fields have an error
   * @throws UnsupportedSchemeException if the route's scheme has no default port
   */
  static void checkHead(
      HttpRequest request,
      HttpContext context,
      long bodyBytes,
      GuardListener listener,
      boolean strict)
      throws FramingViolationException, UnsupportedSchemeException {
    if (!isHttp1(context) && !request.containsHeader(HttpHeaders.CONTENT_LENGTH)) return;
    FramingReport report = check(request, bodyBytes);
    if (report.isClean()) return;
    RouteInfo route = HttpClientContext.castOrCreate(context).getHttpRoute();
    if (route == null) {
      // HttpClient's main exec sets the route before it runs the request interceptors.
      throw new IllegalStateException(
          "HttpClientFramingAudit found no route in the context; install it with"
              + " HttpClientFramingAudit.install");
    }
    publish(report, Framing.origin(route.getTargetHost()), listener);
    if (strict && report.hasErrors()) throw new FramingViolationException(report);
  }

  /** Returns the report on every field of {@code request}, with a body of {@code bodyBytes}. */
  private static FramingReport check(HttpRequest request, long bodyBytes) {
    FramingCheck.Builder check =
        FramingCheck.request(request.getMethod())
            .target(Framing.path(request))
            .bodyBytes(bodyBytes);
    for (Header header : request.getHeaders()) {
      check.header(header.getName(), header.getValue() == null ? "" : header.getValue());
    }
    return check.check();
  }

  private static void publish(FramingReport report, Origin origin, GuardListener listener) {
    if (!report.isClean()) report.publish(origin, listener);
  }

  /** Returns false on HTTP/2 and later; the classic client speaks HTTP/1 only. */
  private static boolean isHttp1(HttpContext context) {
    ProtocolVersion version = context.getProtocolVersion();
    return version == null || version.getMajor() < 2;
  }
}
