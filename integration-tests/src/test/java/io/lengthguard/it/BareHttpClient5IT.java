package io.lengthguard.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.lengthguard.testing.Payloads;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.apache.hc.core5.util.Timeout;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The control for the classic HttpClient 5 without a guard: each gateway refuses a body of unknown
 * length with 411 and passes a body of known length through byte for byte.
 */
@ExtendWith(GatewaysExtension.class)
final class BareHttpClient5IT {

  @ParameterizedTest(name = "{0}")
  @EnumSource(Gateway.class)
  void unknownLengthBodyGets411(Gateway gateway, Gateways gateways) throws Exception {
    RunningGateway running = gateways.get(gateway);
    String path = "/bare-httpclient5/" + gateway + "/unknown-length";
    byte[] body = Payloads.bytes(1024);
    // Length -1: RequestContent sends it chunked.
    HttpEntity entity =
        new InputStreamEntity(
            new ByteArrayInputStream(body), -1, ContentType.APPLICATION_OCTET_STREAM);

    Reply reply = post(running, path, entity);

    assertThat(reply.status()).as("status from %s", running).isEqualTo(411);
    assertThat(reply.receivedLength()).isNull();
    assertThat(gateways.backend().received(path)).as("what reached the backend").isEmpty();
  }

  @ParameterizedTest(name = "{0}, {1} bytes")
  @MethodSource("gatewaysAndSizes")
  void knownLengthBodyArrivesExactly(Gateway gateway, int size, Gateways gateways)
      throws Exception {
    RunningGateway running = gateways.get(gateway);
    String path = "/bare-httpclient5/" + gateway + "/known-length/" + size;
    byte[] body = Payloads.bytes(size);

    Reply reply =
        post(running, path, new ByteArrayEntity(body, ContentType.APPLICATION_OCTET_STREAM));

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
  private static Reply post(RunningGateway running, String path, HttpEntity entity)
      throws IOException {
    try (CloseableHttpClient client = bareClient()) {
      return client.execute(
          ClassicRequestBuilder.post(running.uri(path)).setEntity(entity).build(),
          response -> {
            EntityUtils.consume(response.getEntity());
            return new Reply(
                response.getCode(),
                header(response, RecordingBackend.RECEIVED_LENGTH),
                header(response, RecordingBackend.RECEIVED_SHA256));
          });
    }
  }

  private static CloseableHttpClient bareClient() {
    ConnectionConfig connections =
        ConnectionConfig.custom()
            .setConnectTimeout(Timeout.ofSeconds(5))
            .setSocketTimeout(Timeout.ofSeconds(30))
            .build();
    return HttpClients.custom()
        .setConnectionManager(
            PoolingHttpClientConnectionManagerBuilder.create()
                .setDefaultConnectionConfig(connections)
                .build())
        .build();
  }

  private static @Nullable String header(ClassicHttpResponse response, String name) {
    Header header = response.getFirstHeader(name);
    return header == null ? null : header.getValue();
  }
}
