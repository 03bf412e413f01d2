package io.lengthguard.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;

import io.lengthguard.testing.Payloads;
import java.net.URI;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EarlyResponsesTest {
  private MockWebServer server;

  @BeforeEach
  void startServer() throws Exception {
    server = Servers.strictOrigin();
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  @Test
  void readsA411ThatArrivesWhileALargeBodyIsWritten() throws Exception {
    server.setDispatcher(new Origins.EarlyLengthRequired(1));
    PoolingHttpClientConnectionManager pool = EarlyResponses.connectionManager();
    byte[] payload = Payloads.bytes(256);

    try (CloseableHttpClient client = HttpClients.custom().setConnectionManager(pool).build()) {
      int early = client.execute(post(chunked(16 << 20)), response -> response.getCode());
      int next = client.execute(post(payload), response -> response.getCode());

      assertThat(early).isEqualTo(411);
      assertThat(next).isEqualTo(200);
      assertThat(pool.getTotalStats().getLeased()).isZero();
    }

    RecordedRequest refused = server.takeRequest();
    RecordedRequest accepted = server.takeRequest();
    assertThat(refused.getHeaders().get("Transfer-Encoding")).isEqualTo("chunked");
    // The connection the 411 cut short is not reused.
    assertThat(accepted.getConnectionIndex()).isNotEqualTo(refused.getConnectionIndex());
  }

  @Test
  void reusesConnectionsThatEndedNormally() throws Exception {
    PoolingHttpClientConnectionManager pool = EarlyResponses.connectionManager();

    try (CloseableHttpClient client = HttpClients.custom().setConnectionManager(pool).build()) {
      for (int i = 0; i < 2; i++) {
        int code = client.execute(post(Payloads.bytes(100_000)), response -> response.getCode());
        assertThat(code).isEqualTo(200);
      }
    }

    RecordedRequest first = server.takeRequest();
    RecordedRequest second = server.takeRequest();
    assertThat(first.getBodySize()).isEqualTo(100_000);
    assertThat(second.getConnectionIndex()).isEqualTo(first.getConnectionIndex());
  }

  private HttpPost post(byte[] payload) {
    HttpPost post = new HttpPost(uri());
    post.setEntity(new ByteArrayEntity(payload, ContentType.APPLICATION_OCTET_STREAM));
    return post;
  }

  private HttpPost post(ByteArrayEntity entity) {
    HttpPost post = new HttpPost(uri());
    post.setEntity(entity);
    return post;
  }

  private static ByteArrayEntity chunked(int size) {
    return new ByteArrayEntity(Payloads.bytes(size), ContentType.APPLICATION_OCTET_STREAM, true);
  }

  private URI uri() {
    return URI.create("http://127.0.0.1:" + server.getPort() + "/upload");
  }
}
