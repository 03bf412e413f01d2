package io.lengthguard.probe;

import org.jspecify.annotations.Nullable;

/**
 * What one framing of the request got.
 *
 * @param status the final status code, or 0 if there was none
 * @param reason the reason phrase, empty if none
 * @param continueReceived whether a {@code 100 Continue} came before the final status
 * @param bodySent whether a request body was written: false for a framing without one, for a body
 *     held back by a final status that came before 100 Continue, and for a body the server closed
 *     the connection on
 * @param early what the server did with the body after a final status that came before any of it
 * @param error why there is no status, or null
 */
record Outcome(
    int status,
    String reason,
    boolean continueReceived,
    boolean bodySent,
    Early early,
    @Nullable String error) {

  /** What a server that answered before the body did with the body written after its answer. */
  enum Early {
    /** The final status did not come before the body (or the framing has none). */
    NONE(null),
    /** It answered on the request head alone, then read the body (nginx's {@code return 411}). */
    BODY_READ("body-read"),
    /**
     * It answered on the request head alone and closed without reading the body: writing it failed
     * (haproxy's deny rule). A client that writes the body before it reads the response meets a
     * broken pipe once the socket buffers are full.
     */
    CLOSED_WITHOUT_READING("closed-without-reading");

    final @Nullable String id;

    Early(@Nullable String id) {
      this.id = id;
    }
  }

  static Outcome answered(int status, String reason, boolean continueReceived, boolean bodySent) {
    return new Outcome(status, reason, continueReceived, bodySent, Early.NONE, null);
  }

  /**
   * Returns the outcome of a final status that came before the body; {@code bodyTaken} says whether
   * the body could still be written after it.
   */
  static Outcome answeredBeforeBody(int status, String reason, boolean bodyTaken) {
    return new Outcome(
        status,
        reason,
        false,
        bodyTaken,
        bodyTaken ? Early.BODY_READ : Early.CLOSED_WITHOUT_READING,
        null);
  }

  static Outcome failed(String error) {
    return new Outcome(0, "", false, false, Early.NONE, error);
  }

  boolean failed() {
    return error != null;
  }

  /** Returns {@code 411 Length Required}, the standard reason where the server sent none. */
  String statusLine() {
    if (error != null) return "no response: " + error;
    String phrase = reason.isEmpty() ? Statuses.reason(status) : reason;
    return phrase.isEmpty() ? String.valueOf(status) : status + " " + phrase;
  }
}
