package io.lengthguard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.lengthguard.testing.H2Origin;
import java.time.Duration;
import java.util.List;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.io.CloseMode;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.client.reactive.HttpComponentsClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;

/** WebClient over HttpComponents' connector on HTTP/2, through the guard. */
class HttpComponentsH2ConnectorTest {
  @Test
  void streamedBodyOverH2CarriesNoConnectionField() throws Exception {
    CloseableHttpAsyncClient client =
        HttpAsyncClients.custom()
            .setConnectionManager(
                PoolingAsyncClientConnectionManagerBuilder.create()
                    .setDefaultTlsConfig(
                        TlsConfig.custom().setVersionPolicy(HttpVersionPolicy.FORCE_HTTP_2).build())
                    .build())
            .build();
    client.start();
    try (H2Origin origin = H2Origin.start(null)) {
      WebClient web =
          WebClient.builder()
              .clientConnector(
                  LengthGuardClientHttpConnector.wrap(
                      new HttpComponentsClientHttpConnector(client)))
              .build();
      // 2 MiB in 64 KiB buffers: past the default 1 MiB read-ahead, so the body streams.
      int buffers = 32;
      Flux<DataBuffer> body =
          Flux.range(0, buffers)
              .map(i -> DefaultDataBufferFactory.sharedInstance.wrap(new byte[64 * 1024]));

      String result =
          web.post()
              .uri(origin.uri("/lenient"))
              .body(body, DataBuffer.class)
              .exchangeToMono(
                  r -> r.bodyToMono(String.class).map(s -> r.statusCode().value() + " " + s))
              .block(Duration.ofSeconds(30));

      assertThat(result).isEqualTo("200 received " + buffers * 64 * 1024);
      List<H2Origin.Stream> streams = origin.streams("/lenient");
      assertThat(streams).hasSize(1);
      assertThat(streams.get(0).headers()).doesNotContainKey("connection");
      assertThat(streams.get(0).headers()).doesNotContainKey("content-length");
      assertThat(streams.get(0).dataBytes()).isEqualTo(buffers * 64 * 1024L);
    } finally {
      client.close(CloseMode.IMMEDIATE);
    }
  }
}
