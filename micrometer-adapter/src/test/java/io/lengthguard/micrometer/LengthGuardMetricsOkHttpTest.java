package io.lengthguard.micrometer;

import static io.lengthguard.micrometer.LengthGuardMetricsTest.events;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.lengthguard.GuardCounters;
import io.lengthguard.GuardListener;
import io.lengthguard.GuardPolicy;
import io.lengthguard.okhttp.LengthGuardInterceptor;
import io.lengthguard.testing.Payloads;
import io.lengthguard.testing.StrictOrigin;
import io.lengthguard.testing.Wire;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The meters after real calls through a guarded OkHttp client to a strict origin on loopback. */
class LengthGuardMetricsOkHttpTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final GuardCounters counters = GuardCounters.create();
  private final StrictOrigin strict = new StrictOrigin();
  private final MockWebServer server = new MockWebServer();
  private OkHttpClient client;

  @BeforeEach
  void start() throws IOException {
    server.setDispatcher(strict);
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    // No read-ahead: the first send streams chunked, so the strict origin answers 411.
    GuardPolicy policy =
        GuardPolicy.builder()
            .prebufferBytes(0)
            .listener(GuardListener.composite(LengthGuardMetrics.create(registry), counters))
            .build();
    client =
        new OkHttpClient.Builder().addInterceptor(LengthGuardInterceptor.create(policy)).build();
  }

  @AfterEach
  void stop() {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
    server.close();
  }

  @Test
  void oneRecovered411ReadsExactlyWhatHappened() throws Exception {
    byte[] payload = Payloads.bytes(5000);
    String address = server.url("/").host();

    try (Response response = client.newCall(post(payload)).execute()) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.body().string()).isEqualTo("5000");
    }

    assertThat(server.getRequestCount()).isEqualTo(2);
    Wire.assertChunked(take());
    Wire.assertExactLength(take(), payload);
    assertThat(events(registry))
        .containsOnly(
            entry("length.required none " + address, 1.0),
            entry("frozen length.required " + address, 1.0),
            entry("resent none " + address, 1.0),
            entry("recovered none " + address, 1.0));
    DistributionSummary sizes = registry.get(LengthGuardMetrics.FROZEN_SIZE).summary();
    assertThat(sizes.getId().getTag("reason")).isEqualTo("length.required");
    assertThat(sizes.count()).isEqualTo(1);
    assertThat(sizes.totalAmount()).isEqualTo(5000.0);
    // The listener it was composed with heard the same events.
    assertThat(counters.snapshot().count(GuardCounters.Event.LENGTH_REQUIRED)).isEqualTo(1);
    assertThat(counters.snapshot().count(GuardCounters.Event.RECOVERED)).isEqualTo(1);
  }

  @Test
  void theNextCallToTheLearnedOriginIsCountedAsFrozenBeforeSending() throws Exception {
    byte[] first = Payloads.bytes(3000, 1);
    byte[] second = Payloads.bytes(700, 2);
    String address = server.url("/").host();

    try (Response response = client.newCall(post(first)).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }
    try (Response response = client.newCall(post(second)).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }

    assertThat(server.getRequestCount()).isEqualTo(3);
    Wire.assertChunked(take());
    Wire.assertExactLength(take(), first);
    Wire.assertExactLength(take(), second);
    assertThat(strict.lengthRequiredCount()).isEqualTo(1);
    assertThat(events(registry))
        .containsOnly(
            entry("length.required none " + address, 1.0),
            entry("frozen length.required " + address, 1.0),
            entry("resent none " + address, 1.0),
            entry("recovered none " + address, 1.0),
            entry("frozen learned.origin " + address, 1.0));
    assertThat(
            registry
                .get(LengthGuardMetrics.FROZEN_SIZE)
                .tag("reason", "learned.origin")
                .summary()
                .totalAmount())
        .isEqualTo(700.0);
  }

  private Request post(byte[] payload) {
    return new Request.Builder().url(server.url("/upload")).post(unknownLength(payload)).build();
  }

  private RecordedRequest take() throws InterruptedException {
    RecordedRequest request = server.takeRequest(10, SECONDS);
    assertThat(request).as("a request within 10 s").isNotNull();
    return request;
  }

  /** A repeatable body of unknown length, written in small pieces as a serializer would. */
  private static RequestBody unknownLength(byte[] bytes) {
    return new RequestBody() {
      @Override
      public @Nullable MediaType contentType() {
        return MediaType.get("application/octet-stream");
      }

      @Override
      public long contentLength() {
        return -1L;
      }

      @Override
      public void writeTo(BufferedSink sink) throws IOException {
        for (int i = 0; i < bytes.length; i += 512) {
          sink.write(bytes, i, Math.min(512, bytes.length - i));
          sink.flush();
        }
      }
    };
  }
}
