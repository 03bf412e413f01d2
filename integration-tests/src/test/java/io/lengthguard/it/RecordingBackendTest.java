package io.lengthguard.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.testing.Payloads;
import java.io.IOException;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

final class RecordingBackendTest {
  private static final MediaType OCTET_STREAM = MediaType.get("application/octet-stream");

  private final OkHttpClient client = new OkHttpClient();
  private RecordingBackend backend;

  @BeforeEach
  void start() throws IOException {
    backend = RecordingBackend.start();
  }

  @AfterEach
  void stop() {
    backend.close();
    client.connectionPool().evictAll();
  }

  @Test
  void reportsLengthAndDigestOfKnownLengthBody() throws IOException {
    byte[] body = Payloads.bytes(70_000);

    try (Response response = post("/known", RequestBody.create(body, OCTET_STREAM))) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.header(RecordingBackend.RECEIVED_LENGTH)).isEqualTo("70000");
      assertThat(response.header(RecordingBackend.RECEIVED_SHA256))
          .isEqualTo(RecordingBackend.sha256Hex(body));
      assertThat(response.body().string())
          .isEqualTo("70000 " + RecordingBackend.sha256Hex(body) + "\n");
    }
    backend.assertReceivedExactly("/known", body);
  }

  @Test
  void recordsChunkedBodyAsChunked() throws IOException {
    byte[] body = Payloads.bytes(5_000);

    try (Response response = post("/chunked", chunked(body))) {
      assertThat(response.header(RecordingBackend.RECEIVED_LENGTH)).isEqualTo("5000");
    }
    assertThat(backend.received("/chunked"))
        .singleElement()
        .satisfies(
            received -> {
              assertThat(received.method()).isEqualTo("POST");
              assertThat(received.transferEncoding()).isEqualToIgnoringCase("chunked");
              assertThat(received.contentLength()).isNull();
              assertThat(received.length()).isEqualTo(5_000);
              assertThat(received.sha256()).isEqualTo(RecordingBackend.sha256Hex(body));
            });
    // The chunked request is not what assertReceivedExactly accepts.
    assertThatThrownBy(() -> backend.assertReceivedExactly("/chunked", body))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Content-Length forwarded");
  }

  @Test
  void keepsRequestsApartByPath() throws IOException {
    byte[] body = Payloads.bytes(10);

    try (Response response = post("/a", RequestBody.create(body, OCTET_STREAM))) {
      assertThat(response.code()).isEqualTo(200);
    }

    assertThat(backend.received("/a")).hasSize(1);
    assertThat(backend.received("/b")).isEmpty();
  }

  @Test
  void sha256HexMatchesKnownVector() {
    // FIPS 180-2, appendix B.1: SHA-256("abc").
    assertThat(
            RecordingBackend.sha256Hex("abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  private Response post(String path, RequestBody body) throws IOException {
    Request request =
        new Request.Builder().url("http://127.0.0.1:" + backend.port() + path).post(body).build();
    return client.newCall(request).execute();
  }

  private static RequestBody chunked(byte[] bytes) {
    return new RequestBody() {
      @Override
      public MediaType contentType() {
        return OCTET_STREAM;
      }

      @Override
      public void writeTo(BufferedSink sink) throws IOException {
        sink.write(bytes);
      }
    };
  }
}
