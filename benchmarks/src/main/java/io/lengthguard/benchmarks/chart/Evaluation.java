package io.lengthguard.benchmarks.chart;

/** A target measured on one subject result against the baseline in its group. */
record Evaluation(Target target, Result subject, Result baseline, double value) {

  boolean met() {
    return target.met(value);
  }

  /** Returns the verdict in words, such as {@code yes} or {@code no: 1.23x, 12% over}. */
  String verdict() {
    if (Double.isNaN(value)) return target.shortfall(value);
    return met() ? "yes" : "**no**: " + target.show(value) + ", " + target.shortfall(value);
  }
}
