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
  /**
   * The caller set a {@code Content-Length} on a body the client could not size: frozen whole
   * before the first send, so that the declared value is checked against the bytes before any is
   * sent ({@link GuardedExchange#lengthDeclared()}).
   */
  CALLER_LENGTH,
}
