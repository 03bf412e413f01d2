package io.lengthguard;

import java.io.IOException;

/**
 * Thrown when a body of unknown length is larger than the buffering limit. Nothing was sent: the
 * bytes read so far were released (and a spill file, if any, deleted).
 */
public final class BodyTooLargeException extends IOException {
  private static final long serialVersionUID = 1L;

  private final long limit;
  private final long bytesRead;

  /** Creates an exception for a body that passed {@code limit} after {@code bytesRead} bytes. */
  public BodyTooLargeException(long limit, long bytesRead) {
    super(
        "body exceeds maxBytes ("
            + limit
            + "): read "
            + bytesRead
            + " bytes before stopping; raise the limit with GuardPolicy.buffering(...) or send a"
            + " body of known length");
    this.limit = limit;
    this.bytesRead = bytesRead;
  }

  /** Returns the limit, in bytes, that the body passed. */
  public long limit() {
    return limit;
  }

  /**
   * Returns how many bytes were read before reading stopped: at most {@code limit} plus one read.
   */
  public long bytesRead() {
    return bytesRead;
  }
}
