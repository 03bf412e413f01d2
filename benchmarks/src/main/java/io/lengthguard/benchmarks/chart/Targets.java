package io.lengthguard.benchmarks.chart;

import io.lengthguard.benchmarks.chart.Target.Kind;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The targets of the benchmarks, numbered as in {@code benchmarks/README.md}, and so each benchmark
 * class's baselines: a class's first target names its main baseline (the "Ratio to baseline"
 * column); each other baseline a target names gets its own section in the chart. A new benchmark
 * class adds its targets here; a class with none is tabled without ratios and left out of the
 * chart.
 */
final class Targets {
  private Targets() {}

  private static final String LOOPBACK = "LoopbackPostBenchmark";
  private static final String SMALL = "65536";
  private static final String LARGE = "16777216";

  /** The blocking clients, whose bars are the same: one method each in the loopback benchmark. */
  private static final String[] BLOCKING = {"okhttp", "httpclient5", "jdk", "springRestClient"};

  static final List<Target> ALL =
      List.of(
          // 1. The default policy on a small body of unknown length: cheaper than the buffering
          // users write by hand for the same client, and close to that client's bare chunked send.
          new Target("1a", LOOPBACK, "GUARD", "PEER", Kind.THROUGHPUT_RATIO_AT_LEAST, 1.10)
              .only(BLOCKING)
              .where("size", SMALL),
          new Target("1b", LOOPBACK, "GUARD", "PEER", Kind.ALLOC_RATIO_AT_MOST, 0.60)
              .only(BLOCKING)
              .where("size", SMALL),
          new Target("1c", LOOPBACK, "GUARD", "CHUNKED", Kind.THROUGHPUT_RATIO_AT_LEAST, 0.95)
              .only(BLOCKING)
              .where("size", SMALL),
          // 2. A large body past the read-ahead, streamed through the tee and captured.
          new Target("2a", LOOPBACK, "GUARD", "CHUNKED", Kind.THROUGHPUT_RATIO_AT_LEAST, 0.90)
              .only(BLOCKING)
              .where("size", LARGE),
          new Target("2b", LOOPBACK, "GUARD", "CHUNKED", Kind.ALLOC_PER_PAYLOAD_AT_MOST, 1.10)
              .only(BLOCKING)
              .where("size", LARGE),
          // 3. Freezing an OkHttp RequestBody: one copy of the payload.
          new Target(
              "3",
              "OkHttpFreezeBenchmark",
              "GUARD",
              "OKIO_BUFFER",
              Kind.ALLOC_PER_PAYLOAD_AT_MOST,
              1.10),
          // 5. The earlier targets, which still hold.
          new Target(
              "5a",
              "FreezeStringBenchmark",
              "FROZEN_BODY",
              "GET_BYTES",
              Kind.TIME_RATIO_AT_MOST,
              1.10),
          new Target(
              "5b",
              "BufferStreamBenchmark",
              "FROZEN_BODY",
              "READ_ALL_BYTES",
              Kind.TIME_RATIO_AT_MOST,
              1.20),
          new Target(
              "5c",
              "BufferStreamBenchmark",
              "FROZEN_BODY",
              "READ_ALL_BYTES",
              Kind.ALLOC_PER_PAYLOAD_AT_MOST,
              1.10),
          new Target(
              "5d", "GuardOverheadBenchmark", "GUARD", "NO_GUARD", Kind.EXTRA_NANOS_AT_MOST, 20),
          new Target(
              "5e",
              "GuardOverheadBenchmark",
              "GUARD",
              "NO_GUARD",
              Kind.EXTRA_ALLOC_BYTES_AT_MOST,
              0),
          new Target(
              "5f", "DigestBenchmark", "firstCall", "messageDigest", Kind.TIME_RATIO_AT_MOST, 1.05),
          // "Near zero": a cached value costs a field read, under a thousandth of a digest of 1
          // MiB.
          new Target(
              "5g",
              "DigestBenchmark",
              "cachedCall",
              "messageDigest",
              Kind.TIME_RATIO_AT_MOST,
              0.001),
          // 6. The async client. No limit of its own: these are the bars of 1c and 2a.
          new Target("6a", LOOPBACK, "GUARD", "CHUNKED", Kind.THROUGHPUT_RATIO_AT_LEAST, 0.95)
              .only("httpclient5Async")
              .where("size", SMALL),
          new Target("6b", LOOPBACK, "GUARD", "CHUNKED", Kind.THROUGHPUT_RATIO_AT_LEAST, 0.90)
              .only("httpclient5Async")
              .where("size", LARGE));

  /** Returns the main baseline variant of {@code benchmark}, or null if it has no target. */
  static @Nullable String baselineOf(String benchmark) {
    for (Target target : ALL) {
      if (target.benchmark().equals(benchmark)) return target.baseline();
    }
    return null;
  }

  /** Returns every baseline the targets of {@code benchmark} name, the main one first. */
  static List<String> baselinesOf(String benchmark) {
    return ALL.stream()
        .filter(target -> target.benchmark().equals(benchmark))
        .map(Target::baseline)
        .distinct()
        .toList();
  }

  /** Returns where {@code benchmark} comes in the targets' order; a class with none comes last. */
  static int order(String benchmark) {
    for (int i = 0; i < ALL.size(); i++) {
      if (ALL.get(i).benchmark().equals(benchmark)) return i;
    }
    return ALL.size();
  }
}
