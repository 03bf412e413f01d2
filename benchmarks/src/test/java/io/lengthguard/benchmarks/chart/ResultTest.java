package io.lengthguard.benchmarks.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResultTest {
  private static Result result(String method, Map<String, String> params) {
    return new Result("FreezeStringBenchmark", method, "avgt", params, 1, 0, "ns/op", 0);
  }

  private static Map<String, String> params(String... nameValues) {
    Map<String, String> params = new LinkedHashMap<>();
    for (int i = 0; i < nameValues.length; i += 2) params.put(nameValues[i], nameValues[i + 1]);
    return params;
  }

  @Test
  void variantIsTheStrategyElseTheMethod() {
    assertThat(result("freeze", params("size", "1024", "strategy", "GET_BYTES")).variant())
        .isEqualTo("GET_BYTES");
    assertThat(result("messageDigest", params("size", "1024")).variant())
        .isEqualTo("messageDigest");
  }

  @Test
  void groupHoldsEveryParameterButTheStrategy() {
    Result frozen = result("freeze", params("size", "1024", "strategy", "FROZEN_BODY"));
    Result bytes = result("freeze", params("size", "1024", "strategy", "GET_BYTES"));
    Result larger = result("freeze", params("size", "2048", "strategy", "GET_BYTES"));

    assertThat(frozen.group()).isEqualTo(bytes.group()).isNotEqualTo(larger.group());
    assertThat(frozen.label()).isEqualTo("freeze: 1 KiB");
  }

  @Test
  void methodsWithoutStrategyShareAGroup() {
    assertThat(result("firstCall", params("size", "1048576")).group())
        .isEqualTo(result("messageDigest", params("size", "1048576")).group());
    assertThat(result("firstCall", params("size", "1048576")).label()).isEqualTo("1 MiB");
  }

  @Test
  void methodsWithAStrategyAreSeparateGroups() {
    assertThat(result("okhttp", params("strategy", "GUARD")).group())
        .isNotEqualTo(result("httpclient5", params("strategy", "GUARD")).group());
    assertThat(result("okhttp", params("strategy", "GUARD")).label()).isEqualTo("okhttp");
  }

  @Test
  void convertsTimesAndThroughputsToNanosPerOperation() {
    assertThat(Samples.result("A", "m", "avgt", "ns/op", 12).nanosPerOp()).isEqualTo(12);
    assertThat(Samples.result("A", "m", "avgt", "us/op", 1.5).nanosPerOp()).isEqualTo(1500);
    assertThat(Samples.result("A", "m", "avgt", "ms/op", 2).nanosPerOp()).isEqualTo(2e6);
    assertThat(Samples.result("A", "m", "thrpt", "ops/s", 4).nanosPerOp()).isEqualTo(2.5e8);
    assertThat(Samples.result("A", "m", "thrpt", "ops/ms", 1000).nanosPerOp())
        .isCloseTo(1000, within(1e-9));
  }

  @Test
  void namesWholeKibibytesAndMebibytes() {
    assertThat(Result.bytes("1024")).isEqualTo("1 KiB");
    assertThat(Result.bytes("16777216")).isEqualTo("16 MiB");
    assertThat(Result.bytes("1000")).isEqualTo("1000 B");
    assertThat(Result.bytes("ASCII")).isEqualTo("ASCII");
  }

  @Test
  void formatsAboutFourSignificantDigits() {
    assertThat(Result.format(1234567.8)).isEqualTo("1,234,568");
    assertThat(Result.format(123.45)).isEqualTo("123.5");
    assertThat(Result.format(12.345)).isEqualTo("12.35");
    assertThat(Result.format(0.05)).isEqualTo("0.050");
    assertThat(Result.format(0.0004)).isEqualTo("4.00e-04");
    assertThat(Result.format(Double.NaN)).isEqualTo("—");
    assertThat(Result.ratio(1.04)).isEqualTo("1.04x");
    assertThat(Result.ratio(0.0000063)).isEqualTo("6.3e-06x");
  }
}
