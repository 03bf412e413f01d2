package io.lengthguard.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.lengthguard.testing.Payloads;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The control for OkHttp without a guard: each gateway refuses a body of unknown length with 411
 * and passes a body of known length through byte for byte.
 */
@ExtendWith(GatewaysExtension.class)
final class BareOkHttpIT {
  private static final MediaType OCTET_STREAM = MediaType.get("application/octet-stream");

  @ParameterizedTest(name = "{0}")
  @EnumSource(Gateway.class)
  void unknownLengthBodyGets411(Gateway gateway, Gateways gateways) throws Exception {
    RunningGateway running = gateways.get(gateway);
    String path = "/bare-okhttp/" + gateway + "/unknown-length";
    byte[] body = Payloads.bytes(1024);

    Reply reply = post(running, path, unknownLength(body));

    assertThat(reply.status()).as("status from %s", running).isEqualTo(411);
    assertThat(reply.receivedLength()).isNull();
    assertThat(gateways.backend().received(path)).as("what reached the backend").isEmpty();
  }

  @ParameterizedTest(name = "{0}, {1} bytes")
  @MethodSource("gatewaysAndSizes")
  void knownLengthBodyArrivesExactly(Gateway gateway, int size, Gateways gateways)
      throws Exception {
    RunningGateway running = gateways.get(gateway);
    String path = "/bare-okhttp/" + gateway + "/known-length/" + size;
    byte[] body = Payloads.bytes(size);

    Reply reply = post(running, path, RequestBody.create(body, OCTET_STREAM));

    assertThat(reply.status()).as("status from %s", running).isEqualTo(200);
    assertThat(reply.receivedLength()).isEqualTo(Integer.toString(size));
    assertThat(reply.receivedSha256()).isEqualTo(RecordingBackend.sha256Hex(body));
    gateways.backend().assertReceivedExactly(path, body);
  }

  static Stream<Arguments> gatewaysAndSizes() {
    return Arrays.stream(Gateway.values())
        .flatMap(
            gateway ->
                IntStream.of(0, 1024, 1024 * 1024).mapToObj(size -> Arguments.of(gateway, size)));
  }

  /** Posts with a new client, so no test meets a connection another test left in a pool. */
  private static Reply post(RunningGateway running, String path, RequestBody body)
      throws IOException {
    OkHttpClient client = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(30)).build();
    Request request = new Request.Builder().url(running.uri(path).toString()).post(body).build();
    try (Response response = client.newCall(request).execute()) {
      return new Reply(
          response.code(),
          response.header(RecordingBackend.RECEIVED_LENGTH),
          response.header(RecordingBackend.RECEIVED_SHA256));
    } finally {
      client.connectionPool().evictAll();
    }
  }

  /** Returns a body whose length OkHttp does not know (-1), so it goes out chunked. */
  private static RequestBody unknownLength(byte[] bytes) {
    return new RequestBody() {
      @Override
      public MediaType contentType() {
        return OCTET_STREAM;
      }

      @Override
      public long contentLength() {
        return -1;
      }

      @Override
      public void writeTo(BufferedSink sink) throws IOException {
        sink.write(bytes);
      }
    };
  }
}
