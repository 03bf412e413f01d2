package io.lengthguard.httpclient5;

import io.lengthguard.BodyCapture;
import java.io.IOException;
import java.io.OutputStream;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.HttpEntityWrapper;
import org.jspecify.annotations.Nullable;

/**
 * Sends a one-shot entity as it is and keeps a copy of its bytes in a {@link BodyCapture}, so that
 * a 411 can be answered with the same bytes. One request thread writes it.
 */
final class CapturingEntity extends HttpEntityWrapper {
  private final BodyCapture capture;
  private boolean started;

  CapturingEntity(HttpEntity entity, BodyCapture capture) {
    super(entity);
    this.capture = capture;
  }

  @Override
  public boolean isRepeatable() {
    return false;
  }

  @Override
  public void writeTo(OutputStream out) throws IOException {
    started = true;
    Tee tee = new Tee(out, capture);
    super.writeTo(tee);
    capture.markComplete();
    IOException wireFailure = tee.failure;
    if (wireFailure != null) throw wireFailure;
  }

  /**
   * Returns true once the entity began to write. With {@code Expect: 100-continue} a 411 can arrive
   * before that, and the source is then still untouched.
   */
  boolean started() {
    return started;
  }

  BodyCapture capture() {
    return capture;
  }

  /** Writes to the connection and the capture; after a connection failure, to the capture only. */
  private static final class Tee extends OutputStream {
    private final OutputStream wire;
    private final BodyCapture capture;
    private @Nullable IOException failure;

    Tee(OutputStream wire, BodyCapture capture) {
      this.wire = wire;
      this.capture = capture;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
      capture.write(bytes, offset, length);
      if (failure == null) {
        try {
          wire.write(bytes, offset, length);
        } catch (IOException e) {
          failure = e;
        }
      }
      // Past a connection failure the source is drained into the capture alone: when the failure
      // is HttpClient's early-response check (a 411 arrived mid-body), the whole body can still be
      // sent again. Past the limit there is nothing left to save.
      IOException wireFailure = failure;
      if (wireFailure != null && capture.overflowed()) throw wireFailure;
    }

    @Override
    public void flush() {
      if (failure != null) return;
      try {
        wire.flush();
      } catch (IOException e) {
        failure = e;
      }
    }

    @Override
    public void close() {
      if (failure != null) return;
      try {
        wire.close();
      } catch (IOException e) {
        failure = e;
      }
    }
  }
}
