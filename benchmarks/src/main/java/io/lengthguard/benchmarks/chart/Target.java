package io.lengthguard.benchmarks.chart;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * A target a benchmark must reach: its {@code subject} variant against its {@code baseline} variant
 * (see {@link Result#variant()}) in the same group of the same run. It may hold for some of the
 * class's {@code methods} only (empty: all of them) and for some parameter values only ({@code
 * where}, such as {@code size=65536}).
 */
record Target(
    String number,
    String benchmark,
    List<String> methods,
    Map<String, String> where,
    String subject,
    String baseline,
    Kind kind,
    double limit) {

  Target {
    methods = List.copyOf(methods);
    where = Map.copyOf(where);
  }

  /** A target for every method and parameter value of {@code benchmark}. */
  Target(
      String number, String benchmark, String subject, String baseline, Kind kind, double limit) {
    this(number, benchmark, List.of(), Map.of(), subject, baseline, kind, limit);
  }

  /** Returns this target for {@code methods} only. */
  Target only(String... methods) {
    return new Target(number, benchmark, List.of(methods), where, subject, baseline, kind, limit);
  }

  /** Returns this target for results whose parameter {@code name} is {@code value} only. */
  Target where(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(where);
    more.put(name, value);
    return new Target(number, benchmark, methods, more, subject, baseline, kind, limit);
  }

  /** Returns whether {@code result} is a subject of this target. */
  boolean appliesTo(Result result) {
    if (!result.className().equals(benchmark) || !result.variant().equals(subject)) return false;
    if (!methods.isEmpty() && !methods.contains(result.method())) return false;
    for (Map.Entry<String, String> entry : where.entrySet()) {
      if (!entry.getValue().equals(result.params().get(entry.getKey()))) return false;
    }
    return true;
  }

  /** Returns which results it holds for, such as {@code (okhttp, httpclient5; 64 KiB)}, or "". */
  String scope() {
    StringJoiner joiner = new StringJoiner("; ", " (", ")").setEmptyValue("");
    if (!methods.isEmpty()) joiner.add(String.join(", ", methods));
    where.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e ->
                joiner.add(
                    e.getKey().equals("size")
                        ? Result.bytes(e.getValue())
                        : e.getKey() + "=" + e.getValue()));
    return joiner.toString();
  }

  /** What is measured, and which way is better. */
  enum Kind {
    /** Subject's time per operation ÷ baseline's: at most the limit. */
    TIME_RATIO_AT_MOST,
    /** Subject's throughput ÷ baseline's: at least the limit. */
    THROUGHPUT_RATIO_AT_LEAST,
    /** Subject's time per operation minus baseline's, in nanoseconds: at most the limit. */
    EXTRA_NANOS_AT_MOST,
    /** Subject's bytes allocated per operation ÷ the {@code size} parameter: at most the limit. */
    ALLOC_PER_PAYLOAD_AT_MOST,
    /** Subject's bytes allocated per operation ÷ baseline's: at most the limit. */
    ALLOC_RATIO_AT_MOST,
    /** Subject's bytes allocated per operation minus baseline's, rounded: at most the limit. */
    EXTRA_ALLOC_BYTES_AT_MOST;

    boolean isAllocation() {
      return this == ALLOC_PER_PAYLOAD_AT_MOST
          || this == ALLOC_RATIO_AT_MOST
          || this == EXTRA_ALLOC_BYTES_AT_MOST;
    }

    boolean atLeast() {
      return this == THROUGHPUT_RATIO_AT_LEAST;
    }
  }

  /** Returns the measured value, or NaN if the results lack what it needs (such as -prof gc). */
  double measure(Result subject, Result baseline) {
    switch (kind) {
      case TIME_RATIO_AT_MOST:
        return subject.nanosPerOp() / baseline.nanosPerOp();
      case THROUGHPUT_RATIO_AT_LEAST:
        return baseline.nanosPerOp() / subject.nanosPerOp();
      case EXTRA_NANOS_AT_MOST:
        return subject.nanosPerOp() - baseline.nanosPerOp();
      case ALLOC_PER_PAYLOAD_AT_MOST:
        return subject.allocBytesPerOp() / subject.payloadBytes();
      case ALLOC_RATIO_AT_MOST:
        return subject.allocBytesPerOp() / baseline.allocBytesPerOp();
      case EXTRA_ALLOC_BYTES_AT_MOST:
        double extra = subject.allocBytesPerOp() - baseline.allocBytesPerOp();
        // The profiler reports a fraction of a byte per operation where nothing is allocated.
        return Double.isNaN(extra) ? Double.NaN : Math.round(extra);
    }
    throw new AssertionError(kind);
  }

  /** Returns whether {@code value} reaches this target; NaN never does. */
  boolean met(double value) {
    return kind.atLeast() ? value >= limit : value <= limit;
  }

  /** Returns the target in words, such as {@code time ≤ 1.10x GET_BYTES}. */
  String describe() {
    switch (kind) {
      case TIME_RATIO_AT_MOST:
        return "time ≤ " + plain(limit) + "x " + baseline;
      case THROUGHPUT_RATIO_AT_LEAST:
        return "throughput ≥ " + plain(limit) + "x " + baseline;
      case EXTRA_NANOS_AT_MOST:
        return "≤ " + plain(limit) + " ns more than " + baseline;
      case ALLOC_PER_PAYLOAD_AT_MOST:
        return "alloc ≤ " + plain(limit) + "x payload";
      case ALLOC_RATIO_AT_MOST:
        return "alloc ≤ " + plain(limit) + "x " + baseline;
      case EXTRA_ALLOC_BYTES_AT_MOST:
        return "≤ " + plain(limit) + " B/op more than " + baseline;
    }
    throw new AssertionError(kind);
  }

  /** Returns a measured value in this target's terms, such as {@code 1.04x} or {@code +3.1 ns}. */
  String show(double value) {
    if (Double.isNaN(value)) return "—";
    switch (kind) {
      case TIME_RATIO_AT_MOST:
      case THROUGHPUT_RATIO_AT_LEAST:
      case ALLOC_PER_PAYLOAD_AT_MOST:
      case ALLOC_RATIO_AT_MOST:
        return Result.ratio(value);
      case EXTRA_NANOS_AT_MOST:
        return (value >= 0 ? "+" : "") + Result.format(value) + " ns";
      case EXTRA_ALLOC_BYTES_AT_MOST:
        return (value >= 0 ? "+" : "") + plain(value) + " B/op";
    }
    throw new AssertionError(kind);
  }

  /** Returns how far {@code value} misses this target, such as {@code 12% over}. */
  String shortfall(double value) {
    if (Double.isNaN(value)) {
      return kind.isAllocation() ? "not measured (run with -prof gc)" : "not measured";
    }
    switch (kind) {
      case TIME_RATIO_AT_MOST:
      case ALLOC_PER_PAYLOAD_AT_MOST:
      case ALLOC_RATIO_AT_MOST:
        return percent(value / limit - 1) + " over the limit";
      case THROUGHPUT_RATIO_AT_LEAST:
        return percent(1 - value / limit) + " under the limit";
      case EXTRA_NANOS_AT_MOST:
        return Result.format(value - limit) + " ns over the limit";
      case EXTRA_ALLOC_BYTES_AT_MOST:
        return plain(value - limit) + " B/op over the limit";
    }
    throw new AssertionError(kind);
  }

  /** Returns a limit as written, such as {@code 1.1} or {@code 0.001}. */
  private static String plain(double limit) {
    return BigDecimal.valueOf(limit).stripTrailingZeros().toPlainString();
  }

  private static String percent(double fraction) {
    return String.format(Locale.ROOT, "%.0f%%", fraction * 100);
  }
}
