package io.lengthguard.benchmarks.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.lengthguard.benchmarks.chart.Target.Kind;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TargetTest {
  private static Target target(Kind kind, double limit) {
    return new Target("0", "SomeBenchmark", "SUBJECT", "BASE", kind, limit);
  }

  private static Result timed(double nanos, double alloc) {
    return new Result(
        "SomeBenchmark", "m", "avgt", Map.of("size", "1000"), nanos, 0, "ns/op", alloc);
  }

  @Test
  void timeRatioIsSubjectOverBaseline() {
    Target target = target(Kind.TIME_RATIO_AT_MOST, 1.1);

    double value = target.measure(timed(123, 0), timed(100, 0));

    assertThat(value).isEqualTo(1.23);
    assertThat(target.met(value)).isFalse();
    assertThat(target.met(1.1)).isTrue();
    assertThat(target.describe()).isEqualTo("time ≤ 1.1x BASE");
    assertThat(target.show(value)).isEqualTo("1.23x");
    assertThat(target.shortfall(value)).isEqualTo("12% over the limit");
  }

  @Test
  void throughputRatioHoldsInEitherMode() {
    Target target = target(Kind.THROUGHPUT_RATIO_AT_LEAST, 0.95);
    Result subject = Samples.result("SomeBenchmark", "m", "thrpt", "ops/s", 900);
    Result baseline = Samples.result("SomeBenchmark", "m", "thrpt", "ops/s", 1000);

    assertThat(target.measure(subject, baseline)).isCloseTo(0.9, within(1e-12));
    assertThat(target.measure(timed(200, 0), timed(100, 0))).isEqualTo(0.5);
    assertThat(target.met(0.9)).isFalse();
    assertThat(target.met(0.95)).isTrue();
    assertThat(target.describe()).isEqualTo("throughput ≥ 0.95x BASE");
    assertThat(target.shortfall(0.9)).isEqualTo("5% under the limit");
  }

  @Test
  void extraNanosIsTheDifference() {
    Target target = target(Kind.EXTRA_NANOS_AT_MOST, 20);
    Result subject = Samples.result("SomeBenchmark", "m", "avgt", "us/op", 0.08);
    Result baseline = Samples.result("SomeBenchmark", "m", "avgt", "us/op", 0.05);

    double value = target.measure(subject, baseline);

    assertThat(value).isEqualTo(30);
    assertThat(target.met(value)).isFalse();
    assertThat(target.describe()).isEqualTo("≤ 20 ns more than BASE");
    assertThat(target.show(value)).isEqualTo("+30.00 ns");
    assertThat(target.shortfall(value)).isEqualTo("10.00 ns over the limit");
  }

  @Test
  void allocationPerPayloadDividesByTheSizeParameter() {
    Target target = target(Kind.ALLOC_PER_PAYLOAD_AT_MOST, 1.1);

    assertThat(target.measure(timed(1, 1050), timed(1, 2000))).isEqualTo(1.05);
    assertThat(target.met(1.05)).isTrue();
    assertThat(target.describe()).isEqualTo("alloc ≤ 1.1x payload");
  }

  @Test
  void extraAllocationRoundsTheProfilersFractionsOfAByte() {
    Target target = target(Kind.EXTRA_ALLOC_BYTES_AT_MOST, 0);

    assertThat(target.measure(timed(1, 0.0004), timed(1, 0.0001))).isEqualTo(0);
    assertThat(target.met(0)).isTrue();
    assertThat(target.measure(timed(1, 24.0003), timed(1, 0.0001))).isEqualTo(24);
    assertThat(target.show(24)).isEqualTo("+24 B/op");
    assertThat(target.shortfall(24)).isEqualTo("24 B/op over the limit");
  }

  @Test
  void allocationWithoutTheProfilerIsNotMeasuredAndNotMet() {
    Target target = target(Kind.EXTRA_ALLOC_BYTES_AT_MOST, 0);

    double value = target.measure(timed(1, Double.NaN), timed(1, Double.NaN));

    assertThat(value).isNaN();
    assertThat(target.met(value)).isFalse();
    assertThat(target.shortfall(value)).isEqualTo("not measured (run with -prof gc)");
  }

  @Test
  void allocationRatioDividesByTheBaselines() {
    Target target = target(Kind.ALLOC_RATIO_AT_MOST, 0.6);

    double value = target.measure(timed(1, 70_000), timed(1, 100_000));

    assertThat(value).isEqualTo(0.7);
    assertThat(target.met(value)).isFalse();
    assertThat(target.describe()).isEqualTo("alloc ≤ 0.6x BASE");
    assertThat(target.shortfall(value)).isEqualTo("17% over the limit");
    assertThat(target.kind().isAllocation()).isTrue();
  }

  @Test
  void appliesToItsMethodsAndParameterValuesOnly() {
    Target target = target(Kind.TIME_RATIO_AT_MOST, 1.1).only("okhttp").where("size", "65536");
    Result small = subject("okhttp", "65536", "SUBJECT");

    assertThat(target.appliesTo(small)).isTrue();
    assertThat(target.appliesTo(subject("httpclient5", "65536", "SUBJECT"))).isFalse();
    assertThat(target.appliesTo(subject("okhttp", "16777216", "SUBJECT"))).isFalse();
    assertThat(target.appliesTo(subject("okhttp", "65536", "BASE"))).isFalse();
    assertThat(target.scope()).isEqualTo(" (okhttp; 64 KiB)");
    assertThat(target(Kind.TIME_RATIO_AT_MOST, 1.1).appliesTo(small)).isTrue();
    assertThat(target(Kind.TIME_RATIO_AT_MOST, 1.1).scope()).isEmpty();
  }

  private static Result subject(String method, String size, String strategy) {
    return new Result(
        "SomeBenchmark",
        method,
        "thrpt",
        Map.of("size", size, "strategy", strategy),
        1,
        0,
        "ops/s",
        0);
  }
}
