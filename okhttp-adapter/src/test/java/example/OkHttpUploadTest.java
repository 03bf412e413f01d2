package example;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.lengthguard.testing.Payloads;
import io.lengthguard.testing.StrictOrigin;
import io.lengthguard.testing.Wire;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The README's OkHttp quickstart, run against a strict origin on loopback. */
class OkHttpUploadTest {
  private final MockWebServer server = new MockWebServer();

  @BeforeEach
  void start() throws Exception {
    server.setDispatcher(new StrictOrigin());
    server.start(InetAddress.getByName("127.0.0.1"), 0);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void smallStreamGoesOnceWithItsExactLength() throws Exception {
    byte[] payload = Payloads.bytes(5000);

    String result = OkHttpUpload.upload(url(), new ByteArrayInputStream(payload));

    assertThat(result).isEqualTo("200 5000");
    Wire.assertExactLength(take(), payload);
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void largeStreamIsResentOnceWithItsExactLengthAfterThe411() throws Exception {
    byte[] payload = Payloads.bytes(2 * 1024 * 1024);

    String result = OkHttpUpload.upload(url(), new ByteArrayInputStream(payload));

    assertThat(result).isEqualTo("200 " + payload.length);
    Wire.assertChunked(take());
    Wire.assertExactLength(take(), payload);
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void readmeShowsThisExampleAsItIs() throws Exception {
    String source = Files.readString(Path.of("src/test/java/example/OkHttpUpload.java"), UTF_8);
    String readme = Files.readString(Path.of("../README.md"), UTF_8);

    assertThat(readme).contains("```java\n" + source + "```\n");
  }

  private String url() {
    return "http://127.0.0.1:" + server.getPort() + "/upload";
  }

  private RecordedRequest take() throws InterruptedException {
    RecordedRequest request = server.takeRequest(10, SECONDS);
    assertThat(request).as("a request within 10 s").isNotNull();
    return request;
  }
}
