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
            tuple("FreezeStringBenchmark", "freeze", "GET_BYTES"),
            tuple("FreezeStringBenchmark", "freeze", "FROZEN_BODY"),
            tuple("BufferStreamBenchmark", "buffer", "READ_ALL_BYTES"),
            tuple("BufferStreamBenchmark", "buffer", "FROZEN_BODY"),
            tuple("BufferStreamBenchmark", "buffer", "BYTE_ARRAY_OUTPUT_STREAM"),
            tuple("GuardOverheadBenchmark", "okhttpInterceptor", "NO_GUARD"),
            tuple("GuardOverheadBenchmark", "okhttpInterceptor", "GUARD"),
            tuple("GuardOverheadBenchmark", "httpclient5ExecHandler", "NO_GUARD"),
            tuple("GuardOverheadBenchmark", "httpclient5ExecHandler", "GUARD"),
            tuple("LoopbackPostBenchmark", "okhttp", "PREBUILT_BYTES"),
            tuple("LoopbackPostBenchmark", "okhttp", "CHUNKED"),
            tuple("LoopbackPostBenchmark", "okhttp", "GUARD_PREBUFFER"),
            tuple("OtherBenchmark", "run", "run"));
  }

  @Test
  void readsScoresErrorsUnitsAndAllocation() {
    Result frozen = Samples.run().results().get(3);

    assertThat(frozen.params())
        .containsExactly(
            java.util.Map.entry("size", "65536"), java.util.Map.entry("strategy", "FROZEN_BODY"));
    assertThat(frozen.score()).isEqualTo(1300);
    assertThat(frozen.error()).isEqualTo(12.5);
    assertThat(frozen.unit()).isEqualTo("ns/op");
    assertThat(frozen.allocBytesPerOp()).isEqualTo(66000);
    assertThat(Samples.run().results().get(0).error()).isNaN();
    assertThat(Samples.run().results().get(0).allocBytesPerOp()).isNaN();
  }

  @Test
  void findsTheBaselineInTheSameGroup() {
    Run run = Samples.run();
    Result guarded = run.results().get(8);

    assertThat(run.baselineOf(guarded)).isSameAs(run.results().get(7));
    assertThat(run.baselineOf(run.results().get(12))).isNull();
  }

  @Test
  void evaluatesEveryTargetWithASubjectAndBaseline() {
    assertThat(Samples.run().evaluate())
        .extracting(e -> e.target().number(), e -> e.subject().label(), Evaluation::met)
        .containsExactly(
            tuple("1", "freeze: 1 KiB, ASCII", true),
            tuple("2a", "buffer: 64 KiB", false),
            tuple("2b", "buffer: 64 KiB", true),
            tuple("3a", "okhttpInterceptor", false),
            tuple("3a", "httpclient5ExecHandler", true),
            tuple("3b", "okhttpInterceptor", false),
            tuple("3b", "httpclient5ExecHandler", true),
            tuple("4", "okhttp", true));
  }

  @Test
  void rejectsJsonThatIsNotAnArray() {
    assertThatThrownBy(() -> Run.parse("{}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not JMH JSON: no array");
  }
}
