package io.lengthguard;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A {@link BodyWriter} that can also write its body in steps that never block, such as an async
 * client's entity producer, which the client itself would call on its I/O thread. {@link
 * GuardedExchange#executeAsync} reads such a body ahead on the calling thread for as long as each
 * step gives bytes, and sends a body that ended there from that thread, with no hop to a thread of
 * the guard's. A body that pauses, or goes past what the read-ahead holds in memory, is finished on
 * a thread of the guard's by {@link #writeTo}, from where the steps left it.
 *
 * <p>Hand one over only with a {@link Transport} whose {@link Transport#sendAsync} does not block
 * (the default calls {@code send}): a body that ends in its steps is sent from the calling thread.
 */
public interface NonBlockingBodyWriter extends BodyWriter {
  /**
   * Writes to {@code out} at most {@code maxBytes} bytes that the body has ready, without waiting
   * for more, and returns true if the body ended with them. Writing nothing and returning false
   * says the body has nothing ready now. Never blocks. The bytes past {@code maxBytes} stay the
   * body's, for the next step or {@link #writeTo}, as a client's producer keeps what a full socket
   * did not take; writing more than {@code maxBytes} fails the call.
   */
  boolean writeReady(OutputStream out, long maxBytes) throws IOException;

  /**
   * Writes the rest of the body to {@code out}, and may block: all of it if no step ran, or the
   * bytes after the last step's if steps ran. A later call, for a resend, writes the whole body
   * again.
   */
  @Override
  void writeTo(OutputStream out) throws IOException;
}
