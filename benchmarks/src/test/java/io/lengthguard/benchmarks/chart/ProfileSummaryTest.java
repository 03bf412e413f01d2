package io.lengthguard.benchmarks.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProfileSummaryTest {
  /** 500 ops/s over 4 x 2 s: 4,000 operations. */
  private static final String JSON =
      "[{\"benchmark\": \"io.lengthguard.benchmarks.LoopbackPostBenchmark.okhttp\","
          + " \"mode\": \"thrpt\", \"measurementIterations\": 4, \"measurementTime\": \"2 s\","
          + " \"params\": {\"size\": \"65536\", \"strategy\": \"GUARD\"},"
          + " \"primaryMetric\": {\"score\": 500.0, \"scoreError\": 10.0,"
          + " \"scoreUnit\": \"ops/s\"}}]";

  @Test
  void dividesEachThreadsSamplesAmongTheOperations() {
    ProfileSummary summary =
        ProfileSummary.of(
            JSON,
            List.of(
                "[OkHttp TaskRunner tid=12];java/lang/Thread.run;clear_page_erms_[k] 30",
                "[jmh-worker-1 tid=7];io/lengthguard/SegmentBuffer.write 50",
                "[jmh-worker-2 tid=8];io/lengthguard/SegmentBuffer.write 20",
                ""),
            ProfileSummary.DEFAULT_INTERVAL_NANOS);

    // 100 samples of 10 ms over 4,000 operations: 250 us each; the workers' 70 of them, 175 us.
    assertThat(summary.micros(100)).isEqualTo(250.0);
    assertThat(summary.format())
        .startsWith(
            "LoopbackPostBenchmark.okhttp {size=65536, strategy=GUARD}: 500.0 ops/s, 100 samples,"
                + " CPU 250 us per operation\n")
        .contains("       175 us   70.0 %  jmh-worker-N\n")
        .contains("        75 us   30.0 %  OkHttp TaskRunner\n")
        .contains("       175 us   70.0 %  io/lengthguard/SegmentBuffer.write\n")
        .contains("        75 us   30.0 %  clear_page_erms_[k]\n");
  }

  @Test
  void dividesEachSitesBytesAmongTheOperations() {
    ProfileSummary summary =
        ProfileSummary.allocations(
            JSON,
            List.of(
                "[HttpClient-1-Worker-0 tid=12];jdk/internal/net/http/RequestPublishers$StreamIterator.read;"
                    + "jdk/internal/net/http/common/Utils.getBuffer;java/nio/ByteBuffer.allocate;"
                    + "java/nio/HeapByteBuffer.<init>;byte[]_[i] 600000000",
                "[jmh-worker-1 tid=7];io/lengthguard/SegmentBuffer.write;byte[]_[k] 262144000",
                "[jmh-worker-1 tid=7];java/lang/Thread.run;java/lang/Object[]_[i] 4000"));

    // 862,148,000 bytes over 4,000 operations.
    assertThat(summary.format())
        .startsWith(
            "LoopbackPostBenchmark.okhttp {size=65536, strategy=GUARD}: 500.0 ops/s,"
                + " 215537 B allocated per operation\n")
        .contains("    150000 B    69.6 %  HttpClient-N-Worker-N\n")
        .contains("     65537 B    30.4 %  jmh-worker-N\n")
        .contains(
            "    150000 B    69.6 %  byte[] in jdk/internal/net/http/common/Utils.getBuffer"
                + " > java/nio/ByteBuffer.allocate\n")
        .contains("     65536 B    30.4 %  byte[] in io/lengthguard/SegmentBuffer.write\n")
        .contains(
            "         1 B     0.0 %  java/lang/Object[] in (no frame) > java/lang/Thread.run\n");
  }

  @Test
  void groupsAPoolsThreadsByNameWithoutNumbers() {
    assertThat(ProfileSummary.threadGroup("[HttpClient-1-Worker-0 tid=4411]"))
        .isEqualTo("HttpClient-N-Worker-N");
    assertThat(ProfileSummary.threadGroup("[main tid=1]")).isEqualTo("main");
  }

  @Test
  void refusesAnythingButOneThroughputResult() {
    assertThatThrownBy(() -> ProfileSummary.of("[]", List.of(), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expected the JMH JSON of exactly one result");
    assertThatThrownBy(
            () ->
                ProfileSummary.of(
                    JSON.replace("\"thrpt\"", "\"avgt\"").replace("ops/s", "ns/op"), List.of(), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expected a throughput result, not avgt");
  }
}
