package io.lengthguard.httpclient5;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.FindingCode;
import io.lengthguard.FramingViolationException;
import io.lengthguard.GuardCounters;
import io.lengthguard.GuardCounters.Event;
import io.lengthguard.GuardListener;
import io.lengthguard.GuardMode;
import io.lengthguard.GuardPolicy;
import io.lengthguard.Origin;
import io.lengthguard.testing.Payloads;
import io.lengthguard.testing.StrictOrigin;
import io.lengthguard.testing.Wire;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ProtocolException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Protocol;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleResponseConsumer;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClientBuilder;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpRequestInterceptor;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.nio.support.BasicRequestProducer;
import org.apache.hc.core5.http.support.BasicRequestBuilder;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.io.CloseMode;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class HttpClientFramingAuditTest {
  /** The two clients the audit installs in. */
  enum Kind {
    CLASSIC,
    ASYNC
  }

  /** Sends one request and returns its status. */
  @FunctionalInterface
  interface Sender {
    int send(String method, @Nullable LyingBody body) throws IOException;
  }

  private final List<Closeable> clients = new ArrayList<>();
  private final GuardCounters counters = GuardCounters.create();
  private final RecordingListener listener = new RecordingListener();
  private final GuardListener both = GuardListener.composite(counters, listener);
  private MockWebServer server;
  private Origin origin;

  @BeforeEach
  void startServer() throws IOException {
    server = Servers.strictOrigin();
    server.setDispatcher(new Accepting());
    origin = Origin.of("http", "127.0.0.1", server.getPort());
  }

  @AfterEach
  void stop() throws IOException {
    for (Closeable client : clients) client.close();
    server.close();
  }

  @Test
  void factoriesRejectNullAndStrictIsASetting() {
    assertThatThrownBy(() -> HttpClientFramingAudit.create(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("listener == null");
    assertThatThrownBy(() -> HttpClientFramingAudit.strict(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("listener == null");
    assertThatThrownBy(() -> HttpClientFramingAudit.create(both).install((HttpClientBuilder) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("builder == null");
    assertThat(HttpClientFramingAudit.create(both).isStrict()).isFalse();
    assertThat(HttpClientFramingAudit.strict(both).isStrict()).isTrue();
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void correctRequestHasNoFindings(Kind kind) throws Exception {
    Sender client = client(kind, HttpClientFramingAudit.strict(both));
    byte[] payload = Payloads.bytes(20_000);

    assertThat(client.send("POST", LyingBody.honest(payload))).isEqualTo(200);

    Wire.assertExactLength(take(server), payload);
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(counters.snapshot().count(Event.FRAMING_FINDING)).isZero();
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void chunkedRequestOnHttp11IsClean(Kind kind) throws Exception {
    Sender client = client(kind, HttpClientFramingAudit.strict(both));
    byte[] payload = Payloads.bytes(3000);

    assertThat(client.send("POST", LyingBody.unknownLength(payload))).isEqualTo(200);

    RecordedRequest recorded = take(server);
    Wire.assertChunked(recorded);
    assertThat(recorded.getBody().toByteArray()).isEqualTo(payload);
    assertThat(counters.snapshot().count(Event.FRAMING_FINDING)).isZero();
  }

  @ParameterizedTest
  @CsvSource({
    "CLASSIC, 5000, 5003, 'Content-Length declares 5000 bytes but the body has 5003 (3 more)'",
    "CLASSIC, 5000, 4990, 'Content-Length declares 5000 bytes but the body has 4990 (10 fewer)'",
    "ASYNC,   5000, 5003, 'Content-Length declares 5000 bytes but the body has 5003 (3 more)'",
    "ASYNC,   5000, 4990, 'Content-Length declares 5000 bytes but the body has 4990 (10 fewer)'",
  })
  void strictAuditCatchesABodyThatLiesAboutItsLength(
      Kind kind, int declared, int written, String numbers) throws Exception {
    Sender client = client(kind, HttpClientFramingAudit.strict(both));
    LyingBody body = LyingBody.of(declared, Payloads.bytes(written));

    assertThatThrownBy(() -> client.send("POST", body))
        .isInstanceOf(FramingViolationException.class)
        .hasMessageStartingWith("bad framing in POST /upload: ERROR LENGTH_MISMATCH: " + numbers);

    assertThat(counters.snapshot().findings(FindingCode.LENGTH_MISMATCH)).isEqualTo(1);
    assertThat(counters.snapshot().count(origin, Event.FRAMING_FINDING)).isEqualTo(1);
    assertIncomplete(take(server), declared, Math.min(declared - 1, written));
  }

  @ParameterizedTest
  @CsvSource({
    "CLASSIC, 5000, 5003",
    "CLASSIC, 5000, 4990",
    "ASYNC, 5000, 5003",
    "ASYNC, 5000, 4990"
  })
  void lenientAuditFailsALengthLieWithTheNumbers(Kind kind, int declared, int written)
      throws Exception {
    Sender client = client(kind, HttpClientFramingAudit.create(both));
    LyingBody body = LyingBody.of(declared, Payloads.bytes(written));

    assertThatThrownBy(() -> client.send("POST", body))
        .isExactlyInstanceOf(ProtocolException.class)
        .hasMessageStartingWith(
            "expected "
                + declared
                + " bytes but received "
                + written
                + ": the "
                + (kind == Kind.CLASSIC ? "entity" : "entity producer")
                + " declared Content-Length: "
                + declared
                + " and wrote "
                + written
                + " bytes");

    assertThat(listener.events()).containsExactly("framingFinding " + origin + " LENGTH_MISMATCH");
    assertIncomplete(take(server), declared, Math.min(declared - 1, written));
  }

  /** The hazard the audit closes: HttpClient alone sends a complete request of the wrong bytes. */
  @Test
  void bareHttpClientDropsTheBytesPastTheDeclaredLengthAndSucceeds() throws Exception {
    CloseableHttpClient bare = register(classicBuilder().build());
    byte[] payload = Payloads.bytes(5003);
    HttpUriRequestBase post = new HttpUriRequestBase("POST", uri());
    post.setEntity(LyingBody.of(5000, payload).entity());

    int status = bare.execute(post, response -> response.getCode());

    assertThat(status).isEqualTo(200);
    RecordedRequest recorded = take(server);
    assertThat(recorded.getFailure()).isNull();
    assertThat(recorded.getHeaders().get("Content-Length")).isEqualTo("5000");
    assertThat(recorded.getBody().toByteArray()).isEqualTo(java.util.Arrays.copyOf(payload, 5000));
  }

  @ParameterizedTest
  @CsvSource({"CLASSIC, 10", "ASYNC, 10", "CLASSIC, -1", "ASYNC, -1"})
  void strictAuditRefusesFieldsAnInterceptorBrokeBeforeSending(Kind kind, int size)
      throws Exception {
    // Another interceptor added last, after RequestContent set Content-Length (0 without a body).
    HttpRequestInterceptor late =
        (request, entity, context) -> request.addHeader("Transfer-Encoding", "chunked");
    Sender client = client(kind, HttpClientFramingAudit.strict(both), late);
    LyingBody body = size < 0 ? null : LyingBody.honest(Payloads.bytes(size));

    assertThatThrownBy(() -> client.send("POST", body))
        .isInstanceOf(FramingViolationException.class)
        .hasMessageStartingWith(
            "bad framing in POST /upload: ERROR CONTENT_LENGTH_WITH_TRANSFER_ENCODING:"
                + " Content-Length (\""
                + Math.max(size, 0)
                + "\") sent with Transfer-Encoding (\"chunked\")");

    assertThat(server.getRequestCount()).isZero();
    assertThat(listener.events())
        .containsExactly("framingFinding " + origin + " CONTENT_LENGTH_WITH_TRANSFER_ENCODING");
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void lenientAuditReportsAWarningOnceAndSends(Kind kind) throws Exception {
    Sender client = client(kind, HttpClientFramingAudit.create(both));
    byte[] payload = Payloads.bytes(10);

    assertThat(client.send("DELETE", LyingBody.honest(payload))).isEqualTo(200);

    Wire.assertExactLength(take(server), payload);
    assertThat(listener.events())
        .containsExactly("framingFinding " + origin + " CONTENT_WITHOUT_SEMANTICS");
  }

  @Test
  void unknownLengthOverH2IsClean() throws Exception {
    server.close();
    server = new MockWebServer();
    server.setProtocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE));
    server.setDispatcher(new Accepting());
    server.start(java.net.InetAddress.getByName("127.0.0.1"), 0);
    HttpAsyncClientBuilder builder =
        HttpAsyncClients.custom()
            .setConnectionManager(
                PoolingAsyncClientConnectionManagerBuilder.create()
                    .setDefaultConnectionConfig(GuardedClient.TIMEOUTS)
                    .setDefaultTlsConfig(
                        TlsConfig.custom().setVersionPolicy(HttpVersionPolicy.FORCE_HTTP_2).build())
                    .build());
    Sender client = async(HttpClientFramingAudit.strict(both).install(builder));
    byte[] payload = Payloads.bytes(3000);

    assertThat(client.send("POST", LyingBody.unknownLength(payload))).isEqualTo(200);

    RecordedRequest recorded = take(server);
    assertThat(recorded.getHeaders().get("Content-Length")).isNull();
    assertThat(recorded.getHeaders().get("Transfer-Encoding")).isNull();
    assertThat(recorded.getBody().toByteArray()).isEqualTo(payload);
    assertThat(counters.snapshot().count(Event.FRAMING_FINDING)).isZero();
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void auditSeesTheGuardsResendWithItsExactLength(Kind kind) throws Exception {
    server.setDispatcher(new StrictOrigin());
    GuardPolicy policy =
        GuardPolicy.builder().mode(GuardMode.RETRY_ON_411).prebufferBytes(0).build();
    HttpClientFramingAudit audit = HttpClientFramingAudit.strict(both);
    Sender client =
        kind == Kind.CLASSIC
            ? classic(audit.install(LengthGuardExecHandler.install(classicBuilder(), policy)))
            : async(audit.install(LengthGuardAsyncExecHandler.install(asyncBuilder(), policy)));
    byte[] payload = Payloads.bytes(4000);

    assertThat(client.send("POST", LyingBody.unknownLength(payload))).isEqualTo(200);

    assertThat(server.getRequestCount()).isEqualTo(2);
    Wire.assertChunked(take(server));
    Wire.assertExactLength(take(server), payload);
    assertThat(counters.snapshot().count(Event.FRAMING_FINDING)).isZero();
  }

  /** Asserts that {@code recorded} broke off after {@code arrived} of {@code declared} bytes. */
  private static void assertIncomplete(RecordedRequest recorded, int declared, long arrived) {
    assertThat(recorded.getHeaders().get("Content-Length")).isEqualTo(String.valueOf(declared));
    assertThat(recorded.getFailure()).as("server's read of the body").isNotNull();
    assertThat(recorded.getBodySize()).isEqualTo(arrived);
  }

  private Sender client(Kind kind, HttpClientFramingAudit audit) {
    return client(kind, audit, null);
  }

  private Sender client(
      Kind kind, HttpClientFramingAudit audit, @Nullable HttpRequestInterceptor late) {
    if (kind == Kind.CLASSIC) {
      HttpClientBuilder builder = classicBuilder();
      if (late != null) builder.addRequestInterceptorLast(late);
      return classic(audit.install(builder));
    }
    HttpAsyncClientBuilder builder = asyncBuilder();
    if (late != null) builder.addRequestInterceptorLast(late);
    return async(audit.install(builder));
  }

  private static HttpClientBuilder classicBuilder() {
    return HttpClients.custom().setConnectionManager(GuardedClient.classicPool(false));
  }

  private static HttpAsyncClientBuilder asyncBuilder() {
    return HttpAsyncClients.custom()
        .setConnectionManager(
            PoolingAsyncClientConnectionManagerBuilder.create()
                .setDefaultConnectionConfig(GuardedClient.TIMEOUTS)
                .build());
  }

  private Sender classic(HttpClientBuilder builder) {
    CloseableHttpClient client = register(builder.build());
    return (method, body) -> {
      HttpUriRequestBase request = new HttpUriRequestBase(method, uri());
      if (body != null) request.setEntity(body.entity());
      return client.execute(
          request,
          response -> {
            EntityUtils.consume(response.getEntity());
            return response.getCode();
          });
    };
  }

  private Sender async(HttpAsyncClientBuilder builder) {
    CloseableHttpAsyncClient client = builder.build();
    clients.add(() -> client.close(CloseMode.GRACEFUL));
    client.start();
    return (method, body) -> {
      HttpRequest request = BasicRequestBuilder.create(method).setUri(uri()).build();
      try {
        SimpleHttpResponse response =
            client
                .execute(
                    new BasicRequestProducer(request, body == null ? null : body.producer()),
                    SimpleResponseConsumer.create(),
                    null)
                .get(30, SECONDS);
        return response.getCode();
      } catch (ExecutionException e) {
        if (e.getCause() instanceof IOException) throw (IOException) e.getCause();
        throw new IOException(e.getCause());
      } catch (InterruptedException | TimeoutException e) {
        InterruptedIOException timeout = new InterruptedIOException(String.valueOf(e));
        timeout.initCause(e);
        throw timeout;
      }
    };
  }

  private <T extends Closeable> T register(T client) {
    clients.add(client);
    return client;
  }

  private URI uri() {
    return URI.create("http://127.0.0.1:" + server.getPort() + "/upload");
  }

  private static RecordedRequest take(MockWebServer server) throws InterruptedException {
    RecordedRequest request = server.takeRequest(10, SECONDS);
    assertThat(request).as("a request within 10 s").isNotNull();
    return request;
  }

  /** Answers every request 200, chunked or not. */
  private static final class Accepting extends Dispatcher {
    @Override
    public MockResponse dispatch(RecordedRequest request) {
      return new MockResponse.Builder().code(200).body("ok").build();
    }
  }
}
