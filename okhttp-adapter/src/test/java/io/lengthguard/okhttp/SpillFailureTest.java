package io.lengthguard.okhttp;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.Buffering;
import io.lengthguard.GiveUpReason;
import io.lengthguard.GuardListener;
import io.lengthguard.GuardMode;
import io.lengthguard.GuardPolicy;
import io.lengthguard.Origin;
import io.lengthguard.testing.Payloads;
import io.lengthguard.testing.StrictOrigin;
import io.lengthguard.testing.Wire;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A spill directory that disappears after the policy was built: every call that needed it fails
 * with its true cause, never as "too large", and the listener hears why.
 */
class SpillFailureTest {
  private static final int KIB = 1024;
  private static final int MIB = 1024 * KIB;

  private final List<String> events = new CopyOnWriteArrayList<>();
  private final StrictOrigin strict = new StrictOrigin();
  private MockWebServer server;
  private OkHttpClient client;
  private Origin origin;
  private Path spill;

  @BeforeEach
  void startServer(@TempDir Path temp) throws IOException {
    server = new MockWebServer();
    server.setDispatcher(strict);
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    origin = Origin.of("http", server.getHostName(), server.getPort());
    spill = Files.createDirectory(temp.resolve("spill"));
  }

  @AfterEach
  void stopServer() {
    if (client != null) {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
    server.close();
  }

  @ParameterizedTest(name = "{0}, one-shot {1}")
  @CsvSource({"RETRY_ON_411, true", "RETRY_ON_411, false", "ADAPTIVE, true", "ADAPTIVE, false"})
  void failedSpillHandsBackThe411AsFreezeFailedNotTooLarge(GuardMode mode, boolean oneShot)
      throws Exception {
    client = client(policy(mode).prebufferBytes(0).build());
    Files.delete(spill); // after the policy was built: the directory goes away at run time
    byte[] payload = Payloads.bytes(2 * MIB); // under the 8 MiB cap
    RequestBody body =
        oneShot ? UnknownLengthBody.oneShot(payload) : UnknownLengthBody.replayable(payload);

    try (Response response = client.newCall(post(body)).execute()) {
      assertThat(response.code()).isEqualTo(411);
      assertThat(response.body().string()).isEqualTo("Length Required");
    }

    RecordedRequest first = take();
    Wire.assertChunked(first);
    assertThat(first.getBody().toByteArray()).isEqualTo(payload);
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(events).hasSize(2);
    assertThat(events.get(0)).isEqualTo("lengthRequired " + origin + " lengthSent=false");
    assertThat(events.get(1))
        .startsWith("gaveUp " + origin + " FREEZE_FAILED ")
        .contains("java.nio.file.NoSuchFileException: " + spill);
  }

  @Test
  void prebufferCallFailsWithTheDirectoryNamedAndNothingSent() throws Exception {
    client = client(policy(GuardMode.PREBUFFER).build());
    Files.delete(spill);
    byte[] payload = Payloads.bytes(2 * MIB);

    assertThatThrownBy(() -> client.newCall(post(UnknownLengthBody.oneShot(payload))).execute())
        .isExactlyInstanceOf(IOException.class)
        .hasMessageStartingWith("could not hold the body in " + spill + " (")
        .hasMessageContaining("java.nio.file.NoSuchFileException: " + spill)
        .hasMessageEndingWith("); nothing was sent. Check Buffering.spillToDisk's directory");

    assertThat(server.getRequestCount()).isZero();
    assertThat(events).hasSize(1);
    assertThat(events.get(0))
        .startsWith("gaveUp " + origin + " FREEZE_FAILED could not hold the body in " + spill);
  }

  private GuardPolicy.Builder policy(GuardMode mode) {
    GuardListener recording =
        new GuardListener() {
          @Override
          public void lengthRequired(Origin at, boolean lengthSent) {
            record("lengthRequired " + at + " lengthSent=" + lengthSent);
          }

          @Override
          public void gaveUp(Origin at, GiveUpReason reason, String detail) {
            record("gaveUp " + at + " " + reason + " " + detail);
          }

          @Override
          public void bodyTooLarge(Origin at, long limit, long bytesRead) {
            record("bodyTooLarge " + at + " " + limit + " " + bytesRead);
          }

          @Override
          public void resent(Origin at, long bytes) {
            record("resent " + at + " " + bytes);
          }
        };
    return GuardPolicy.builder()
        .mode(mode)
        .buffering(Buffering.spillToDisk(64 * KIB, 8 * MIB, spill))
        .listener(recording);
  }

  private void record(String event) {
    events.add(event);
  }

  private static OkHttpClient client(GuardPolicy policy) {
    return new OkHttpClient.Builder().addInterceptor(LengthGuardInterceptor.create(policy)).build();
  }

  private Request post(RequestBody body) {
    return new Request.Builder().url(server.url("/upload")).post(body).build();
  }

  private RecordedRequest take() throws InterruptedException {
    RecordedRequest request = server.takeRequest(10, SECONDS);
    assertThat(request).as("a request within 10 s").isNotNull();
    return request;
  }
}
