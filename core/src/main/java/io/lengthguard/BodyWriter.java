package io.lengthguard;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes a request body to a stream, once. Typically a serializer: {@code out ->
 * mapper.writeValue(out, dto)}.
 *
 * <p>The stream given to {@link #writeTo} belongs to LengthGuard: closing it is allowed and does
 * nothing.
 */
@FunctionalInterface
public interface BodyWriter {
  /** Writes the whole body to {@code out}. */
  void writeTo(OutputStream out) throws IOException;

  /**
   * Stops a writer that may be waiting for its source: a publisher that gives nothing more, which
   * makes no write for the exchange to fail. For adapter authors: a writer that waits for such a
   * source wakes and fails its {@link #writeTo} with an {@code InterruptedIOException}, and stops
   * its source (cancels a subscription), as the bare client would for a canceled call.
   *
   * <p>Called by {@link GuardedExchange#cancel()}, from any thread, possibly more than once, and
   * possibly before or during {@link #writeTo}: a {@code writeTo} after it must not wait for its
   * source either. Must not block, and must not throw. The default does nothing: a writer that only
   * writes stays stopped at its next write, which the canceled exchange fails.
   */
  default void cancel() {}
}
