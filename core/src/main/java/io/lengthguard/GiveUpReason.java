package io.lengthguard;

/** Why the guard handed a 411 back to the caller instead of resending. */
public enum GiveUpReason {
  /** The origin answered 411 to a request that carried an exact {@code Content-Length}. */
  LENGTH_REFUSED,
  /** The body is larger than the buffering limit, so it could not be frozen. */
  TOO_LARGE,
  /**
   * A one-shot body's bytes were not all captured on the first send, so they cannot be sent again.
   */
  BODY_LOST,
  /** Freezing the body failed with an I/O error. */
  FREEZE_FAILED,
  /**
   * The body written again for the resend differs from the first send (another length, or the same
   * length with other bytes): a body that claimed to be repeatable was not, so nothing is resent.
   */
  BODY_CHANGED,
}
