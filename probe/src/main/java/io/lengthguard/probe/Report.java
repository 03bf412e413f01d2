package io.lengthguard.probe;

import io.lengthguard.GuardMode;
import io.lengthguard.Origin;
import java.util.List;
import java.util.Map;

/** Prints a {@link ProbeResult} for people (80 columns) or for scripts (JSON). */
final class Report {
  private static final int LABEL_WIDTH = 33;

  private Report() {}

  /** Returns the text report, every line at most {@link Text#WIDTH} wide but for a long URL. */
  static String text(ProbeResult result) {
    Options options = result.options();
    Verdict verdict = result.verdict();
    StringBuilder out = new StringBuilder();
    out.append("LengthGuard probe: ")
        .append(options.method())
        .append(' ')
        .append(target(options).url())
        .append('\n');
    out.append(result.payloadBytes())
        .append("-byte JSON payload, one connection per request, timeout ")
        .append(Options.format(options.timeout()))
        .append("\n\n");
    out.append("  ").append(Text.pad("framing", LABEL_WIDTH - 2)).append("answer\n");
    for (Map.Entry<Framing, Outcome> entry : result.outcomes().entrySet()) {
      Framing framing = entry.getKey();
      String label =
          framing == Framing.CONTENT_LENGTH
              ? "Content-Length: " + result.payloadBytes()
              : framing.label();
      List<String> answer = Text.wrap(answer(framing, entry.getValue()), Text.WIDTH - LABEL_WIDTH);
      out.append("  ").append(Text.pad(label, LABEL_WIDTH - 2)).append(answer.get(0)).append('\n');
      for (String more : answer.subList(1, answer.size())) {
        out.append(" ".repeat(LABEL_WIDTH)).append(more).append('\n');
      }
    }
    out.append('\n');
    out.append("Verdict: ").append(verdict.summary()).append('\n');
    GuardMode mode = verdict.mode();
    if (mode != null) {
      out.append("Use:     GuardMode.").append(mode);
      if (verdict.expectContinue()) out.append(" (or ADAPTIVE with expectContinue(true))");
      out.append('\n');
    }
    for (String advice : verdict.advice()) {
      out.append('\n');
      List<String> lines = Text.wrap(advice, Text.WIDTH - 2);
      out.append("* ").append(lines.get(0)).append('\n');
      for (String more : lines.subList(1, lines.size())) out.append("  ").append(more).append('\n');
    }
    return out.toString();
  }

  /** Returns the JSON report: the same facts, with stable names. */
  static String json(ProbeResult result) {
    Options options = result.options();
    Verdict verdict = result.verdict();
    StringBuilder out = new StringBuilder("{\n");
    Target target = target(options);
    field(out, "url", Json.quote(target.url()));
    Origin origin = Origin.of(target.https() ? "https" : "http", target.host(), target.port());
    field(out, "origin", Json.quote(origin.toString()));
    field(out, "method", Json.quote(options.method()));
    field(out, "payloadBytes", String.valueOf(result.payloadBytes()));
    field(out, "timeoutMillis", String.valueOf(options.timeout().toMillis()));
    out.append("  \"results\": [\n");
    int i = 0;
    for (Map.Entry<Framing, Outcome> entry : result.outcomes().entrySet()) {
      Outcome outcome = entry.getValue();
      out.append("    {\"framing\": ").append(Json.quote(entry.getKey().id()));
      out.append(", \"status\": ").append(outcome.failed() ? "null" : outcome.status());
      out.append(", \"reason\": ").append(Json.quote(outcome.failed() ? null : outcome.reason()));
      out.append(", \"continueReceived\": ").append(outcome.continueReceived());
      out.append(", \"bodySent\": ").append(outcome.bodySent());
      out.append(", \"earlyAnswer\": ").append(Json.quote(outcome.early().id));
      out.append(", \"error\": ").append(Json.quote(outcome.error())).append('}');
      out.append(++i < result.outcomes().size() ? ",\n" : "\n");
    }
    out.append("  ],\n");
    field(out, "verdict", Json.quote(verdict.kind().id));
    field(out, "summary", Json.quote(verdict.summary()));
    field(out, "acceptsChunked", String.valueOf(verdict.kind() == Verdict.Kind.ACCEPTS_CHUNKED));
    field(out, "requiresLength", String.valueOf(verdict.kind() == Verdict.Kind.REQUIRES_LENGTH));
    field(out, "expectContinue", Json.quote(verdict.expect().id));
    field(out, "emptyWithoutLength", Json.quote(verdict.emptyWithoutLength().id));
    GuardMode mode = verdict.mode();
    field(out, "recommendedMode", Json.quote(mode == null ? null : mode.name()));
    field(out, "recommendExpectContinue", String.valueOf(verdict.expectContinue()));
    field(out, "closesWithoutReadingBody", String.valueOf(verdict.closesWithoutReading()));
    // Pasted into GuardPolicy.Builder.lengthRequired(...): ADAPTIVE then freezes bodies to this
    // origin from the first request instead of learning it from a 411.
    field(
        out,
        "lengthRequired",
        Json.quote(
            verdict.kind() == Verdict.Kind.REQUIRES_LENGTH
                ? "Origin.of(\""
                    + origin.scheme()
                    + "\", \""
                    + origin.host()
                    + "\", "
                    + origin.port()
                    + ")"
                : null));
    out.append("  \"advice\": [");
    for (int a = 0; a < verdict.advice().size(); a++) {
      out.append(a == 0 ? "\n    " : ",\n    ").append(Json.quote(verdict.advice().get(a)));
    }
    out.append(verdict.advice().isEmpty() ? "],\n" : "\n  ],\n");
    out.append("  \"exitCode\": ").append(verdict.exitCode()).append("\n}\n");
    return out.toString();
  }

  /** Returns the JSON printed instead of a result when the probe fails. */
  static String jsonError(String message, int exitCode) {
    return "{\n  \"error\": " + Json.quote(message) + ",\n  \"exitCode\": " + exitCode + "\n}\n";
  }

  private static String answer(Framing framing, Outcome outcome) {
    String answer = outcome.statusLine();
    switch (outcome.early()) {
      case BODY_READ:
        return answer + ", before the body; body read";
      case CLOSED_WITHOUT_READING:
        return answer + ", before the body; closed without reading the body";
      default:
        break;
    }
    if (framing != Framing.CHUNKED_EXPECT_CONTINUE || outcome.failed()) return answer;
    if (outcome.continueReceived()) return answer + ", after 100 Continue";
    if (!outcome.bodySent()) return answer + ", before the body";
    return answer + ", no 100 within " + Options.format(Exchange.CONTINUE_WAIT);
  }

  private static Target target(Options options) {
    Target target = options.target();
    if (target == null) throw new IllegalArgumentException("options without a target");
    return target;
  }

  private static void field(StringBuilder out, String name, String json) {
    out.append("  ").append(Json.quote(name)).append(": ").append(json).append(",\n");
  }
}
