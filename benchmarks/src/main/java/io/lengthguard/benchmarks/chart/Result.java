package io.lengthguard.benchmarks.chart;

import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * One JMH result: a benchmark method with one set of parameters.
 *
 * <p>Its <em>variant</em> is what is compared to a baseline: the value of its {@code strategy}
 * parameter if it has one, else its method name. Results with the same <em>group</em> (class, the
 * method when there is a strategy, and every other parameter) are compared with each other.
 */
record Result(
    String className,
    String method,
    String mode,
    Map<String, String> params,
    double score,
    double error,
    String unit,
    double allocBytesPerOp) {

  static final String STRATEGY = "strategy";

  /** Returns the strategy, or the method name when the class has no strategy parameter. */
  String variant() {
    String strategy = params.get(STRATEGY);
    return strategy != null ? strategy : method;
  }

  /** Returns what identifies the results this one is compared with. */
  String group() {
    return className + (params.containsKey(STRATEGY) ? "." + method : "") + " " + otherParams();
  }

  /** Returns the parameters but the strategy, such as {@code 1 KiB, ASCII}. */
  String otherParams() {
    StringJoiner joiner = new StringJoiner(", ");
    params.forEach(
        (name, value) -> {
          if (!name.equals(STRATEGY)) joiner.add(name.equals("size") ? bytes(value) : value);
        });
    return joiner.toString();
  }

  /** Returns what names this result's group in a chart or table, such as {@code freeze: 1 KiB}. */
  String label() {
    String others = otherParams();
    if (!params.containsKey(STRATEGY)) return others.isEmpty() ? method : others;
    return method + (others.isEmpty() ? "" : ": " + others);
  }

  /** Returns the payload in bytes: the {@code size} parameter. */
  long payloadBytes() {
    String size = params.get("size");
    if (size == null) throw new IllegalStateException(className + " has no size parameter");
    return Long.parseLong(size);
  }

  /** Returns whether a larger score is better (a throughput) rather than worse (a time). */
  boolean higherIsBetter() {
    return mode.equals("thrpt");
  }

  /** Returns the time of one operation in nanoseconds. */
  double nanosPerOp() {
    String[] parts = unit.split("/", -1);
    if (parts.length != 2) throw new IllegalStateException("unknown unit: " + unit);
    if (parts[1].equals("op")) return score * nanosPer(parts[0]);
    if (parts[0].equals("ops")) return nanosPer(parts[1]) / score;
    throw new IllegalStateException("unknown unit: " + unit);
  }

  private static double nanosPer(String timeUnit) {
    switch (timeUnit) {
      case "ns":
        return 1;
      case "us":
        return 1e3;
      case "ms":
        return 1e6;
      case "s":
        return 1e9;
      case "min":
        return 60e9;
      default:
        throw new IllegalStateException("unknown time unit: " + timeUnit);
    }
  }

  /** Returns {@code value}, a number of bytes, in KiB or MiB when it is a whole number of them. */
  static String bytes(String value) {
    if (value.isEmpty() || value.length() > 18 || !value.chars().allMatch(Character::isDigit)) {
      return value;
    }
    long n = Long.parseLong(value);
    if (n >= 1 << 20 && n % (1 << 20) == 0) return (n >> 20) + " MiB";
    if (n >= 1 << 10 && n % (1 << 10) == 0) return (n >> 10) + " KiB";
    return n + " B";
  }

  /** Returns {@code value} with about four significant digits and thousands separators. */
  static String format(double value) {
    if (Double.isNaN(value)) return "—";
    double magnitude = Math.abs(value);
    if (magnitude >= 1000 || magnitude == 0) return String.format(Locale.ROOT, "%,.0f", value);
    if (magnitude >= 100) return String.format(Locale.ROOT, "%.1f", value);
    if (magnitude >= 10) return String.format(Locale.ROOT, "%.2f", value);
    if (magnitude >= 0.01) return String.format(Locale.ROOT, "%.3f", value);
    return String.format(Locale.ROOT, "%.2e", value);
  }

  /** Returns {@code value} as a ratio, such as {@code 1.04x} or {@code 4.7e-06x}. */
  static String ratio(double value) {
    if (Double.isNaN(value)) return "—";
    return (value != 0 && Math.abs(value) < 0.01)
        ? String.format(Locale.ROOT, "%.1ex", value)
        : String.format(Locale.ROOT, "%.2fx", value);
  }
}
