package io.lengthguard.okhttp;

import static java.util.Objects.requireNonNull;

import io.lengthguard.FindingCode;
import io.lengthguard.FramingCheck;
import io.lengthguard.FramingReport;
import io.lengthguard.FramingViolationException;
import io.lengthguard.GuardCounters;
import io.lengthguard.GuardListener;
import io.lengthguard.Origin;
import java.io.IOException;
import java.net.ProtocolException;
import okhttp3.Connection;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.Buffer;
import okio.BufferedSink;
import okio.Okio;
import okio.Sink;
import okio.Timeout;
import org.jspecify.annotations.Nullable;

/**
 * An OkHttp network interceptor that audits the framing of every request as it goes on the wire: it
 * checks the final header fields with {@link FramingCheck}, and counts the bytes the body actually
 * writes against the {@code Content-Length} sent. Install it with {@code addNetworkInterceptor},
 * where the fields are final:
 *
 * <pre>{@code
 * GuardCounters counters = GuardCounters.create();
 * OkHttpClient client = new OkHttpClient.Builder()
 *     .addNetworkInterceptor(FramingAuditInterceptor.create(counters))
 *     .build();
 * }</pre>
 *
 * <p>Each finding goes to the listener ({@link GuardCounters} counts them) and to the {@code
 * System.Logger} named {@code io.lengthguard}, with the method, path and origin, never the query or
 * body bytes.
 *
 * <ul>
 *   <li><b>Header findings</b> are known before anything is sent. {@link #create} sends the request
 *       anyway; {@link #strict} refuses a request with an error finding, with a {@link
 *       FramingViolationException}: no byte of it is sent.
 *   <li><b>A body that writes more or fewer bytes</b> than its {@code Content-Length} fails the
 *       call in both settings, since its request cannot be sent as declared; the finding, {@link
 *       FindingCode#LENGTH_MISMATCH} with the numbers, reaches the listener first. {@link #strict}
 *       throws a {@link FramingViolationException}; {@link #create} throws a {@link
 *       ProtocolException} as OkHttp alone would, but saying how many bytes were declared and how
 *       many written (OkHttp's own says {@code "unexpected end of stream"} for too few). A body
 *       that writes too many fails at its first write past the declared count, as with OkHttp
 *       alone, and the count given is what it had written by then; one that writes too few fails
 *       when it ends. The last declared byte is held back until the body has ended with exactly the
 *       declared count, so the server never receives a complete request with the wrong bytes:
 *       OkHttp alone sends the first {@code Content-Length} bytes of a body that writes too many
 *       before it fails.
 * </ul>
 *
 * <p>On HTTP/2 a body of unknown length goes with no length field and no {@code Transfer-Encoding}
 * (RFC 9113 §8.2.2): DATA frames end it. A request there is checked only when it carries a {@code
 * Content-Length}, so {@link FindingCode#MISSING_LENGTH} and {@link FindingCode#UNFRAMED_BODY} are
 * never reported for it. Duplex bodies are checked by their fields only: they are written while the
 * response is read.
 *
 * <p>This class is thread-safe: one instance serves a whole client.
 */
public final class FramingAuditInterceptor implements Interceptor {
  private final GuardListener listener;
  private final boolean strict;

  private FramingAuditInterceptor(GuardListener listener, boolean strict) {
    this.listener = requireNonNull(listener, "listener == null");
    this.strict = strict;
  }

  /** Returns an interceptor that reports findings to {@code listener} and sends requests anyway. */
  public static FramingAuditInterceptor create(GuardListener listener) {
    return new FramingAuditInterceptor(listener, false);
  }

  /**
   * Returns an interceptor that reports findings to {@code listener} and refuses, with a {@link
   * FramingViolationException}, a request whose framing has an error.
   */
  public static FramingAuditInterceptor strict(GuardListener listener) {
    return new FramingAuditInterceptor(listener, true);
  }

  /** Returns true if this interceptor refuses requests whose framing has an error. */
  public boolean isStrict() {
    return strict;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Connection connection = chain.connection();
    if (connection == null) {
      throw new IllegalStateException(
          "FramingAuditInterceptor sees the final framing only as a network interceptor: install"
              + " it with addNetworkInterceptor, not addInterceptor");
    }
    Request request = chain.request();
    Protocol protocol = connection.protocol();
    boolean http1 = protocol == Protocol.HTTP_1_0 || protocol == Protocol.HTTP_1_1;
    if (!http1 && request.header(OkHttpFraming.CONTENT_LENGTH) == null) {
      return chain.proceed(request);
    }

    RequestBody body = request.body();
    boolean countable = body != null && !body.isDuplex();
    long bodyBytes = body == null ? 0 : countable ? body.contentLength() : -1;
    FramingReport report = OkHttpFraming.checkWire(request, http1, bodyBytes);
    Origin origin = OkHttpFraming.origin(request.url());
    long declared = report.declaredLength();
    if (report.hasErrors() || !countable || declared < 0) {
      if (!report.isClean()) report.publish(origin, listener);
      if (strict && report.hasErrors()) throw new FramingViolationException(report);
      return chain.proceed(request);
    }

    AuditedBody audited = new AuditedBody(body, request, http1, origin, report, declared);
    try {
      return chain.proceed(request.newBuilder().method(request.method(), audited).build());
    } finally {
      // A body never written to its end (a refused Expect: 100-continue, a failed write) still
      // has its header findings reported.
      audited.publish(report);
    }
  }

  @Override
  public String toString() {
    return "FramingAuditInterceptor{" + (strict ? "strict" : "lenient") + ", " + listener + "}";
  }

  /** The caller's body, written through a {@link LengthSink} and checked when it ends. */
  private final class AuditedBody extends RequestBody {
    private final RequestBody delegate;
    private final Request request;
    private final boolean http1;
    private final Origin origin;
    private final FramingReport headerReport;
    private final long declared;
    private boolean published;

    AuditedBody(
        RequestBody delegate,
        Request request,
        boolean http1,
        Origin origin,
        FramingReport headerReport,
        long declared) {
      this.delegate = delegate;
      this.request = request;
      this.http1 = http1;
      this.origin = origin;
      this.headerReport = headerReport;
      this.declared = declared;
    }

    @Override
    public @Nullable MediaType contentType() {
      return delegate.contentType();
    }

    @Override
    public long contentLength() throws IOException {
      return delegate.contentLength();
    }

    @Override
    public boolean isOneShot() {
      return delegate.isOneShot();
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
      LengthSink counting = new LengthSink(sink, this);
      BufferedSink buffered = Okio.buffer(counting);
      delegate.writeTo(buffered);
      if (buffered.isOpen()) buffered.emit(); // a body may close its sink; closing emitted it
      long written = counting.written;
      if (written != declared) throw mismatch(written);
      counting.releaseLastByte();
      publish(headerReport);
    }

    /**
     * Publishes the finding that the body wrote {@code written} bytes, not the declared count, and
     * returns the exception that fails the call.
     */
    IOException mismatch(long written) {
      FramingReport report = OkHttpFraming.checkWire(request, http1, written);
      publish(report);
      if (strict) return new FramingViolationException(report);
      return new ProtocolException(
          "expected "
              + declared
              + " bytes but received "
              + written
              + ": the body declared Content-Length: "
              + declared
              + " and wrote "
              + written
              + " bytes, so the request was not completed; make RequestBody.contentLength()"
              + " return the byte count writeTo writes, or -1 to send it chunked");
    }

    /** Publishes {@code report}, unless a report on this request was published already. */
    void publish(FramingReport report) {
      if (published) return;
      published = true;
      if (!report.isClean()) report.publish(origin, listener);
    }
  }

  /**
   * Passes the body's bytes on to the wire and counts them, holding back the last declared byte:
   * the wire gets it only once the body has ended with exactly the declared count, so a server
   * never reads a complete request whose bytes are not the body's (RFC 9112 §6.3: it reads exactly
   * {@code Content-Length} bytes). A write past the declared count fails at once, as OkHttp's own
   * fixed-length sink does: the bytes past it would never reach the wire, so neither the write
   * timeout nor a canceled call could stop a body that writes without end.
   */
  private static final class LengthSink implements Sink {
    private final BufferedSink wire;
    private final AuditedBody body;
    private final long declared;
    private final Buffer lastByte = new Buffer();
    long written;

    LengthSink(BufferedSink wire, AuditedBody body) {
      this.wire = wire;
      this.body = body;
      this.declared = body.declared;
    }

    @Override
    public void write(Buffer source, long byteCount) throws IOException {
      if (byteCount > declared - written) {
        // Consumed, so a body that swallows the failure and goes on writing does not grow its
        // buffer; each later write fails the same way, and so does the end.
        source.skip(byteCount);
        written += byteCount;
        throw body.mismatch(written);
      }
      long forward = Math.min(byteCount, Math.max(0, declared - 1 - written));
      if (forward > 0) wire.write(source, forward);
      if (byteCount > forward) lastByte.write(source, 1); // the last declared byte
      written += byteCount;
    }

    void releaseLastByte() throws IOException {
      wire.write(lastByte, lastByte.size());
    }

    @Override
    public void flush() throws IOException {
      wire.flush();
    }

    @Override
    public Timeout timeout() {
      return wire.timeout();
    }

    @Override
    public void close() {
      // The wire's sink is OkHttp's to close, after writeTo returns.
    }
  }
}
