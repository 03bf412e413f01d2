package io.lengthguard;

import static java.util.Objects.requireNonNull;

import java.io.IOException;

/**
 * Thrown when a request's framing has findings that the caller chose not to accept, typically
 * errors (see {@link FramingReport#requireNoErrors()}). Its message names every finding, with what
 * to change; {@link #report()} holds them all. A guard that refuses a request throws it before any
 * byte is sent.
 */
public final class FramingViolationException extends IOException {
  private static final long serialVersionUID = 1L;

  private final FramingReport report;

  /**
   * Creates an exception for {@code report}'s findings.
   *
   * @throws NullPointerException if {@code report} is null
   * @throws IllegalArgumentException if {@code report} has no findings
   */
  public FramingViolationException(FramingReport report) {
    super(message(requireNonNull(report, "report == null")));
    this.report = report;
  }

  private static String message(FramingReport report) {
    Checks.requireArgument(!report.isClean(), "report has no findings: %s", report);
    StringBuilder out =
        new StringBuilder("bad framing in ").append(report.requestHead()).append(": ");
    for (int i = 0; i < report.findings().size(); i++) {
      if (i > 0) out.append("; ");
      out.append(report.findings().get(i));
    }
    return out.toString();
  }

  /** Returns the report whose findings caused this exception. */
  public FramingReport report() {
    return report;
  }
}
