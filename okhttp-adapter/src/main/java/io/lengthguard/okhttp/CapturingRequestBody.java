package io.lengthguard.okhttp;

import io.lengthguard.BodyCapture;
import java.io.IOException;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import okio.Buffer;
import okio.BufferedSink;
import okio.Okio;
import okio.Sink;
import okio.Timeout;
import org.jspecify.annotations.Nullable;

/**
 * A one-shot body of unknown length on its first send: every byte written to the wire is also
 * written to a {@link BodyCapture}, so that a 411 can be answered with the same bytes.
 *
 * <p>This class is not thread-safe: the call that sends it writes it, once.
 */
final class CapturingRequestBody extends RequestBody {
  private final RequestBody delegate;
  private final BodyCapture capture;
  private boolean started;

  CapturingRequestBody(RequestBody delegate, BodyCapture capture) {
    this.delegate = delegate;
    this.capture = capture;
  }

  /** Returns true once {@link #writeTo} was called: the delegate's bytes may have been consumed. */
  boolean started() {
    return started;
  }

  @Override
  public @Nullable MediaType contentType() {
    return delegate.contentType();
  }

  @Override
  public long contentLength() {
    return -1L;
  }

  @Override
  public boolean isOneShot() {
    return true;
  }

  @Override
  public void writeTo(BufferedSink sink) throws IOException {
    started = true;
    TeeSink tee = new TeeSink(sink, capture);
    BufferedSink buffered = Okio.buffer(tee);
    delegate.writeTo(buffered);
    if (buffered.isOpen()) buffered.emit(); // a body may close its sink; closing emitted it
    capture.markComplete();
    IOException wireFailure = tee.wireFailure;
    // OkHttp 4.11+ reads the response after a failed body write only when the failure came from
    // its own sink (CallServerInterceptor checks Exchange.hasFailure), so the 411 of a server that
    // answered early and closed still reaches the interceptor; rethrow the wire's own exception.
    if (wireFailure != null) throw wireFailure;
  }

  @Override
  public String toString() {
    return "CapturingRequestBody{" + delegate + "}";
  }

  /**
   * Copies each write into the capture and moves it on to the wire. After the wire fails, writes
   * still reach the capture: a server that answers 411 early and closes (haproxy does, without
   * reading the body) must not cost the caller the rest of a one-shot body.
   */
  private static final class TeeSink implements Sink {
    private final BufferedSink wire;
    private final BodyCapture capture;
    @Nullable IOException wireFailure;

    TeeSink(BufferedSink wire, BodyCapture capture) {
      this.wire = wire;
      this.capture = capture;
    }

    @Override
    public void write(Buffer source, long byteCount) throws IOException {
      source.copyTo(capture, 0, byteCount);
      if (wireFailure == null) {
        long before = source.size();
        try {
          wire.write(source, byteCount);
          return;
        } catch (IOException e) {
          wireFailure = e;
        }
        byteCount -= before - source.size();
      }
      source.skip(byteCount);
    }

    @Override
    public void flush() {
      if (wireFailure != null) return;
      try {
        wire.flush();
      } catch (IOException e) {
        wireFailure = e;
      }
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
