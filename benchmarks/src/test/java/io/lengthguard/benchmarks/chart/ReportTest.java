package io.lengthguard.benchmarks.chart;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReportTest {
  private final String markdown = Report.markdown(Samples.run());

  @Test
  void startsWithTheJdkAndSettings() {
    assertThat(markdown)
        .startsWith(
            "JDK 17.0.15, OpenJDK 64-Bit Server VM 17.0.15+6; JMH 1.37, 3 fork(s), warm-up 5 x 2"
                + " s, measurement 10 x 2 s.\n");
  }

  @Test
  void tablesEachResultBesideItsBaseline() {
    assertThat(markdown.lines())
        .contains(
            "| BufferStreamBenchmark.buffer | size=64 KiB, strategy=READ_ALL_BYTES | 1,000 | ± 10.00"
                + " | ns/op | 1.00x | 131,072 | baseline | — |",
            "| BufferStreamBenchmark.buffer | size=64 KiB, strategy=FROZEN_BODY | 1,300 | ± 12.50 |"
                + " ns/op | 1.30x | 66,000 | 5b: time ≤ 1.2x READ_ALL_BYTES; 5c: alloc ≤ 1.1x"
                + " payload | **no**: 1.30x, 8% over the limit; yes |",
            "| LoopbackPostBenchmark.okhttp | size=64 KiB, strategy=GUARD | 11,500 | — | ops/s"
                + " | 1.15x | 70,000 | 1a: throughput ≥ 1.1x PEER; 1b: alloc ≤ 0.6x PEER; 1c:"
                + " throughput ≥ 0.95x CHUNKED | yes; yes; yes |",
            "| LoopbackPostBenchmark.okhttp | size=16 MiB, strategy=GUARD | 46.00 | — | ops/s"
                + " | 1.53x | 17,500,000 | 2a: throughput ≥ 0.9x CHUNKED; 2b: alloc ≤ 1.1x"
                + " payload | yes; yes |",
            "| OtherBenchmark.run | — | 3.000 | — | ms/op | — | — | — | — |");
  }

  @Test
  void summarizesEachTargetByItsWorstResult() {
    assertThat(markdown.lines())
        .contains(
            "| 5d | GuardOverheadBenchmark | GUARD: ≤ 20 ns more than NO_GUARD | +30.00 ns"
                + " (okhttpInterceptor) | **no**: +30.00 ns, 10.00 ns over the limit |",
            "| 1a | LoopbackPostBenchmark | GUARD: throughput ≥ 1.1x PEER (okhttp, httpclient5,"
                + " jdk, springRestClient; 64 KiB) | 1.15x (okhttp: 64 KiB) | yes |",
            "| 1b | LoopbackPostBenchmark | GUARD: alloc ≤ 0.6x PEER (okhttp, httpclient5, jdk,"
                + " springRestClient; 64 KiB) | 0.50x (okhttp: 64 KiB) | yes |",
            "| 2a | LoopbackPostBenchmark | GUARD: throughput ≥ 0.9x CHUNKED (okhttp, httpclient5,"
                + " jdk, springRestClient; 16 MiB) | 0.92x (okhttp: 16 MiB) | yes |",
            "| 6a | LoopbackPostBenchmark | GUARD: throughput ≥ 0.95x CHUNKED (httpclient5Async; 64"
                + " KiB) | — | not measured |",
            "| 5f | DigestBenchmark | firstCall: time ≤ 1.05x messageDigest | — | not measured |");
  }
}
