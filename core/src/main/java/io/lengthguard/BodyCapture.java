package io.lengthguard;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Keeps a copy of a one-shot body's bytes as they are sent, within the policy's buffering limit, so
 * that a 411 can be answered with the same bytes. Writes never fail: past the limit the capture
 * drops what it holds and only counts. Create one with {@link LengthGuard#newCapture()}; hand it to
 * {@link LengthGuard#freezeForResend} after a 411, or {@link #close()} it.
 *
 * <p>This class is not thread-safe: one request body writes it.
 */
public final class BodyCapture extends OutputStream {
  private final SegmentBuffer buffer;
  private long bytesSeen;
  private boolean overflowed;
  private boolean complete;
  private boolean closed;

  BodyCapture(Buffering buffering) {
    this.buffer = new SegmentBuffer(buffering);
  }

  @Override
  public void write(int b) {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] bytes, int offset, int length) {
    bytesSeen += length;
    if (overflowed || closed) return;
    try {
      buffer.write(bytes, offset, length);
    } catch (IOException e) {
      // Too large (or the spill file failed): the resend is impossible, the send goes on.
      overflowed = true;
      buffer.discard();
    }
  }

  /** Marks the body as wholly written: every byte passed through this capture. */
  public void markComplete() {
    complete = true;
  }

  /** Returns how many bytes were written, including any past the limit. */
  public long bytesSeen() {
    return bytesSeen;
  }

  /** Returns true if the body passed the limit and the capture holds nothing. */
  public boolean overflowed() {
    return overflowed;
  }

  /** Returns true if {@link #markComplete()} was called. */
  public boolean complete() {
    return complete;
  }

  FrozenBody freeze() throws IOException {
    return buffer.freeze();
  }

  /** Releases the captured bytes; later writes are counted and dropped. */
  @Override
  public void close() {
    closed = true;
    buffer.discard();
  }
}
