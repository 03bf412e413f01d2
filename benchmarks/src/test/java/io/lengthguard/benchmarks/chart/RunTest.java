package io.lengthguard.benchmarks.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import org.junit.jupiter.api.Test;

class RunTest {
  @Test
  void readsTheJdkAndSettings() {
    Run run = Samples.run();

    assertThat(run.jdk()).isEqualTo("17.0.15, OpenJDK 64-Bit Server VM 17.0.15+6");
    assertThat(run.settings())
        .isEqualTo("JMH 1.37, 3 fork(s), warm-up 5 x 2 s, measurement 10 x 2 s");
  }

  @Test
  void ordersByTargetWithEachBaselineFirst() {
    assertThat(Samples.run().results())
        .extracting(Result::className, Result::method, Result::variant)
        .containsExactly(
            tuple("LoopbackPostBenchmark", "okhttp", "PEER"),
            tuple("LoopbackPostBenchmark", "okhttp", "CHUNKED"),
            tuple("LoopbackPostBenchmark", "okhttp", "GUARD"),
            tuple("LoopbackPostBenchmark", "okhttp", "PEER"),
            tuple("LoopbackPostBenchmark", "okhttp", "CHUNKED"),
            tuple("LoopbackPostBenchmark", "okhttp", "GUARD"),
            tuple("FreezeStringBenchmark", "freeze", "GET_BYTES"),
            tuple("FreezeStringBenchmark", "freeze", "FROZEN_BODY"),
            tuple("BufferStreamBenchmark", "buffer", "READ_ALL_BYTES"),
            tuple("BufferStreamBenchmark", "buffer", "FROZEN_BODY"),
            tuple("BufferStreamBenchmark", "buffer", "BYTE_ARRAY_OUTPUT_STREAM"),
            tuple("GuardOverheadBenchmark", "okhttpInterceptor", "NO_GUARD"),
            tuple("GuardOverheadBenchmark", "okhttpInterceptor", "GUARD"),
            tuple("GuardOverheadBenchmark", "httpclient5ExecHandler", "NO_GUARD"),
            tuple("GuardOverheadBenchmark", "httpclient5ExecHandler", "GUARD"),
            tuple("OtherBenchmark", "run", "run"));
  }

  @Test
  void readsScoresErrorsUnitsAndAllocation() {
    Result frozen = Samples.run().results().get(9);

    assertThat(frozen.params())
        .containsExactly(
            java.util.Map.entry("size", "65536"), java.util.Map.entry("strategy", "FROZEN_BODY"));
    assertThat(frozen.score()).isEqualTo(1300);
    assertThat(frozen.error()).isEqualTo(12.5);
    assertThat(frozen.unit()).isEqualTo("ns/op");
    assertThat(frozen.allocBytesPerOp()).isEqualTo(66000);
    assertThat(Samples.run().results().get(6).error()).isNaN();
    assertThat(Samples.run().results().get(6).allocBytesPerOp()).isNaN();
  }

  @Test
  void findsTheBaselineInTheSameGroup() {
    Run run = Samples.run();
    Result guarded = run.results().get(14);

    assertThat(run.baselineOf(guarded)).isSameAs(run.results().get(13));
    // The main baseline of the 16 MiB body is the 16 MiB PEER, not the 64 KiB one.
    assertThat(run.baselineOf(run.results().get(5))).isSameAs(run.results().get(3));
    assertThat(run.baselineOf(run.results().get(15))).isNull();
  }

  @Test
  void evaluatesEveryTargetWithASubjectAndBaseline() {
    assertThat(Samples.run().evaluate())
        .extracting(e -> e.target().number(), e -> e.subject().label(), Evaluation::met)
        .containsExactly(
            tuple("1a", "okhttp: 64 KiB", true),
            tuple("1b", "okhttp: 64 KiB", true),
            tuple("1c", "okhttp: 64 KiB", true),
            tuple("2a", "okhttp: 16 MiB", true),
            tuple("2b", "okhttp: 16 MiB", true),
            tuple("5a", "freeze: 1 KiB, ASCII", true),
            tuple("5b", "buffer: 64 KiB", false),
            tuple("5c", "buffer: 64 KiB", true),
            tuple("5d", "okhttpInterceptor", false),
            tuple("5d", "httpclient5ExecHandler", true),
            tuple("5e", "okhttpInterceptor", false),
            tuple("5e", "httpclient5ExecHandler", true));
  }

  @Test
  void rejectsJsonThatIsNotAnArray() {
    assertThatThrownBy(() -> Run.parse("{}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not JMH JSON: no array");
  }
}
