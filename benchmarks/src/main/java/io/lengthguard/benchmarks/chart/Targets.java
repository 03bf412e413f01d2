package io.lengthguard.benchmarks.chart;

import io.lengthguard.benchmarks.chart.Target.Kind;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The targets of the benchmarks, and so each benchmark class's baseline. A new benchmark class adds
 * its targets here; a class with none is tabled without ratios and left out of the chart.
 */
final class Targets {
  private Targets() {}

  static final List<Target> ALL =
      List.of(
          new Target(
              "1",
              "FreezeStringBenchmark",
              "FROZEN_BODY",
              "GET_BYTES",
              Kind.TIME_RATIO_AT_MOST,
              1.10),
          new Target(
              "2a",
              "BufferStreamBenchmark",
              "FROZEN_BODY",
              "READ_ALL_BYTES",
              Kind.TIME_RATIO_AT_MOST,
              1.20),
          new Target(
              "2b",
              "BufferStreamBenchmark",
              "FROZEN_BODY",
              "READ_ALL_BYTES",
              Kind.ALLOC_PER_PAYLOAD_AT_MOST,
              1.10),
          new Target(
              "3a", "GuardOverheadBenchmark", "GUARD", "NO_GUARD", Kind.EXTRA_NANOS_AT_MOST, 20),
          new Target(
              "3b",
              "GuardOverheadBenchmark",
              "GUARD",
              "NO_GUARD",
              Kind.EXTRA_ALLOC_BYTES_AT_MOST,
              0),
          new Target(
              "4",
              "LoopbackPostBenchmark",
              "GUARD_PREBUFFER",
              "PREBUILT_BYTES",
              Kind.THROUGHPUT_RATIO_AT_LEAST,
              0.95),
          new Target(
              "5a", "DigestBenchmark", "firstCall", "messageDigest", Kind.TIME_RATIO_AT_MOST, 1.05),
          // "Near zero": a cached value costs a field read, under a thousandth of a digest of 1
          // MiB.
          new Target(
              "5b",
              "DigestBenchmark",
              "cachedCall",
              "messageDigest",
              Kind.TIME_RATIO_AT_MOST,
              0.001));

  /** Returns the baseline variant of {@code benchmark}, or null if it has no target. */
  static @Nullable String baselineOf(String benchmark) {
    for (Target target : ALL) {
      if (target.benchmark().equals(benchmark)) return target.baseline();
    }
    return null;
  }

  /** Returns where {@code benchmark} comes in the targets' order; a class with none comes last. */
  static int order(String benchmark) {
    for (int i = 0; i < ALL.size(); i++) {
      if (ALL.get(i).benchmark().equals(benchmark)) return i;
    }
    return ALL.size();
  }
}
