package io.lengthguard.benchmarks.chart;

import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import org.jspecify.annotations.Nullable;

/** Writes a run as Markdown: every result beside its baseline, then each target met or not. */
final class Report {
  private Report() {}

  static String markdown(Run run) {
    List<Evaluation> evaluations = run.evaluate();
    StringBuilder out = new StringBuilder();
    out.append("JDK ").append(run.jdk()).append("; ").append(run.settings()).append(".\n\n");

    out.append(
        "| Benchmark | Params | Score | Error | Unit | Ratio to baseline | Alloc B/op | Target"
            + " | Met? |\n");
    out.append("|---|---|--:|--:|---|--:|--:|---|---|\n");
    for (Result result : run.results()) {
      Result baseline = run.baselineOf(result);
      StringJoiner targets = new StringJoiner("; ");
      StringJoiner verdicts = new StringJoiner("; ");
      if (baseline == result) {
        targets.add("baseline");
      }
      for (Evaluation evaluation : evaluations) {
        if (evaluation.subject() == result) {
          targets.add(evaluation.target().number() + ": " + evaluation.target().describe());
          verdicts.add(evaluation.verdict());
        }
      }
      String ratio = baseline == null ? "—" : Result.ratio(result.score() / baseline.score());
      out.append("| ")
          .append(result.className())
          .append('.')
          .append(result.method())
          .append(" | ")
          .append(result.params().isEmpty() ? "—" : params(result))
          .append(" | ")
          .append(Result.format(result.score()))
          .append(" | ")
          .append(Double.isNaN(result.error()) ? "—" : "± " + Result.format(result.error()))
          .append(" | ")
          .append(result.unit())
          .append(" | ")
          .append(ratio)
          .append(" | ")
          .append(Result.format(result.allocBytesPerOp()))
          .append(" | ")
          .append(targets.length() == 0 ? "—" : targets.toString())
          .append(" | ")
          .append(verdicts.length() == 0 ? "—" : verdicts.toString())
          .append(" |\n");
    }

    out.append("\n| # | Benchmark | Target | Worst measured | Met? |\n");
    out.append("|---|---|---|---|---|\n");
    for (Target target : Targets.ALL) {
      List<Evaluation> measured = new ArrayList<>();
      for (Evaluation evaluation : evaluations) {
        if (evaluation.target() == target) measured.add(evaluation);
      }
      Evaluation worst = worst(measured);
      out.append("| ")
          .append(target.number())
          .append(" | ")
          .append(target.benchmark())
          .append(" | ")
          .append(target.subject())
          .append(": ")
          .append(target.describe())
          .append(target.scope())
          .append(" | ");
      if (worst == null) {
        out.append("— | not measured |\n");
      } else {
        out.append(target.show(worst.value()))
            .append(" (")
            .append(worst.subject().label())
            .append(") | ")
            .append(worst.verdict())
            .append(" |\n");
      }
    }
    return out.toString();
  }

  /** Returns the evaluation furthest from its target (an unmeasured one first), or null. */
  static @Nullable Evaluation worst(List<Evaluation> evaluations) {
    Evaluation worst = null;
    for (Evaluation evaluation : evaluations) {
      if (Double.isNaN(evaluation.value())) return evaluation;
      double value = evaluation.value();
      if (worst == null
          || (evaluation.target().kind().atLeast()
              ? value < worst.value()
              : value > worst.value())) {
        worst = evaluation;
      }
    }
    return worst;
  }

  private static String params(Result result) {
    StringJoiner joiner = new StringJoiner(", ");
    result
        .params()
        .forEach(
            (name, value) ->
                joiner.add(name + "=" + (name.equals("size") ? Result.bytes(value) : value)));
    return joiner.toString();
  }
}
