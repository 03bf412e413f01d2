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
                + " ns/op | 1.30x | 66,000 | 2a: time ≤ 1.2x READ_ALL_BYTES; 2b: alloc ≤ 1.1x"
                + " payload | **no**: 1.30x, 8% over the limit; yes |",
            "| OtherBenchmark.run | — | 3.000 | — | ms/op | — | — | — | — |");
  }

  @Test
  void summarizesEachTargetByItsWorstResult() {
    assertThat(markdown.lines())
        .contains(
            "| 3a | GuardOverheadBenchmark | GUARD: ≤ 20 ns more than NO_GUARD | +30.00 ns"
                + " (okhttpInterceptor) | **no**: +30.00 ns, 10.00 ns over the limit |",
            "| 4 | LoopbackPostBenchmark | GUARD_PREBUFFER: throughput ≥ 0.95x PREBUILT_BYTES |"
                + " 0.96x (okhttp) | yes |",
            "| 5a | DigestBenchmark | firstCall: time ≤ 1.05x messageDigest | — | not measured |");
  }
}
