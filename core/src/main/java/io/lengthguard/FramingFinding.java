package io.lengthguard;

import static java.util.Objects.requireNonNull;

/**
 * One thing {@link FramingCheck} found wrong with a request's framing: a stable {@linkplain
 * FindingCode code} and a message that says what is wrong, with the numbers, and what to change.
 *
 * <p>This class is immutable and thread-safe.
 *
 * @param code what was found
 * @param message what is wrong and what to change, for a person to read
 */
public record FramingFinding(FindingCode code, String message) {
  /** How serious a finding is. */
  public enum Severity {
    /** A server must reject the request, or the connection's framing desynchronizes. */
    ERROR,
    /** Legal framing that strict servers refuse, or content without a defined meaning. */
    WARNING,
  }

  /** Creates a finding. */
  public FramingFinding {
    requireNonNull(code, "code == null");
    requireNonNull(message, "message == null");
  }

  /** Returns the severity of this finding's code. */
  public Severity severity() {
    return code.severity();
  }

  /** Returns {@code SEVERITY CODE: message}. */
  @Override
  public String toString() {
    return code.severity() + " " + code + ": " + message;
  }
}
