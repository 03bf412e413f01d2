package io.lengthguard.okhttp;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.Buffering;
import io.lengthguard.FrozenBody;
import io.lengthguard.testing.Payloads;
import io.lengthguard.testing.Wire;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.nio.file.Path;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okio.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FrozenRequestBodyTest {
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");

  @Test
  void ofRejectsNullBody() {
    assertThatThrownBy(() -> FrozenRequestBody.of(null, JSON))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("body == null");
  }

  @Test
  void contentLengthCountsBytesNotCharacters() {
    FrozenRequestBody body = FrozenRequestBody.of(FrozenBody.ofUtf8("{\"name\":\"é😀\"}"), JSON);

    // "é" is 2 bytes in UTF-8 and the emoji 4: 13 code points, 17 bytes.
    assertThat(body.contentLength()).isEqualTo(17);
  }

  @Test
  void keepsTheMediaTypeOrNone() {
    assertThat(FrozenRequestBody.of(FrozenBody.ofUtf8("{}"), JSON).contentType()).isEqualTo(JSON);
    assertThat(FrozenRequestBody.of(FrozenBody.ofUtf8("{}"), null).contentType()).isNull();
  }

  @Test
  void frozenBodyReturnsTheBodyItWasGiven() {
    FrozenBody frozen = FrozenBody.ofUtf8("{}");

    assertThat(FrozenRequestBody.of(frozen, JSON).frozenBody()).isSameAs(frozen);
  }

  @Test
  void isNeitherOneShotNorDuplex() {
    FrozenRequestBody body = FrozenRequestBody.of(FrozenBody.ofUtf8("{}"), JSON);

    assertThat(body.isOneShot()).isFalse();
    assertThat(body.isDuplex()).isFalse();
  }

  @Test
  void writesTheSameBytesEachTime() throws Exception {
    byte[] payload = Payloads.bytes(50_000);
    FrozenRequestBody body = FrozenRequestBody.of(FrozenBody.of(payload), null);

    for (int i = 0; i < 2; i++) {
      Buffer sink = new Buffer();
      body.writeTo(sink);
      assertThat(sink.readByteArray()).as("write %s", i).isEqualTo(payload);
    }
  }

  @Test
  void writingAClosedBodyFails() {
    FrozenBody frozen = FrozenBody.ofUtf8("{}");
    FrozenRequestBody body = FrozenRequestBody.of(frozen, JSON);
    frozen.close();

    assertThatThrownBy(() -> body.writeTo(new Buffer()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("body is closed");
  }

  @Property(tries = 200)
  void declaredLengthEqualsBytesWritten(@ForAll @Size(max = 20_000) byte[] bytes) throws Exception {
    FrozenRequestBody body = FrozenRequestBody.of(FrozenBody.of(bytes), null);
    Buffer sink = new Buffer();

    body.writeTo(sink);

    assertThat(sink.size()).isEqualTo(body.contentLength());
    assertThat(sink.readByteArray()).isEqualTo(bytes);
  }

  @Test
  void goesOutWithExactContentLengthAndNoTransferEncoding(@TempDir Path spill) throws Exception {
    byte[] inMemory = Payloads.bytes(30_000);
    byte[] inFile = Payloads.bytes(300_000);
    FrozenBody spilled =
        FrozenBody.read(
            new ByteArrayInputStream(inFile), Buffering.spillToDisk(64 * 1024, 1 << 20, spill));
    OkHttpClient client = new OkHttpClient();
    try (MockWebServer server = new MockWebServer()) {
      server.enqueue(new MockResponse.Builder().code(200).build());
      server.enqueue(new MockResponse.Builder().code(200).build());
      server.start(InetAddress.getByName("127.0.0.1"), 0);
      HttpUrl url =
          new HttpUrl.Builder().scheme("http").host("127.0.0.1").port(server.getPort()).build();

      for (FrozenBody frozen : new FrozenBody[] {FrozenBody.of(inMemory), spilled}) {
        Request request =
            new Request.Builder().url(url).put(FrozenRequestBody.of(frozen, JSON)).build();
        try (Response response = client.newCall(request).execute()) {
          assertThat(response.code()).isEqualTo(200);
        }
      }

      RecordedRequest first = server.takeRequest(10, SECONDS);
      RecordedRequest second = server.takeRequest(10, SECONDS);
      Wire.assertExactLength(first, inMemory);
      Wire.assertExactLength(second, inFile);
      assertThat(second.getHeaders().get("Content-Type")).isEqualTo(JSON.toString());
    } finally {
      spilled.close();
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
  }
}
