package io.lengthguard;

import static java.util.Objects.requireNonNull;

import io.lengthguard.FramingFinding.Severity;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * What {@link FramingCheck} found in one request: its {@linkplain #findings() findings}, and the
 * byte counts of its HTTP/1.1 head, declared length and body, {@linkplain #render() rendered} for a
 * person.
 *
 * <p>This class is immutable and thread-safe.
 */
public final class FramingReport {
  private static final System.Logger LOGGER = System.getLogger("io.lengthguard");

  /** Origins warned of a framing error, so that each is warned of once an hour at most. */
  private static final OriginMemory WARNED =
      new OriginMemory(
          GuardCounters.DEFAULT_MAX_ORIGINS, TimeUnit.HOURS.toNanos(1), System::nanoTime);

  private final String method;
  private final @Nullable String target;
  private final List<FramingFinding> findings;
  private final int fieldCount;
  private final long requestLineBytes;
  private final long headerBytes;
  private final long declaredLength;
  private final long bodyBytes;
  private final boolean contentLength;
  private final boolean transferEncoding;
  private final int errors;

  FramingReport(
      String method,
      @Nullable String target,
      List<FramingFinding> findings,
      int fieldCount,
      long requestLineBytes,
      long headerBytes,
      long declaredLength,
      long bodyBytes,
      boolean contentLength,
      boolean transferEncoding) {
    this.method = method;
    this.target = target;
    this.findings = List.copyOf(findings);
    this.fieldCount = fieldCount;
    this.requestLineBytes = requestLineBytes;
    this.headerBytes = headerBytes;
    this.declaredLength = declaredLength;
    this.bodyBytes = bodyBytes;
    this.contentLength = contentLength;
    this.transferEncoding = transferEncoding;
    int errors = 0;
    for (FramingFinding finding : this.findings) {
      if (finding.severity() == Severity.ERROR) errors++;
    }
    this.errors = errors;
  }

  /** Returns the request's method. */
  public String method() {
    return method;
  }

  /** Returns the request's target, or null if it was not given to the check. */
  public @Nullable String target() {
    return target;
  }

  /**
   * Returns the findings, grouped in {@link FindingCode}'s declaration order and, within a code, in
   * the order of the header fields; empty if the framing is clean.
   */
  public List<FramingFinding> findings() {
    return findings;
  }

  /** Returns true if a finding has severity {@link Severity#ERROR}. */
  public boolean hasErrors() {
    return errors > 0;
  }

  /** Returns true if there are no findings at all, not even warnings. */
  public boolean isClean() {
    return findings.isEmpty();
  }

  /**
   * Returns true if a finding has {@code code}.
   *
   * @throws NullPointerException if {@code code} is null
   */
  public boolean has(FindingCode code) {
    requireNonNull(code, "code == null");
    for (FramingFinding finding : findings) {
      if (finding.code() == code) return true;
    }
    return false;
  }

  /**
   * Returns the bytes of the HTTP/1.1 request line, {@code METHOD SP target SP HTTP/1.1 CRLF}, or
   * -1 if the target was not given.
   */
  public long requestLineBytes() {
    return requestLineBytes;
  }

  /**
   * Returns the bytes of the header section: each field as {@code name: value CRLF}, then the CRLF
   * that ends the head. Characters count as UTF-8; HTTP clients send ASCII names and values.
   */
  public long headerBytes() {
    return headerBytes;
  }

  /**
   * Returns the length that {@code Content-Length} declares, or -1 if there is none, or the values
   * are invalid or disagree. A length sent with {@code Transfer-Encoding} is returned too, though a
   * server ignores it.
   */
  public long declaredLength() {
    return declaredLength;
  }

  /** Returns the body's byte count before any transfer coding, or -1 if it was not known. */
  public long bodyBytes() {
    return bodyBytes;
  }

  /**
   * Returns this report for chaining if it has no errors (warnings are allowed).
   *
   * @throws FramingViolationException if a finding is an error; its message names every finding
   */
  public FramingReport requireNoErrors() throws FramingViolationException {
    if (hasErrors()) throw new FramingViolationException(this);
    return this;
  }

  /**
   * Tells {@code listener} about each finding, for requests to {@code origin}, and logs each to the
   * {@code System.Logger} named {@code io.lengthguard}: the first error for an origin within an
   * hour at {@code WARNING}, every other finding at {@code DEBUG}. What the listener throws is
   * logged and otherwise ignored, as {@link GuardListener} says.
   *
   * @throws NullPointerException if an argument is null
   */
  public void publish(Origin origin, GuardListener listener) {
    requireNonNull(origin, "origin == null");
    requireNonNull(listener, "listener == null");
    for (FramingFinding finding : findings) {
      // An error risks the body: WARNING, once per origin an hour; the rest, and repeats, DEBUG.
      Level level =
          finding.severity() == Severity.ERROR && WARNED.add(origin) ? Level.WARNING : Level.DEBUG;
      LOGGER.log(level, () -> "framing of " + requestHead() + " to " + origin + ": " + finding);
      ListenerCalls.call(listener, "framingFinding", l -> l.framingFinding(origin, finding));
    }
  }

  /**
   * Returns the report as lines of text: the request line, the byte count of each part of the
   * request, then the findings. For example:
   *
   * <pre>
   * POST /upload HTTP/1.1
   *   request line     23 bytes
   *   header section   40 bytes (2 fields and the blank line)
   *   declared length  5 bytes (Content-Length)
   *   body             7 bytes
   *   1 error, 0 warnings
   *   ERROR LENGTH_MISMATCH: Content-Length declares 5 bytes but the body has 7 (2 more): ...
   * </pre>
   *
   * <p>Lines end with {@code \n}; the method, target and quoted values are escaped, so a CR or LF
   * sent by a caller cannot forge a line. The format is for people and may change; read the
   * accessors in code.
   */
  public String render() {
    StringBuilder out = new StringBuilder(256);
    out.append(requestHead())
        .append(target == null ? " (target not given)" : " HTTP/1.1")
        .append('\n');
    line(out, "request line", requestLineBytes < 0 ? "unknown" : bytes(requestLineBytes));
    line(
        out,
        "header section",
        bytes(headerBytes)
            + " ("
            + fieldCount
            + (fieldCount == 1 ? " field" : " fields")
            + " and the blank line)");
    line(out, "declared length", declared());
    line(out, "body", bodyBytes < 0 ? "unknown" : bytes(bodyBytes));
    if (findings.isEmpty()) {
      out.append("  no findings\n");
    } else {
      int warnings = findings.size() - errors;
      out.append("  ")
          .append(errors)
          .append(errors == 1 ? " error, " : " errors, ")
          .append(warnings)
          .append(warnings == 1 ? " warning" : " warnings")
          .append('\n');
      for (FramingFinding finding : findings) out.append("  ").append(finding).append('\n');
    }
    return out.toString();
  }

  private String declared() {
    if (transferEncoding) {
      return contentLength
          ? "ignored: Transfer-Encoding overrides Content-Length"
          : "none: Transfer-Encoding frames the body";
    }
    if (!contentLength) return "none: neither Content-Length nor Transfer-Encoding";
    return declaredLength < 0
        ? "unknown: Content-Length is invalid or repeated with other values"
        : bytes(declaredLength) + " (Content-Length)";
  }

  private static void line(StringBuilder out, String label, String value) {
    out.append("  ").append(label);
    for (int i = label.length(); i < 17; i++) out.append(' ');
    out.append(value).append('\n');
  }

  private static String bytes(long count) {
    return count == 1 ? "1 byte" : count + " bytes";
  }

  /** Returns {@code METHOD target}, escaped for a log line. */
  String requestHead() {
    return FramingCheck.escape(method) + (target == null ? "" : " " + FramingCheck.escape(target));
  }

  @Override
  public String toString() {
    StringBuilder out = new StringBuilder("FramingReport{").append(requestHead()).append(", ");
    if (findings.isEmpty()) return out.append("clean}").toString();
    out.append('[');
    for (int i = 0; i < findings.size(); i++) {
      if (i > 0) out.append(", ");
      out.append(findings.get(i).code());
    }
    return out.append("]}").toString();
  }
}
