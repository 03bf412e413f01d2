package io.lengthguard;

/** When the guard freezes a body of unknown length. */
public enum GuardMode {
  /**
   * Every body of unknown length is frozen before its first send and goes out with an exact {@code
   * Content-Length}. A body over the limit fails with {@link BodyTooLargeException} before any byte
   * is sent.
   */
  PREBUFFER,

  /**
   * Bodies go out as the client frames them (usually chunked). A 411 gets exactly one resend with
   * the frozen body and an exact {@code Content-Length}; RFC 9110 §15.5.12 allows that resend even
   * for a POST, since the server refused the request before processing it.
   */
  RETRY_ON_411,

  /**
   * {@link #RETRY_ON_411} until an origin answers 411, then {@link #PREBUFFER} for that origin
   * until its time to live passes (RFC 9112 §6.3 lets a client learn what a server accepts).
   */
  ADAPTIVE,
}
