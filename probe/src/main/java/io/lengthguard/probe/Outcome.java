package io.lengthguard.probe;

import org.jspecify.annotations.Nullable;

/**
 * What one framing of the request got.
 *
 * @param status the final status code, or 0 if there was none
 * @param reason the reason phrase, empty if none
 * @param continueReceived whether a {@code 100 Continue} came before the final status
 * @param bodySent whether a request body was written: false for a framing without one, and for a
 *     body held back by a final status that came before 100 Continue
 * @param error why there is no status, or null
 */
record Outcome(
    int status, String reason, boolean continueReceived, boolean bodySent, @Nullable String error) {

  static Outcome answered(int status, String reason, boolean continueReceived, boolean bodySent) {
    return new Outcome(status, reason, continueReceived, bodySent, null);
  }

  static Outcome failed(String error) {
    return new Outcome(0, "", false, false, error);
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
