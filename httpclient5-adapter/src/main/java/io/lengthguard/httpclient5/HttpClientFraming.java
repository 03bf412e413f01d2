package io.lengthguard.httpclient5;

import static java.util.Objects.requireNonNull;

import io.lengthguard.FramingCheck;
import io.lengthguard.FramingReport;
import java.io.IOException;
import java.io.OutputStream;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.Method;

/**
 * Checks, in your own tests, that a {@link ClassicHttpRequest} your code builds would go out with
 * correct framing: one exact {@code Content-Length} or {@code Transfer-Encoding: chunked}, never
 * both, no malformed or repeated length.
 *
 * <pre>{@code
 * @Test
 * void orderUploadIsFramedCorrectly() throws IOException {
 *   ClassicHttpRequest request = orders.uploadRequest(order);
 *   HttpClientFraming.assertFramedCorrectly(request);
 * }
 * }</pre>
 *
 * <p>The check writes a repeatable entity once to a stream that counts the bytes and keeps none of
 * them, then compares the count with the lengths the request declares, in two steps:
 *
 * <ol>
 *   <li>the {@code Content-Length} and {@code Transfer-Encoding} fields the caller set, if any,
 *       against the bytes: what the guards refuse. HttpClient refuses any such field, malformed or
 *       not ({@code "Content-Length header already present"}), but a wrong value still means the
 *       code computed the length wrongly;
 *   <li>then the framing HttpClient's {@code RequestContent} gives the request: {@code
 *       Transfer-Encoding: chunked} if {@link HttpEntity#isChunked()} or {@link
 *       HttpEntity#getContentLength()} is negative, else {@code Content-Length} of that length;
 *       {@code Content-Length: 0} on a POST, PUT, PATCH or QUERY without an entity.
 * </ol>
 *
 * <p>The report names the first step that has errors, or else the second. Its header section holds
 * the caller's fields, the framing fields, and the {@code Content-Type} and {@code
 * Content-Encoding} HttpClient takes from the entity; {@code Host}, {@code User-Agent} and the
 * other fields HttpClient adds are left out, so its header bytes are a lower bound. A
 * non-repeatable entity (a stream) is not written, so as not to use it up: its byte count is
 * reported as unknown, and only the fields are checked.
 *
 * <p>This class is thread-safe: it keeps no state.
 */
public final class HttpClientFraming {
  private HttpClientFraming() {}

  /**
   * Throws if {@code request} would go out with framing errors; the message is the report's
   * {@linkplain FramingReport#render() rendering}: the request line, the byte count of each part,
   * and each finding with what to change. Warnings alone do not throw.
   *
   * @throws AssertionError if the {@linkplain #check report} has an error
   * @throws IOException if writing the entity fails
   * @throws NullPointerException if {@code request} is null
   */
  public static void assertFramedCorrectly(ClassicHttpRequest request) throws IOException {
    FramingReport report = check(request);
    if (report.hasErrors()) throw new AssertionError(report.render());
  }

  /**
   * Returns the report on how {@code request} would be framed, described in the {@linkplain
   * HttpClientFraming class comment}. Its target is the request's path and query.
   *
   * @throws IOException if writing the entity fails
   * @throws NullPointerException if {@code request} is null
   */
  public static FramingReport check(ClassicHttpRequest request) throws IOException {
    requireNonNull(request, "request == null");
    HttpEntity entity = request.getEntity();
    long bytes = entity == null ? 0 : entity.isRepeatable() ? countBytes(entity) : -1;
    String method = request.getMethod();
    String target = request.getPath();
    Header[] headers = request.getHeaders();

    if (Framing.callerFramed(request)) {
      FramingCheck.Builder caller = FramingCheck.request(method).target(target).bodyBytes(bytes);
      for (Header header : headers) caller.header(header.getName(), value(header));
      FramingReport report = caller.check();
      if (report.hasErrors()) return report;
    }

    FramingCheck.Builder framed = FramingCheck.request(method).target(target).bodyBytes(bytes);
    for (Header header : headers) {
      if (!isFraming(header.getName())) framed.header(header.getName(), value(header));
    }
    if (entity == null) {
      // RequestContent: RFC 9110 §8.6 asks for a length on a body-less POST, PUT or PATCH.
      if (Method.POST.isSame(method)
          || Method.PUT.isSame(method)
          || Method.PATCH.isSame(method)
          || Method.QUERY.isSame(method)) {
        framed.header(HttpHeaders.CONTENT_LENGTH, "0");
      }
      return framed.check();
    }
    if (entity.isChunked() || entity.getContentLength() < 0) {
      framed.header(HttpHeaders.TRANSFER_ENCODING, "chunked");
    } else {
      framed.header(HttpHeaders.CONTENT_LENGTH, Long.toString(entity.getContentLength()));
    }
    // MessageSupport: a caller's own Content-Type or Content-Encoding wins.
    if (entity.getContentType() != null && !request.containsHeader(HttpHeaders.CONTENT_TYPE)) {
      framed.header(HttpHeaders.CONTENT_TYPE, entity.getContentType());
    }
    if (entity.getContentEncoding() != null
        && !request.containsHeader(HttpHeaders.CONTENT_ENCODING)) {
      framed.header(HttpHeaders.CONTENT_ENCODING, entity.getContentEncoding());
    }
    return framed.check();
  }

  private static String value(Header header) {
    return header.getValue() == null ? "" : header.getValue();
  }

  private static boolean isFraming(String name) {
    return name.equalsIgnoreCase(HttpHeaders.CONTENT_LENGTH)
        || name.equalsIgnoreCase(HttpHeaders.TRANSFER_ENCODING);
  }

  /** Returns the bytes {@code entity} writes, kept nowhere. */
  private static long countBytes(HttpEntity entity) throws IOException {
    CountingStream counter = new CountingStream();
    entity.writeTo(counter);
    return counter.count;
  }

  /** Counts the bytes written to it and drops them. */
  private static final class CountingStream extends OutputStream {
    long count;

    @Override
    public void write(int b) {
      count++;
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
      count += length;
    }
  }
}
