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

/** The README's HttpClient 5 quickstart, run against a strict origin on loopback. */
class HttpClient5UploadTest {
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
  void smallStreamArrivesWithItsExactLength() throws Exception {
    byte[] payload = Payloads.bytes(5000);

    String result = HttpClient5Upload.upload(url(), new ByteArrayInputStream(payload));

    assertThat(result).isEqualTo("200 5000");
    assertLastRequestExactAfterAtMostOneChunked(payload);
  }

  @Test
  void largeStreamArrivesWithItsExactLength() throws Exception {
    byte[] payload = Payloads.bytes(2 * 1024 * 1024);

    String result = HttpClient5Upload.upload(url(), new ByteArrayInputStream(payload));

    assertThat(result).isEqualTo("200 " + payload.length);
    assertLastRequestExactAfterAtMostOneChunked(payload);
  }

  /**
   * A small body may go with its length at once (read ahead) or after one 411 to its chunked first
   * send; either way the server got at most two requests, and the one it took is byte-exact.
   */
  private void assertLastRequestExactAfterAtMostOneChunked(byte[] payload) throws Exception {
    int requests = server.getRequestCount();
    assertThat(requests).isBetween(1, 2);
    if (requests == 2) Wire.assertChunked(take());
    Wire.assertExactLength(take(), payload);
  }

  @Test
  void readmeShowsThisExampleAsItIs() throws Exception {
    String source =
        Files.readString(Path.of("src/test/java/example/HttpClient5Upload.java"), UTF_8);
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
