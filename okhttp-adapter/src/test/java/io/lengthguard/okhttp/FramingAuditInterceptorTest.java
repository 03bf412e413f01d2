package io.lengthguard.okhttp;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.FindingCode;
import io.lengthguard.FramingViolationException;
import io.lengthguard.GuardCounters;
import io.lengthguard.GuardCounters.Event;
import io.lengthguard.GuardListener;
import io.lengthguard.Origin;
import io.lengthguard.testing.Payloads;
import io.lengthguard.testing.RecordingListener;
import io.lengthguard.testing.Wire;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ProtocolException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FramingAuditInterceptorTest {
  private final List<MockWebServer> servers = new ArrayList<>();
  private final List<OkHttpClient> clients = new ArrayList<>();
  private final GuardCounters counters = GuardCounters.create();
  private final RecordingListener listener = new RecordingListener();
  private final GuardListener both = GuardListener.composite(counters, listener);
  private MockWebServer server;
  private Origin origin;

  @BeforeEach
  void startServer() throws IOException {
    server = newServer(Protocol.HTTP_1_1);
    origin = Origin.of("http", "127.0.0.1", server.getPort());
  }

  @AfterEach
  void stop() {
    for (OkHttpClient client : clients) {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
    for (MockWebServer s : servers) s.close();
  }

  @Test
  void createRejectsNullListener() {
    assertThatThrownBy(() -> FramingAuditInterceptor.create(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("listener == null");
    assertThatThrownBy(() -> FramingAuditInterceptor.strict(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("listener == null");
  }

  @Test
  void strictIsASetting() {
    assertThat(FramingAuditInterceptor.create(both).isStrict()).isFalse();
    assertThat(FramingAuditInterceptor.strict(both).isStrict()).isTrue();
  }

  @Test
  void failsWhenInstalledAsApplicationInterceptor() {
    OkHttpClient client =
        register(
            new OkHttpClient.Builder()
                .addInterceptor(FramingAuditInterceptor.strict(both))
                .build());
    Request request = post(server, RequestBody.create(Payloads.bytes(10), null));

    assertThatThrownBy(() -> client.newCall(request).execute())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("install it with addNetworkInterceptor");
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void correctRequestHasNoFindings() throws Exception {
    OkHttpClient client = client(FramingAuditInterceptor.strict(both), Protocol.HTTP_1_1);
    byte[] payload = Payloads.bytes(20_000);

    try (Response response =
        client.newCall(post(server, RequestBody.create(payload, null))).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }

    Wire.assertExactLength(take(server), payload);
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(counters.snapshot().count(Event.FRAMING_FINDING)).isZero();
    assertThat(listener.events()).isEmpty();
  }

  @Test
  void chunkedRequestOnHttp11IsClean() throws Exception {
    OkHttpClient client = client(FramingAuditInterceptor.strict(both), Protocol.HTTP_1_1);
    byte[] payload = Payloads.bytes(3000);

    try (Response response =
        client.newCall(post(server, UnknownLengthBody.replayable(payload))).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }

    RecordedRequest recorded = take(server);
    Wire.assertChunked(recorded);
    assertThat(recorded.getBody().toByteArray()).isEqualTo(payload);
    assertThat(counters.snapshot().count(Event.FRAMING_FINDING)).isZero();
  }

  @Test
  void unknownLengthOnH2PriorKnowledgeIsClean() throws Exception {
    MockWebServer h2 = newServer(Protocol.H2_PRIOR_KNOWLEDGE);
    OkHttpClient client = client(FramingAuditInterceptor.strict(both), Protocol.H2_PRIOR_KNOWLEDGE);
    byte[] payload = Payloads.bytes(3000);

    try (Response response =
        client.newCall(post(h2, UnknownLengthBody.replayable(payload))).execute()) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.protocol()).isEqualTo(Protocol.H2_PRIOR_KNOWLEDGE);
    }

    RecordedRequest recorded = take(h2);
    assertThat(recorded.getHeaders().get("Content-Length")).isNull();
    assertThat(recorded.getHeaders().get("Transfer-Encoding")).isNull();
    assertThat(recorded.getBody().toByteArray()).isEqualTo(payload);
    assertThat(counters.snapshot().count(Event.FRAMING_FINDING)).isZero();
  }

  @ParameterizedTest
  @CsvSource({
    "5000, 5003, 'Content-Length declares 5000 bytes but the body has 5003 (3 more)', 4999",
    "5000, 4990, 'Content-Length declares 5000 bytes but the body has 4990 (10 fewer)', 4990",
  })
  void strictAuditCatchesABodyThatLiesAboutItsLength(
      int declared, int written, String numbers, long arrived) throws Exception {
    OkHttpClient client = client(FramingAuditInterceptor.strict(both), Protocol.HTTP_1_1);
    Request request = post(server, LyingBody.of(declared, Payloads.bytes(written)));

    assertThatThrownBy(() -> client.newCall(request).execute())
        .isInstanceOf(FramingViolationException.class)
        .hasMessageStartingWith("bad framing in POST /upload: ERROR LENGTH_MISMATCH: " + numbers);

    assertThat(counters.snapshot().findings(FindingCode.LENGTH_MISMATCH)).isEqualTo(1);
    assertThat(counters.snapshot().count(origin, Event.FRAMING_FINDING)).isEqualTo(1);
    assertIncomplete(take(server), declared, arrived);
  }

  @ParameterizedTest
  @CsvSource({"5000, 5003, 4999", "5000, 4990, 4990"})
  void lenientAuditFailsALengthLieAsOkHttpDoesWithTheNumbers(
      int declared, int written, long arrived) throws Exception {
    OkHttpClient client = client(FramingAuditInterceptor.create(both), Protocol.HTTP_1_1);
    Request request = post(server, LyingBody.of(declared, Payloads.bytes(written)));

    assertThatThrownBy(() -> client.newCall(request).execute())
        .isExactlyInstanceOf(ProtocolException.class)
        .hasMessageStartingWith(
            "expected "
                + declared
                + " bytes but received "
                + written
                + ": the body declared Content-Length: "
                + declared
                + " and wrote "
                + written
                + " bytes");

    assertThat(listener.events()).containsExactly("framingFinding " + origin + " LENGTH_MISMATCH");
    assertIncomplete(take(server), declared, arrived);
  }

  /**
   * A body that writes past its length without end fails at its first write past it, as with OkHttp
   * alone, where the audit drained it for good: its bytes reached no wire, so neither the write
   * timeout nor the call timeout stopped it.
   */
  @Test
  @Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void lenientAuditFailsABodyThatWritesWithoutEndAtItsFirstWritePastItsLength() throws Exception {
    OkHttpClient client =
        register(
            new OkHttpClient.Builder()
                .addNetworkInterceptor(FramingAuditInterceptor.create(both))
                .callTimeout(Duration.ofSeconds(10))
                .build());
    long start = System.nanoTime();

    assertThatThrownBy(() -> client.newCall(post(server, LyingBody.endless(10, 5))).execute())
        .isExactlyInstanceOf(ProtocolException.class)
        .hasMessageStartingWith(
            "expected 10 bytes but received 8197: the body declared Content-Length: 10 and"
                + " wrote 8197 bytes");

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(listener.events()).containsExactly("framingFinding " + origin + " LENGTH_MISMATCH");
    assertIncomplete(take(server), 10, 5);
  }

  @Test
  @Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void strictAuditFailsABodyThatWritesWithoutEndAtItsFirstWritePastItsLength() throws Exception {
    OkHttpClient client = client(FramingAuditInterceptor.strict(both), Protocol.HTTP_1_1);

    assertThatThrownBy(() -> client.newCall(post(server, LyingBody.endless(10, 9))).execute())
        .isInstanceOf(FramingViolationException.class)
        .hasMessageStartingWith(
            "bad framing in POST /upload: ERROR LENGTH_MISMATCH: Content-Length declares 10"
                + " bytes but the body has 8201 (8191 more)");

    assertThat(counters.snapshot().findings(FindingCode.LENGTH_MISMATCH)).isEqualTo(1);
    assertIncomplete(take(server), 10, 9);
  }

  /** The hazard the audit closes: OkHttp alone lets the server read a complete, wrong request. */
  @Test
  void bareOkHttpLetsTheServerReadTheDeclaredBytesOfABodyThatWritesMore() throws Exception {
    OkHttpClient client = register(new OkHttpClient());
    byte[] payload = Payloads.bytes(5003);
    Request request = post(server, LyingBody.of(5000, payload));

    assertThatThrownBy(() -> client.newCall(request).execute())
        .isExactlyInstanceOf(ProtocolException.class)
        .hasMessage("expected 5000 bytes but received 5003");

    RecordedRequest recorded = take(server);
    assertThat(recorded.getFailure()).isNull();
    assertThat(recorded.getHeaders().get("Content-Length")).isEqualTo("5000");
    assertThat(recorded.getBodySize()).isEqualTo(5000);
  }

  @Test
  void strictAuditRefusesBadHeadersBeforeSending() throws Exception {
    OkHttpClient client = client(FramingAuditInterceptor.strict(both), Protocol.HTTP_1_1);
    // No body, so BridgeInterceptor leaves the caller's length alone: the server would wait for
    // 5 bytes that never come.
    Request request =
        new Request.Builder()
            .url(url(server))
            .method("DELETE", null)
            .header("Content-Length", "5")
            .build();

    assertThatThrownBy(() -> client.newCall(request).execute())
        .isInstanceOf(FramingViolationException.class)
        .hasMessageContaining(
            "ERROR LENGTH_MISMATCH: Content-Length declares 5 bytes but the body"
                + " has 0 (5 fewer)");

    assertThat(server.getRequestCount()).isZero();
    assertThat(counters.snapshot().findings(FindingCode.LENGTH_MISMATCH)).isEqualTo(1);
    assertThat(counters.snapshot().findings(FindingCode.CONTENT_WITHOUT_SEMANTICS)).isEqualTo(1);
  }

  @Test
  void lenientAuditReportsBadHeadersAndSends() throws Exception {
    OkHttpClient client = client(FramingAuditInterceptor.create(both), Protocol.HTTP_1_1);
    Request request =
        new Request.Builder()
            .url(url(server))
            .method("DELETE", null)
            .addHeader("Content-Length", "0")
            .addHeader("Content-Length", "0")
            .build();

    try (Response response = client.newCall(request).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }

    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(listener.events())
        .containsExactly("framingFinding " + origin + " REPEATED_CONTENT_LENGTH");
  }

  @Test
  void lengthOnH2IsAudited() throws Exception {
    MockWebServer h2 = newServer(Protocol.H2_PRIOR_KNOWLEDGE);
    OkHttpClient client = client(FramingAuditInterceptor.strict(both), Protocol.H2_PRIOR_KNOWLEDGE);
    Request request = post(h2, LyingBody.of(3000, Payloads.bytes(2000)));

    assertThatThrownBy(() -> client.newCall(request).execute())
        .isInstanceOf(FramingViolationException.class)
        .hasMessageContaining("Content-Length declares 3000 bytes but the body has 2000");

    assertThat(counters.snapshot().findings(FindingCode.LENGTH_MISMATCH)).isEqualTo(1);
  }

  /** Asserts that {@code recorded} broke off after {@code arrived} of {@code declared} bytes. */
  private static void assertIncomplete(RecordedRequest recorded, int declared, long arrived) {
    assertThat(recorded.getHeaders().get("Content-Length")).isEqualTo(String.valueOf(declared));
    assertThat(recorded.getFailure()).as("server's read of the body").isNotNull();
    assertThat(recorded.getBodySize()).isEqualTo(arrived);
  }

  private OkHttpClient client(Interceptor audit, Protocol protocol) {
    List<Protocol> protocols = List.of(protocol);
    return register(
        new OkHttpClient.Builder().protocols(protocols).addNetworkInterceptor(audit).build());
  }

  private OkHttpClient register(OkHttpClient client) {
    clients.add(client);
    return client;
  }

  private MockWebServer newServer(Protocol protocol) throws IOException {
    MockWebServer result = new MockWebServer();
    servers.add(result);
    result.setProtocols(
        protocol == Protocol.HTTP_1_1 ? List.of(Protocol.HTTP_1_1) : List.of(protocol));
    result.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            return new MockResponse.Builder().code(200).body("ok").build();
          }
        });
    result.start(InetAddress.getByName("127.0.0.1"), 0);
    return result;
  }

  private static HttpUrl url(MockWebServer server) {
    return new HttpUrl.Builder()
        .scheme("http")
        .host("127.0.0.1")
        .port(server.getPort())
        .addPathSegment("upload")
        .build();
  }

  private static Request post(MockWebServer server, RequestBody body) {
    return new Request.Builder().url(url(server)).post(body).build();
  }

  private static RecordedRequest take(MockWebServer server) throws InterruptedException {
    RecordedRequest request = server.takeRequest(10, SECONDS);
    assertThat(request).as("a request within 10 s").isNotNull();
    return request;
  }
}
