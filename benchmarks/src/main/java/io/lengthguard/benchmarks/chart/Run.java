package io.lengthguard.benchmarks.chart;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The results of one JMH run, with the JDK and settings it ran with. */
record Run(String jdk, String settings, List<Result> results) {

  /** Returns the run a JMH JSON file's text holds. */
  static Run parse(String json) {
    Object root = Json.parse(json);
    if (!(root instanceof List)) throw new IllegalArgumentException("not JMH JSON: no array");
    List<Result> results = new ArrayList<>();
    String jdk = "";
    String settings = "";
    for (Object element : (List<?>) root) {
      Map<?, ?> entry = map(element);
      if (results.isEmpty()) {
        jdk = entry.get("jdkVersion") + ", " + entry.get("vmName") + " " + entry.get("vmVersion");
        settings =
            "JMH "
                + entry.get("jmhVersion")
                + ", "
                + whole(entry.get("forks"))
                + " fork(s), "
                + (whole(entry.get("warmupIterations")).equals("0")
                    ? "no warm-up"
                    : "warm-up "
                        + whole(entry.get("warmupIterations"))
                        + " x "
                        + entry.get("warmupTime"))
                + ", measurement "
                + whole(entry.get("measurementIterations"))
                + " x "
                + entry.get("measurementTime");
      }
      results.add(result(entry));
    }
    return new Run(jdk, settings, ordered(results));
  }

  /**
   * Returns {@code results} in the order of the targets, as the README numbers them, each group
   * together with its baseline first; otherwise in JMH's order.
   */
  private static List<Result> ordered(List<Result> results) {
    Map<String, List<Result>> groups = new LinkedHashMap<>();
    for (Result result : results) {
      groups.computeIfAbsent(result.group(), g -> new ArrayList<>()).add(result);
    }
    List<List<Result>> sorted = new ArrayList<>(groups.values());
    sorted.sort(Comparator.comparingInt(group -> Targets.order(group.get(0).className())));
    List<Result> ordered = new ArrayList<>();
    for (List<Result> group : sorted) {
      String baseline = Targets.baselineOf(group.get(0).className());
      for (Result result : group) {
        if (result.variant().equals(baseline)) ordered.add(result);
      }
      for (Result result : group) {
        if (!result.variant().equals(baseline)) ordered.add(result);
      }
    }
    return ordered;
  }

  /** Returns the results compared with each other, by {@link Result#group()}, in run order. */
  Map<String, List<Result>> groups() {
    Map<String, List<Result>> groups = new LinkedHashMap<>();
    for (Result result : results) {
      groups.computeIfAbsent(result.group(), g -> new ArrayList<>()).add(result);
    }
    return groups;
  }

  /** Returns the baseline in {@code result}'s group, or null if there is none. */
  @Nullable Result baselineOf(Result result) {
    String baseline = Targets.baselineOf(result.className());
    return baseline == null ? null : find(result.group(), baseline);
  }

  /** Returns the result of {@code variant} in {@code group}, or null if there is none. */
  @Nullable Result find(String group, String variant) {
    for (Result result : results) {
      if (result.group().equals(group) && result.variant().equals(variant)) return result;
    }
    return null;
  }

  /** Returns every target's measurements in this run, target by target. */
  List<Evaluation> evaluate() {
    List<Evaluation> evaluations = new ArrayList<>();
    for (Target target : Targets.ALL) {
      for (Result subject : results) {
        if (!target.appliesTo(subject)) continue;
        Result baseline = find(subject.group(), target.baseline());
        if (baseline != null) {
          evaluations.add(
              new Evaluation(target, subject, baseline, target.measure(subject, baseline)));
        }
      }
    }
    return evaluations;
  }

  private static Result result(Map<?, ?> entry) {
    String benchmark = String.valueOf(entry.get("benchmark"));
    int dot = benchmark.lastIndexOf('.');
    String qualifiedClass = benchmark.substring(0, Math.max(dot, 0));
    Map<String, String> params = new LinkedHashMap<>();
    Object rawParams = entry.get("params");
    if (rawParams instanceof Map) {
      ((Map<?, ?>) rawParams).forEach((k, v) -> params.put(String.valueOf(k), String.valueOf(v)));
    }
    Map<?, ?> primary = map(entry.get("primaryMetric"));
    double alloc = Double.NaN;
    Object secondary = entry.get("secondaryMetrics");
    if (secondary instanceof Map && ((Map<?, ?>) secondary).get("gc.alloc.rate.norm") != null) {
      alloc = Json.number(map(((Map<?, ?>) secondary).get("gc.alloc.rate.norm")).get("score"));
    }
    return new Result(
        qualifiedClass.substring(qualifiedClass.lastIndexOf('.') + 1),
        benchmark.substring(dot + 1),
        String.valueOf(entry.get("mode")),
        params,
        Json.number(primary.get("score")),
        Json.number(primary.get("scoreError")),
        String.valueOf(primary.get("scoreUnit")),
        alloc);
  }

  private static String whole(@Nullable Object number) {
    return number instanceof Double ? String.valueOf(((Double) number).longValue()) : "?";
  }

  private static Map<?, ?> map(@Nullable Object value) {
    if (!(value instanceof Map)) throw new IllegalArgumentException("not JMH JSON: " + value);
    return (Map<?, ?>) value;
  }
}
