package io.lengthguard.jdk;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.lengthguard.GuardMode;
import io.lengthguard.GuardPolicy;
import io.lengthguard.Origin;
import io.lengthguard.testing.Payloads;
import io.lengthguard.testing.RecordingListener;
import io.lengthguard.testing.StrictOrigin;
import io.lengthguard.testing.Wire;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Protocol;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 over TLS, negotiated by ALPN. The JDK's client speaks h2 over TLS only: it has no prior
 * knowledge mode for cleartext h2c (it tries an HTTP/1.1 Upgrade instead), so there is no h2c test.
 * On h2 a body of unknown length goes with no length at all, and one of known length with {@code
 * content-length}.
 */
class Http2Test {
  private static final HeldCertificate CERTIFICATE =
      new HeldCertificate.Builder().addSubjectAlternativeName("127.0.0.1").build();

  private final RecordingListener listener = new RecordingListener();
  private final TestPublishers.Counts counts = new TestPublishers.Counts();
  private MockWebServer server;
  private Origin origin;

  @BeforeEach
  void startServer() throws IOException {
    server = new MockWebServer();
    server.useHttps(
        new HandshakeCertificates.Builder()
            .heldCertificate(CERTIFICATE)
            .build()
            .sslSocketFactory());
    server.setProtocols(List.of(Protocol.HTTP_2, Protocol.HTTP_1_1));
    server.setDispatcher(new StrictOrigin());
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    origin = Origin.of("https", "127.0.0.1", server.getPort());
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  @Test
  void aBodyOfKnownLengthGoesWithContentLength() throws Exception {
    HttpClient client = guarded(GuardMode.PREBUFFER);
    byte[] payload = Payloads.bytes(5000);

    HttpResponse<String> response =
        client.send(post(HttpRequest.BodyPublishers.ofByteArray(payload)), ofString());

    assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(response.statusCode()).isEqualTo(200);
    assertH2ExactLength(take(), payload);
    assertThat(listener.events()).isEmpty();
  }

  @Test
  void retryOn411ResendsWithContentLengthOverH2() throws Exception {
    HttpClient client = guarded(GuardMode.RETRY_ON_411);
    byte[] payload = Payloads.bytes(256 * 1024 + 1);

    HttpResponse<String> response =
        client
            .sendAsync(post(TestPublishers.ofInputStream(payload, counts)), ofString())
            .get(30, SECONDS);

    assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(response.statusCode()).isEqualTo(200);
    RecordedRequest first = take();
    assertThat(first.getVersion()).isEqualTo("HTTP/2");
    assertThat(first.getHeaders().get("content-length")).isNull();
    assertThat(first.getHeaders().get("transfer-encoding")).isNull();
    assertH2ExactLength(take(), payload);
    assertThat(counts.subscriptions).hasValue(1);
    assertThat(listener.events())
        .containsExactly(
            "lengthRequired " + origin + " lengthSent=false",
            "bodyFrozen " + origin + " " + payload.length + " LENGTH_REQUIRED",
            "resent " + origin + " " + payload.length,
            "recovered " + origin + " 200");
  }

  @Test
  void prebufferSendsContentLengthOverH2() throws Exception {
    HttpClient client = guarded(GuardMode.PREBUFFER);
    byte[] payload = Payloads.bytes(70_000);

    HttpResponse<String> response =
        client.send(post(TestPublishers.chunks(payload, 1000, counts)), ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertH2ExactLength(take(), payload);
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  private static void assertH2ExactLength(RecordedRequest request, byte[] payload) {
    assertThat(request.getVersion()).isEqualTo("HTTP/2");
    Wire.assertExactLength(request, payload);
  }

  private HttpClient guarded(GuardMode mode) {
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_2)
            .sslContext(
                new HandshakeCertificates.Builder()
                    .addTrustedCertificate(CERTIFICATE.certificate())
                    .build()
                    .sslContext())
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    return LengthGuardHttpClient.wrap(
        client, GuardPolicy.builder().mode(mode).prebufferBytes(0).listener(listener).build());
  }

  private HttpRequest post(HttpRequest.BodyPublisher body) {
    return HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.getPort() + "/upload"))
        .POST(body)
        .timeout(Duration.ofSeconds(30))
        .build();
  }

  private static HttpResponse.BodyHandler<String> ofString() {
    return HttpResponse.BodyHandlers.ofString();
  }

  private RecordedRequest take() throws InterruptedException {
    RecordedRequest request = server.takeRequest(30, SECONDS);
    assertThat(request).as("a request within 30 s").isNotNull();
    return request;
  }
}
