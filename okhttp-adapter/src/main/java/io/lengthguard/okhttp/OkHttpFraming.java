package io.lengthguard.okhttp;

import static java.util.Objects.requireNonNull;

import io.lengthguard.FramingCheck;
import io.lengthguard.FramingReport;
import io.lengthguard.Origin;
import java.io.IOException;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okio.Buffer;
import okio.BufferedSink;
import okio.ForwardingSink;
import okio.Okio;

/**
 * Checks, in your own tests, that a {@link Request} your code builds would go out with correct
 * framing: one exact {@code Content-Length} or {@code Transfer-Encoding: chunked}, never both, no
 * malformed or repeated length.
 *
 * <pre>{@code
 * @Test
 * void orderUploadIsFramedCorrectly() throws IOException {
 *   Request request = orders.uploadRequest(order);
 *   OkHttpFraming.assertFramedCorrectly(request);
 * }
 * }</pre>
 *
 * <p>The check writes the body once to a sink that counts the bytes and keeps none of them, then
 * compares the count with the lengths the request declares, in two steps:
 *
 * <ol>
 *   <li>the {@code Content-Length} and {@code Transfer-Encoding} fields the caller set, if any,
 *       against the bytes: what {@link LengthGuardInterceptor} refuses, and what OkHttp would
 *       silently replace, hiding a length the code computed wrongly;
 *   <li>then the framing OkHttp's {@code BridgeInterceptor} gives the request: {@code
 *       Content-Length} from {@link RequestBody#contentLength()}, or {@code Transfer-Encoding:
 *       chunked} when it is -1, in place of the caller's.
 * </ol>
 *
 * <p>The report names the first step that has errors, or else the second. Its header section holds
 * the caller's fields and the framing fields; {@code Host}, {@code User-Agent} and the other fields
 * OkHttp adds are left out, so its header bytes are a lower bound. A one-shot body ({@link
 * RequestBody#isOneShot()}) is used up by the check; a duplex body is not written, and its byte
 * count is reported as unknown.
 *
 * <p>This class is thread-safe: it keeps no state.
 */
public final class OkHttpFraming {
  static final String CONTENT_LENGTH = "Content-Length";
  static final String TRANSFER_ENCODING = "Transfer-Encoding";
  private static final String CONTENT_TYPE = "Content-Type";

  private OkHttpFraming() {}

  /**
   * Throws if {@code request} would go out with framing errors; the message is the report's
   * {@linkplain FramingReport#render() rendering}: the request line, the byte count of each part,
   * and each finding with what to change. Warnings alone do not throw.
   *
   * @throws AssertionError if the {@linkplain #check report} has an error
   * @throws IOException if writing the body fails
   * @throws NullPointerException if {@code request} is null
   */
  public static void assertFramedCorrectly(Request request) throws IOException {
    FramingReport report = check(request);
    if (report.hasErrors()) throw new AssertionError(report.render());
  }

  /**
   * Returns the report on how {@code request} would be framed, described in the {@linkplain
   * OkHttpFraming class comment}. Its target is the URL's path and query.
   *
   * @throws IOException if writing the body fails
   * @throws NullPointerException if {@code request} is null
   */
  public static FramingReport check(Request request) throws IOException {
    requireNonNull(request, "request == null");
    RequestBody body = request.body();
    long bytes = body == null ? 0 : body.isDuplex() ? -1 : countBytes(body);
    HttpUrl url = request.url();
    String query = url.encodedQuery();
    String target = query == null ? url.encodedPath() : url.encodedPath() + "?" + query;
    Headers headers = request.headers();
    String method = request.method();

    if (headers.get(CONTENT_LENGTH) != null || headers.get(TRANSFER_ENCODING) != null) {
      FramingCheck.Builder caller = FramingCheck.request(method).target(target).bodyBytes(bytes);
      for (int i = 0; i < headers.size(); i++) caller.header(headers.name(i), headers.value(i));
      FramingReport report = caller.check();
      if (report.hasErrors()) return report;
    }

    // BridgeInterceptor replaces these three fields on any request with a body.
    FramingCheck.Builder framed = FramingCheck.request(method).target(target).bodyBytes(bytes);
    MediaType contentType = body == null ? null : body.contentType();
    for (int i = 0; i < headers.size(); i++) {
      String name = headers.name(i);
      if (body != null
          && (isFraming(name) || (contentType != null && name.equalsIgnoreCase(CONTENT_TYPE)))) {
        continue;
      }
      framed.header(name, headers.value(i));
    }
    if (body != null) {
      if (contentType != null) framed.header(CONTENT_TYPE, contentType.toString());
      long length = body.contentLength();
      if (length != -1) {
        framed.header(CONTENT_LENGTH, Long.toString(length));
      } else {
        framed.header(TRANSFER_ENCODING, "chunked");
      }
    }
    return framed.check();
  }

  /**
   * Returns the report on the framing fields the caller set on {@code request}, as {@link
   * LengthGuardInterceptor} checks them: only {@code Content-Length} and {@code Transfer-Encoding},
   * against {@code bodyBytes}, the body's declared length (-1 if unknown).
   */
  static FramingReport checkCallerFraming(Request request, long bodyBytes) {
    FramingCheck.Builder check =
        FramingCheck.request(request.method()).target(path(request.url())).bodyBytes(bodyBytes);
    Headers headers = request.headers();
    for (int i = 0; i < headers.size(); i++) {
      String name = headers.name(i);
      if (isFraming(name)) check.header(name, headers.value(i));
    }
    return check.check();
  }

  /**
   * Returns the report on {@code request} as it goes on the wire: every field, but on HTTP/2 and
   * later none of {@code Transfer-Encoding}, which OkHttp's HTTP/2 codec leaves out (RFC 9113
   * §8.2.2).
   */
  static FramingReport checkWire(Request request, boolean http1, long bodyBytes) {
    FramingCheck.Builder check =
        FramingCheck.request(request.method()).target(path(request.url())).bodyBytes(bodyBytes);
    Headers headers = request.headers();
    for (int i = 0; i < headers.size(); i++) {
      String name = headers.name(i);
      if (http1 || !name.equalsIgnoreCase(TRANSFER_ENCODING)) check.header(name, headers.value(i));
    }
    return check.check();
  }

  /** Returns the origin {@code url} is sent to. */
  static Origin origin(HttpUrl url) {
    return Origin.of(url.scheme(), url.host(), url.port());
  }

  /**
   * Returns the target that reports logged in production name: the path without the query, which
   * may hold credentials. The request-line byte count leaves the query out with it.
   */
  private static String path(HttpUrl url) {
    return url.encodedPath();
  }

  private static boolean isFraming(String name) {
    return name.equalsIgnoreCase(CONTENT_LENGTH) || name.equalsIgnoreCase(TRANSFER_ENCODING);
  }

  /** Returns the bytes {@code body} writes, kept nowhere. */
  private static long countBytes(RequestBody body) throws IOException {
    CountingSink counter = new CountingSink();
    BufferedSink sink = Okio.buffer(counter);
    body.writeTo(sink);
    sink.close(); // flushes what the body left buffered; closing twice is allowed
    return counter.count;
  }

  /** Counts the bytes written to it and drops them. */
  private static final class CountingSink extends ForwardingSink {
    long count;

    CountingSink() {
      super(Okio.blackhole());
    }

    @Override
    public void write(Buffer source, long byteCount) throws IOException {
      count += byteCount;
      super.write(source, byteCount);
    }
  }
}
