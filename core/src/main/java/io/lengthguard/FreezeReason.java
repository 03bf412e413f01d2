package io.lengthguard;

/** Why the guard froze a body. */
public enum FreezeReason {
  /** The policy's mode is {@link GuardMode#PREBUFFER}: frozen before the first send. */
  PREBUFFER,
  /**
   * {@link GuardMode#ADAPTIVE} remembered that the origin wants a length: frozen before the first
   * send.
   */
  LEARNED_ORIGIN,
  /**
   * The body ended within the policy's {@linkplain GuardPolicy#prebufferBytes() read-ahead}, so it
   * went with its exact length on the first send.
   */
  READ_AHEAD,
  /** The origin answered 411 to the body as the client framed it: frozen for the one resend. */
  LENGTH_REQUIRED,
}
