package io.lengthguard.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.lengthguard.spring.boot.app.UploadApplication;
import io.lengthguard.spring.boot.app.Uploader;
import io.lengthguard.testing.Payloads;
import io.lengthguard.testing.Wire;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayInputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * An application with the starter and no LengthGuard code of its own uploads streams through the
 * {@code RestClient.Builder} and {@code WebClient.Builder} Boot injects, to a strict origin.
 */
@SpringBootTest(
    classes = UploadApplication.class,
    properties = {
      "spring.main.web-application-type=none",
      // No read-ahead: every first send streams, so the 411 path is what reaches the wire.
      "lengthguard.prebuffer-bytes=0"
    })
@Timeout(60)
class StarterApplicationTest {
  private static final String[][] SERIES = {
    {"length.required", "none"},
    {"frozen", "length.required"},
    {"frozen", "learned.origin"},
    {"resent", "none"},
    {"recovered", "none"},
    {"gave.up", "length.refused"}
  };

  @Autowired Uploader uploader;
  @Autowired MeterRegistry registry;

  private StrictServer server;
  private Map<String, Double> before;
  private double learnedBefore;

  @BeforeEach
  void start() throws Exception {
    server = new StrictServer();
    before = counts();
    learnedBefore = registry.get("lengthguard.origins.learned").gauge().value();
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  @Test
  void restClientGetsThroughAStrictOriginAndLearnsIt() throws Exception {
    byte[] payload = Payloads.bytes(48 * 1024);

    assertThat(uploader.postWithRestClient(server.url(), new ByteArrayInputStream(payload)))
        .isEqualTo(200);
    assertThat(uploader.postWithRestClient(server.url(), new ByteArrayInputStream(payload)))
        .isEqualTo(200);

    assertStreamedThenResent(payload);
    Wire.assertExactLength(server.take(), payload); // the origin is known: its length at once
    assertThat(server.requestCount()).isEqualTo(3);
    assertThat(server.strict.lengthRequiredCount()).isEqualTo(1);
    assertRecoveredOnceThenFrozeForTheLearnedOrigin();
  }

  @Test
  void webClientGetsThroughAStrictOriginAndLearnsIt() throws Exception {
    byte[] payload = Payloads.bytes(48 * 1024);

    assertThat(uploader.postWithWebClient(server.url(), new ByteArrayInputStream(payload)))
        .isEqualTo(200);
    assertThat(uploader.postWithWebClient(server.url(), new ByteArrayInputStream(payload)))
        .isEqualTo(200);

    assertStreamedThenResent(payload);
    Wire.assertExactLength(server.take(), payload);
    assertThat(server.requestCount()).isEqualTo(3);
    assertThat(server.strict.lengthRequiredCount()).isEqualTo(1);
    assertRecoveredOnceThenFrozeForTheLearnedOrigin();
  }

  @Test
  void restClientAndWebClientShareOneGuard() throws Exception {
    byte[] payload = Payloads.bytes(20 * 1024 + 7);

    assertThat(uploader.postWithRestClient(server.url(), new ByteArrayInputStream(payload)))
        .isEqualTo(200);
    assertThat(uploader.postWithWebClient(server.url(), new ByteArrayInputStream(payload)))
        .isEqualTo(200);

    assertStreamedThenResent(payload);
    Wire.assertExactLength(
        server.take(), payload); // WebClient's first send: what RestClient learned
    assertThat(server.requestCount()).isEqualTo(3);
    assertRecoveredOnceThenFrozeForTheLearnedOrigin();
  }

  /** The first send went chunked and got 411; the second carried its length and the same bytes. */
  private void assertStreamedThenResent(byte[] payload) throws InterruptedException {
    RecordedRequest first = server.take();
    Wire.assertChunked(first);
    assertThat(first.getBody().toByteArray()).isEqualTo(payload);
    Wire.assertExactLength(server.take(), payload);
  }

  private void assertRecoveredOnceThenFrozeForTheLearnedOrigin() {
    Map<String, Double> delta = new LinkedHashMap<>();
    counts().forEach((series, count) -> delta.put(series, count - before.get(series)));
    assertThat(delta)
        .containsExactly(
            Map.entry("length.required/none", 1.0),
            Map.entry("frozen/length.required", 1.0),
            Map.entry("frozen/learned.origin", 1.0),
            Map.entry("resent/none", 1.0),
            Map.entry("recovered/none", 1.0),
            Map.entry("gave.up/length.refused", 0.0));
    assertThat(registry.get("lengthguard.origins.learned").gauge().value())
        .isEqualTo(learnedBefore + 1);
  }

  private Map<String, Double> counts() {
    Map<String, Double> counts = new LinkedHashMap<>();
    for (String[] series : SERIES) {
      Counter counter =
          registry
              .find("lengthguard.events")
              .tag("event", series[0])
              .tag("reason", series[1])
              .tag("server.address", "127.0.0.1")
              .counter();
      counts.put(series[0] + "/" + series[1], counter == null ? 0 : counter.count());
    }
    return counts;
  }
}
