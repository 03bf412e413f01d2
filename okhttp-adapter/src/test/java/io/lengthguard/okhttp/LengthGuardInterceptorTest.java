package io.lengthguard.okhttp;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.BodyTooLargeException;
import io.lengthguard.Buffering;
import io.lengthguard.FindingCode;
import io.lengthguard.FramingViolationException;
import io.lengthguard.FrozenBody;
import io.lengthguard.GuardMode;
import io.lengthguard.GuardPolicy;
import io.lengthguard.LengthGuard;
import io.lengthguard.Origin;
import io.lengthguard.testing.Payloads;
import io.lengthguard.testing.RawOrigin;
import io.lengthguard.testing.RecordingListener;
import io.lengthguard.testing.StrictOrigin;
import io.lengthguard.testing.Wire;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.QueueDispatcher;
import mockwebserver3.RecordedRequest;
import okhttp3.Call;
import okhttp3.ConnectionPool;
import okhttp3.EventListener;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class LengthGuardInterceptorTest {
  private static final MediaType OCTET_STREAM = UnknownLengthBody.OCTET_STREAM;
  private static final int MIB = 1024 * 1024;

  private final List<MockWebServer> servers = new ArrayList<>();
  private final List<OkHttpClient> clients = new ArrayList<>();
  private final RecordingListener listener = new RecordingListener();
  private final StrictOrigin strict = new StrictOrigin();
  private MockWebServer server;
  private Origin origin;

  @BeforeEach
  void startServer() throws IOException {
    server = newServer(List.of(Protocol.HTTP_1_1));
    origin = Origin.of("http", "127.0.0.1", server.getPort());
  }

  /**
   * After each scenario every response was closed: each pooled connection is idle, ready for the
   * next call, and none is held by a response left open.
   */
  @AfterEach
  void connectionsAreReusable() {
    try {
      for (OkHttpClient client : clients) {
        ConnectionPool pool = client.connectionPool();
        assertThat(pool.idleConnectionCount())
            .as("idle connections of %s", pool.connectionCount())
            .isEqualTo(pool.connectionCount());
      }
    } finally {
      for (OkHttpClient client : clients) {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
      }
      for (MockWebServer s : servers) s.close();
    }
  }

  @Test
  void createRejectsNullPolicy() {
    assertThatThrownBy(() -> LengthGuardInterceptor.create((GuardPolicy) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("policy == null");
  }

  @Test
  void clientsSharingAGuardShareWhatItLearned() throws Exception {
    server.setDispatcher(strict);
    LengthGuard guard = LengthGuard.create(policy(GuardMode.ADAPTIVE));
    OkHttpClient first =
        register(
            new OkHttpClient.Builder()
                .addInterceptor(LengthGuardInterceptor.create(guard))
                .build());
    OkHttpClient second =
        register(
            new OkHttpClient.Builder()
                .addInterceptor(LengthGuardInterceptor.create(guard))
                .build());
    byte[] payload = Payloads.bytes(2000);

    try (Response response =
        first.newCall(post(server, UnknownLengthBody.oneShot(payload))).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }
    try (Response response =
        second.newCall(post(server, UnknownLengthBody.oneShot(payload))).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }

    Wire.assertChunked(take(server));
    Wire.assertExactLength(take(server), payload);
    // The second client never sent the body chunked: the guard had learned the origin.
    Wire.assertExactLength(take(server), payload);
    assertThat(server.getRequestCount()).isEqualTo(3);
    assertThat(LengthGuardInterceptor.create(guard).policy()).isSameAs(guard.policy());
  }

  @Test
  void createUsesDefaultPolicy() {
    assertThat(LengthGuardInterceptor.create().policy()).isSameAs(GuardPolicy.defaults());
  }

  @Test
  void knownLengthBodyGoesOnUntouched() throws Exception {
    server.setDispatcher(strict);
    AtomicReference<@Nullable Request> seen = new AtomicReference<>();
    OkHttpClient client = client(policy(GuardMode.PREBUFFER), recordRequest(seen, false));
    byte[] payload = Payloads.bytes(5000);
    Request request = post(server, RequestBody.create(payload, OCTET_STREAM));

    try (Response response = client.newCall(request).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }

    assertThat(seen.get()).isSameAs(request);
    Wire.assertExactLength(take(server), payload);
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(listener.events()).isEmpty();
  }

  @Test
  void bodylessRequestGoesOnUntouched() throws Exception {
    server.setDispatcher(strict);
    AtomicReference<@Nullable Request> seen = new AtomicReference<>();
    OkHttpClient client = client(policy(GuardMode.PREBUFFER), recordRequest(seen, false));
    Request request = new Request.Builder().url(url(server)).build();

    try (Response response = client.newCall(request).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }

    assertThat(seen.get()).isSameAs(request);
    assertThat(take(server).getHeaders().get("Content-Length")).isNull();
    assertThat(listener.events()).isEmpty();
  }

  @Test
  void duplexBodyGoesOnUntouched() throws Exception {
    AtomicReference<@Nullable Request> seen = new AtomicReference<>();
    OkHttpClient client = client(policy(GuardMode.PREBUFFER), recordRequest(seen, true));
    DuplexBody body = new DuplexBody();
    Request request = post(server, body);

    try (Response response = client.newCall(request).execute()) {
      assertThat(response.code()).isEqualTo(204);
    }

    assertThat(seen.get()).isSameAs(request);
    assertThat(body.writes.get()).isZero();
    assertThat(listener.events()).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "Content-Length: 5; Transfer-Encoding: chunked | 5 | CONTENT_LENGTH_WITH_TRANSFER_ENCODING",
        "Content-Length: 5; Content-Length: 6          | 5 | DUPLICATE_CONTENT_LENGTH",
        "Content-Length: 5,6                           | 5 | CONTENT_LENGTH_LIST",
        "Content-Length: 5,                            | 5 | CONTENT_LENGTH_LIST",
        "Content-Length: five                          | 5 | INVALID_CONTENT_LENGTH",
        "Content-Length: +5                            | 5 | INVALID_CONTENT_LENGTH",
        "Content-Length: 0x5                           | 5 | INVALID_CONTENT_LENGTH",
        "Content-Length: 4                             | 5 | LENGTH_MISMATCH",
        "Content-Length: 5                             | - | LENGTH_MISMATCH",
        "Transfer-Encoding: gzip                       | 5 | TRANSFER_ENCODING_NOT_CHUNKED_LAST",
      })
  void refusesMalformedCallerFramingBeforeSending(String fields, String body, FindingCode code) {
    OkHttpClient client = client(policy(GuardMode.ADAPTIVE));
    Request.Builder builder = new Request.Builder().url(url(server));
    if (body.equals("-")) {
      // OkHttp leaves a body-less request's length alone: the server would wait for 5 bytes.
      builder.method("DELETE", null);
    } else {
      builder.post(RequestBody.create(Payloads.bytes(Integer.parseInt(body)), OCTET_STREAM));
    }
    for (String field : fields.split(";")) {
      int colon = field.indexOf(':');
      builder.addHeader(field.substring(0, colon).trim(), field.substring(colon + 1).trim());
    }
    Request request = builder.build();

    assertThatThrownBy(() -> client.newCall(request).execute())
        .isInstanceOf(FramingViolationException.class)
        .hasMessageStartingWith("bad framing in " + request.method() + " /upload: ")
        .hasMessageContaining("ERROR " + code + ": ");

    assertThat(server.getRequestCount()).isZero();
    assertThat(listener.events()).contains("framingFinding " + origin + " " + code);
  }

  @Test
  void callerLengthEqualToTheBodyGoesOn() throws Exception {
    server.setDispatcher(strict);
    OkHttpClient client = client(policy(GuardMode.ADAPTIVE));
    byte[] payload = Payloads.bytes(5000);
    Request request =
        post(server, RequestBody.create(payload, OCTET_STREAM))
            .newBuilder()
            .header("Content-Length", "5000")
            .build();

    try (Response response = client.newCall(request).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }

    Wire.assertExactLength(take(server), payload);
    assertThat(listener.events()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"5000; Content-Length: 5000", "5000, 5000"})
  void callerLengthRepeatedWithTheBodysValueGoesOn(String lengths) throws Exception {
    server.setDispatcher(strict);
    OkHttpClient client = client(policy(GuardMode.ADAPTIVE));
    byte[] payload = Payloads.bytes(5000);
    Request.Builder builder = post(server, RequestBody.create(payload, OCTET_STREAM)).newBuilder();
    for (String value : lengths.split("; Content-Length: ")) {
      builder.addHeader("Content-Length", value);
    }

    try (Response response = client.newCall(builder.build()).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }

    Wire.assertExactLength(take(server), payload);
    assertThat(listener.events())
        .containsExactly("framingFinding " + origin + " REPEATED_CONTENT_LENGTH");
  }

  @Test
  void callerLengthOnABodyOfUnknownLengthIsLeftToTheFreeze() throws Exception {
    server.setDispatcher(strict);
    OkHttpClient client = client(policy(GuardMode.ADAPTIVE));
    byte[] payload = Payloads.bytes(2000);
    Request request =
        post(server, UnknownLengthBody.replayable(payload))
            .newBuilder()
            .header("Content-Length", "3")
            .build();

    try (Response response = client.newCall(request).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }

    // OkHttp drops a length it cannot vouch for: chunked, then the exact length after the 411.
    Wire.assertChunked(take(server));
    Wire.assertExactLength(take(server), payload);
    assertThat(listener.events()).noneMatch(event -> event.startsWith("framingFinding"));
  }

  @Test
  void prebufferSendsExactLengthOnFirstAttempt() throws Exception {
    server.setDispatcher(strict);
    OkHttpClient client = client(policy(GuardMode.PREBUFFER));
    byte[] payload = Payloads.bytes(10_000);
    UnknownLengthBody body = UnknownLengthBody.replayable(payload);

    try (Response response = client.newCall(post(server, body)).execute()) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.body().string()).isEqualTo("10000");
    }

    Wire.assertExactLength(take(server), payload);
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(body.writes()).isEqualTo(1);
    assertThat(listener.events()).containsExactly("bodyFrozen " + origin + " 10000 PREBUFFER");
  }

  @Test
  void retriesOnceWithExactLengthAfter411() throws Exception {
    server.setDispatcher(strict);
    OkHttpClient client = client(policy(GuardMode.RETRY_ON_411));
    byte[] payload = Payloads.bytes(10_000);

    try (Response response =
        client.newCall(post(server, UnknownLengthBody.replayable(payload))).execute()) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.body().string()).isEqualTo("10000");
    }

    RecordedRequest first = take(server);
    RecordedRequest second = take(server);
    Wire.assertChunked(first);
    Wire.assertExactLength(second, payload);
    assertThat(server.getRequestCount()).isEqualTo(2);
    // A streamed first send takes a connection of its own: the resend never meets the connection
    // of a 411 whose server may not have read the body.
    assertThat(first.getHeaders().get("Connection")).isEqualTo("close");
    assertThat(second.getHeaders().get("Connection")).isNotEqualTo("close");
    assertThat(second.getConnectionIndex()).isEqualTo(first.getConnectionIndex() + 1);
  }

  @Test
  void listenerHearsEachStepOfARecovery() throws Exception {
    server.setDispatcher(strict);
    OkHttpClient client = client(policy(GuardMode.RETRY_ON_411));

    try (Response response =
        client.newCall(post(server, UnknownLengthBody.replayable(Payloads.bytes(300)))).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }

    assertThat(listener.events())
        .containsExactly(
            "lengthRequired " + origin + " lengthSent=false",
            "bodyFrozen " + origin + " 300 LENGTH_REQUIRED",
            "resent " + origin + " 300",
            "recovered " + origin + " 200");
  }

  @Test
  void resendKeepsCallerHeadersAndTags() throws Exception {
    server.setDispatcher(strict);
    OkHttpClient client = client(policy(GuardMode.RETRY_ON_411));
    byte[] payload = Payloads.bytes(2000);
    Request request =
        post(server, UnknownLengthBody.replayable(payload))
            .newBuilder()
            .header("Authorization", "Bearer abc")
            .header("X-Request-Id", "42")
            .tag(String.class, "trace-7")
            .build();

    try (Response response = client.newCall(request).execute()) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.request().tag(String.class)).isEqualTo("trace-7");
    }

    take(server);
    RecordedRequest resent = take(server);
    Wire.assertExactLength(resent, payload);
    assertThat(resent.getHeaders().get("Authorization")).isEqualTo("Bearer abc");
    assertThat(resent.getHeaders().get("X-Request-Id")).isEqualTo("42");
    assertThat(resent.getHeaders().get("Content-Type")).isEqualTo("application/octet-stream");
  }

  @Test
  void adaptiveSendsLengthFirstToAnOriginThatAnswered411() throws Exception {
    server.setDispatcher(strict);
    StrictOrigin otherStrict = new StrictOrigin();
    MockWebServer other = newServer(List.of(Protocol.HTTP_1_1));
    other.setDispatcher(otherStrict);
    OkHttpClient client = client(policy(GuardMode.ADAPTIVE));

    for (int i = 0; i <= 100; i++) {
      byte[] payload = Payloads.bytes(64, i);
      try (Response response =
          client.newCall(post(server, UnknownLengthBody.replayable(payload))).execute()) {
        assertThat(response.code()).as("response %s", i).isEqualTo(200);
      }
    }
    try (Response response =
        client.newCall(post(other, UnknownLengthBody.replayable(Payloads.bytes(64)))).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }

    assertThat(server.getRequestCount()).isEqualTo(102);
    assertThat(strict.lengthRequiredCount()).isEqualTo(1);
    Wire.assertChunked(take(server));
    Wire.assertExactLength(take(server), Payloads.bytes(64, 0));
    for (int i = 1; i <= 100; i++) {
      Wire.assertExactLength(take(server), Payloads.bytes(64, i));
    }
    // The other origin never answered 411, so it gets the client's own framing first.
    Wire.assertChunked(take(other));
    Wire.assertExactLength(take(other), Payloads.bytes(64));
    assertThat(other.getRequestCount()).isEqualTo(2);
  }

  @ParameterizedTest(name = "{0} bytes, one-shot {1}")
  @CsvSource({"1024, false", "1024, true", "16777216, false", "16777216, true"})
  void earlyLengthRequiredIsResentWithTheWholeBody(int size, boolean oneShot, @TempDir Path spill)
      throws Exception {
    QueueDispatcher queue = new QueueDispatcher();
    // Answers before reading the body and closes, as haproxy does: a large body's write fails.
    queue.enqueue(
        new MockResponse.Builder()
            .code(411)
            .body("Length Required")
            .doNotReadRequestBody()
            .build());
    queue.enqueue(new MockResponse.Builder().code(200).body("ok").build());
    server.setDispatcher(queue);
    AtomicInteger failedWrites = new AtomicInteger();
    GuardPolicy policy =
        policy(GuardMode.RETRY_ON_411)
            .newBuilder()
            .buffering(Buffering.spillToDisk(MIB, 32 * MIB, spill))
            .build();
    OkHttpClient client =
        register(
            new OkHttpClient.Builder()
                .addInterceptor(LengthGuardInterceptor.create(policy))
                .eventListener(
                    new EventListener() {
                      @Override
                      public void requestFailed(Call call, IOException ioe) {
                        failedWrites.incrementAndGet();
                      }
                    })
                .build());
    byte[] payload = Payloads.bytes(size);
    UnknownLengthBody body =
        oneShot ? UnknownLengthBody.oneShot(payload) : UnknownLengthBody.replayable(payload);

    try (Response response = client.newCall(post(server, body)).execute()) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.body().string()).isEqualTo("ok");
    }

    Wire.assertChunked(take(server));
    Wire.assertExactLength(take(server), payload);
    assertThat(server.getRequestCount()).isEqualTo(2);
    // The guard runs the caller's body once, one-shot or not: the resend is what it captured.
    assertThat(body.writes()).isEqualTo(1);
    if (size > 4 * MIB) {
      // Proves the scenario: the first body could not be written whole to the closed socket.
      assertThat(failedWrites).hasPositiveValue();
    }
    assertThat(listener.events()).endsWith("recovered " + origin + " 200");
    try (Stream<Path> files = Files.list(spill)) {
      assertThat(files).as("spill files left").isEmpty();
    }
  }

  @Test
  void second411IsHandedBackWithoutALoop() throws Exception {
    server.setDispatcher(alwaysLengthRequired());
    OkHttpClient client = client(policy(GuardMode.RETRY_ON_411));
    byte[] payload = Payloads.bytes(700);

    try (Response response =
        client.newCall(post(server, UnknownLengthBody.replayable(payload))).execute()) {
      assertThat(response.code()).isEqualTo(411);
      assertThat(response.body().string()).isEqualTo("Length Required");
    }

    Wire.assertChunked(take(server));
    Wire.assertExactLength(take(server), payload);
    assertThat(server.getRequestCount()).isEqualTo(2);
    assertThat(listener.events())
        .containsExactly(
            "lengthRequired " + origin + " lengthSent=false",
            "bodyFrozen " + origin + " 700 LENGTH_REQUIRED",
            "resent " + origin + " 700",
            "lengthRequired " + origin + " lengthSent=true",
            "gaveUp " + origin + " LENGTH_REFUSED");
  }

  @Test
  void prebuffered411IsHandedBack() throws Exception {
    server.setDispatcher(alwaysLengthRequired());
    OkHttpClient client = client(policy(GuardMode.PREBUFFER));
    byte[] payload = Payloads.bytes(700);

    try (Response response =
        client.newCall(post(server, UnknownLengthBody.replayable(payload))).execute()) {
      assertThat(response.code()).isEqualTo(411);
      assertThat(response.body().string()).isEqualTo("Length Required");
    }

    Wire.assertExactLength(take(server), payload);
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(listener.events())
        .containsExactly(
            "bodyFrozen " + origin + " 700 PREBUFFER",
            "lengthRequired " + origin + " lengthSent=true",
            "gaveUp " + origin + " LENGTH_REFUSED");
  }

  @Test
  void oneShotBodyIsResentFromWhatTheFirstSendCaptured() throws Exception {
    server.setDispatcher(strict);
    OkHttpClient client = client(policy(GuardMode.RETRY_ON_411));
    byte[] payload = Payloads.bytes(100_000);
    UnknownLengthBody body = UnknownLengthBody.oneShot(payload);

    try (Response response = client.newCall(post(server, body)).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }

    Wire.assertChunked(take(server));
    Wire.assertExactLength(take(server), payload);
    assertThat(server.getRequestCount()).isEqualTo(2);
    assertThat(body.writes()).isEqualTo(1);
  }

  @Test
  void expectContinueGets411BeforeTheOneShotBodyIsWritten() throws Exception {
    QueueDispatcher queue = new QueueDispatcher();
    // A 411 in place of 100 (Continue): the client must not write the body.
    queue.enqueue(
        new MockResponse.Builder()
            .code(411)
            .body("Length Required")
            .doNotReadRequestBody()
            .build());
    queue.enqueue(new MockResponse.Builder().code(200).body("ok").build());
    server.setDispatcher(queue);
    OkHttpClient client =
        client(policy(GuardMode.RETRY_ON_411).newBuilder().expectContinue(true).build());
    byte[] payload = Payloads.bytes(50_000);
    UnknownLengthBody body = UnknownLengthBody.oneShot(payload);

    try (Response response = client.newCall(post(server, body)).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }

    RecordedRequest first = take(server);
    assertThat(first.getHeaders().get("Expect")).isEqualTo("100-continue");
    assertThat(first.getBodySize()).isZero();
    RecordedRequest resent = take(server);
    Wire.assertExactLength(resent, payload);
    assertThat(resent.getHeaders().get("Expect")).isNull();
    assertThat(server.getRequestCount()).isEqualTo(2);
    assertThat(body.writes()).isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void a417ToTheGuardsExpectSendsTheBodyOnceMoreWithoutItAndTeachesTheOrigin(boolean oneShot)
      throws Exception {
    try (RawOrigin refusing = RawOrigin.start(true)) {
      OkHttpClient client =
          client(policy(GuardMode.RETRY_ON_411).newBuilder().expectContinue(true).build());
      byte[] payload = Payloads.bytes(256 * 1024);
      UnknownLengthBody body =
          oneShot ? UnknownLengthBody.oneShot(payload) : UnknownLengthBody.replayable(payload);
      Request request = new Request.Builder().url(refusing.uri().toString()).post(body).build();

      try (Response response = client.newCall(request).execute()) {
        assertThat(response.code()).isEqualTo(200);
        assertThat(response.body().string()).isEqualTo("received " + payload.length);
      }
      List<RawOrigin.Received> received = refusing.received();
      assertThat(received).hasSize(2);
      Wire.assertAskedContinue(received.get(0));
      Wire.assertChunkedWithoutExpect(received.get(1), payload);
      assertThat(body.writes()).isEqualTo(1);

      // The origin is remembered: the next body goes without Expect, once.
      try (Response response =
          client
              .newCall(request.newBuilder().post(UnknownLengthBody.oneShot(payload)).build())
              .execute()) {
        assertThat(response.code()).isEqualTo(200);
      }
      received = refusing.received();
      assertThat(received).hasSize(3);
      Wire.assertChunkedWithoutExpect(received.get(2), payload);
    }
  }

  @Test
  void a417ToTheCallersOwnExpectReachesTheCaller() throws Exception {
    try (RawOrigin refusing = RawOrigin.start(true)) {
      OkHttpClient client =
          client(policy(GuardMode.RETRY_ON_411).newBuilder().expectContinue(true).build());
      byte[] payload = Payloads.bytes(256 * 1024);
      Request request =
          new Request.Builder()
              .url(refusing.uri().toString())
              .header("Expect", "100-continue")
              .post(UnknownLengthBody.oneShot(payload))
              .build();

      try (Response response = client.newCall(request).execute()) {
        assertThat(response.code()).isEqualTo(417);
      }
      assertThat(refusing.received()).hasSize(1);
    }
  }

  @Test
  void gzipBodyIsFrozenAsItsCompressedBytes() throws Exception {
    server.setDispatcher(strict);
    OkHttpClient client = client(policy(GuardMode.RETRY_ON_411));
    byte[] payload =
        "a compressible body, ".repeat(500).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    Request request =
        new Request.Builder()
            .url(url(server))
            .post(RequestBody.create(payload, OCTET_STREAM))
            .gzip()
            .build();
    assertThat(request.body().contentLength()).isEqualTo(-1L);

    try (Response response = client.newCall(request).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }

    RecordedRequest first = take(server);
    RecordedRequest resent = take(server);
    Wire.assertChunked(first);
    byte[] compressed = resent.getBody().toByteArray();
    Wire.assertExactLength(resent, compressed);
    assertThat(compressed.length).isLessThan(payload.length);
    assertThat(gunzip(compressed)).isEqualTo(payload);
    assertThat(first.getBody().toByteArray()).isEqualTo(compressed);
    assertThat(resent.getHeaders().get("Content-Encoding")).isEqualTo("gzip");
  }

  @Test
  void http2PriorKnowledge411IsResentWithContentLength() throws Exception {
    MockWebServer h2 = newServer(List.of(Protocol.H2_PRIOR_KNOWLEDGE));
    h2.setDispatcher(strict);
    OkHttpClient client =
        register(
            new OkHttpClient.Builder()
                .protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE))
                .addInterceptor(LengthGuardInterceptor.create(policy(GuardMode.RETRY_ON_411)))
                .build());
    byte[] payload = Payloads.bytes(40_000);

    try (Response response =
        client.newCall(post(h2, UnknownLengthBody.oneShot(payload))).execute()) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.protocol()).isEqualTo(Protocol.H2_PRIOR_KNOWLEDGE);
    }

    RecordedRequest first = take(h2);
    // HTTP/2 has no chunked coding: a body of unknown length goes out with no length at all.
    assertThat(first.getHeaders().get("Content-Length")).isNull();
    assertThat(first.getBody().toByteArray()).isEqualTo(payload);
    Wire.assertExactLength(take(h2), payload);
    assertThat(h2.getRequestCount()).isEqualTo(2);
  }

  @Test
  void streamedUploadsOverHttp2ShareTheConnectionOnceTheOriginAnsweredOverIt() throws Exception {
    MockWebServer h2 = newServer(List.of(Protocol.H2_PRIOR_KNOWLEDGE));
    for (int call = 0; call < 3; call++) h2.enqueue(new MockResponse.Builder().body("ok").build());
    AtomicInteger connects = new AtomicInteger();
    GuardPolicy policy =
        GuardPolicy.builder().prebufferBytes(1024).listener(listener).build(); // default mode
    OkHttpClient client =
        register(
            new OkHttpClient.Builder()
                .protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE))
                .eventListener(
                    new EventListener() {
                      @Override
                      public void connectStart(
                          Call call, java.net.InetSocketAddress address, java.net.Proxy proxy) {
                        connects.incrementAndGet();
                      }
                    })
                .addInterceptor(LengthGuardInterceptor.create(policy))
                .build());
    byte[] small = Payloads.bytes(100);
    List<byte[]> uploads = List.of(Payloads.bytes(40_000, 1), Payloads.bytes(40_000, 2));

    try (Response response = client.newCall(post(h2, UnknownLengthBody.oneShot(small))).execute()) {
      assertThat(response.protocol()).isEqualTo(Protocol.H2_PRIOR_KNOWLEDGE);
    }
    for (byte[] upload : uploads) {
      try (Response response =
          client.newCall(post(h2, UnknownLengthBody.oneShot(upload))).execute()) {
        assertThat(response.code()).isEqualTo(200);
      }
    }

    RecordedRequest first = take(h2);
    Wire.assertExactLength(first, small);
    for (byte[] upload : uploads) {
      RecordedRequest streamed = take(h2);
      // Streamed past the read-ahead: h2 has no chunked coding, so no length at all.
      assertThat(streamed.getHeaders().get("Content-Length")).isNull();
      assertThat(streamed.getBody().toByteArray()).isEqualTo(upload);
      assertThat(streamed.getConnectionIndex()).isEqualTo(first.getConnectionIndex());
    }
    assertThat(h2.getRequestCount()).isEqualTo(3);
    // One connection for the three calls: no streamed upload retired the shared connection.
    assertThat(connects).hasValue(1);
    assertThat(client.connectionPool().connectionCount()).isEqualTo(1);
  }

  @Test
  void prebufferFailsBeforeSendingABodyOverTheLimit() {
    server.setDispatcher(strict);
    GuardPolicy policy =
        policy(GuardMode.PREBUFFER).newBuilder().buffering(Buffering.inMemory(1024)).build();
    OkHttpClient client = client(policy);
    Call call = client.newCall(post(server, UnknownLengthBody.replayable(Payloads.bytes(4096))));

    assertThatThrownBy(call::execute)
        .isInstanceOf(BodyTooLargeException.class)
        .hasMessageStartingWith("body exceeds maxBytes (1024)");

    assertThat(server.getRequestCount()).isZero();
    assertThat(listener.events()).containsExactly("bodyTooLarge " + origin + " 1024");
  }

  @ParameterizedTest(name = "one-shot {0}")
  @CsvSource({"false", "true"})
  void retryOn411HandsBackThe411OfABodyOverTheLimit(boolean oneShot) throws Exception {
    server.setDispatcher(strict);
    GuardPolicy policy =
        policy(GuardMode.RETRY_ON_411).newBuilder().buffering(Buffering.inMemory(1024)).build();
    OkHttpClient client = client(policy);
    byte[] payload = Payloads.bytes(4096);
    UnknownLengthBody body =
        oneShot ? UnknownLengthBody.oneShot(payload) : UnknownLengthBody.replayable(payload);

    try (Response response = client.newCall(post(server, body)).execute()) {
      assertThat(response.code()).isEqualTo(411);
      assertThat(response.body().string()).isEqualTo("Length Required");
    }

    RecordedRequest first = take(server);
    Wire.assertChunked(first);
    assertThat(first.getBody().toByteArray()).isEqualTo(payload);
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(listener.events())
        .containsExactly(
            "lengthRequired " + origin + " lengthSent=false",
            "bodyTooLarge " + origin + " 1024",
            "gaveUp " + origin + " TOO_LARGE");
  }

  @Test
  void bodyThatCannotBeWrittenAgainIsResentFromWhatTheFirstSendWrote() throws Exception {
    server.setDispatcher(strict);
    OkHttpClient client = client(policy(GuardMode.RETRY_ON_411));
    byte[] payload = Payloads.bytes(900);
    AtomicInteger writes = new AtomicInteger();
    RequestBody body =
        new RequestBody() {
          @Override
          public MediaType contentType() {
            return OCTET_STREAM;
          }

          @Override
          public void writeTo(BufferedSink sink) throws IOException {
            if (writes.incrementAndGet() > 1) throw new IOException("source gone");
            sink.write(payload);
          }
        };

    try (Response response = client.newCall(post(server, body)).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }

    Wire.assertChunked(take(server));
    Wire.assertExactLength(take(server), payload);
    assertThat(server.getRequestCount()).isEqualTo(2);
    // A body that claims to be repeatable is never trusted to be: it is written once.
    assertThat(writes).hasValue(1);
    assertThat(listener.events()).endsWith("recovered " + origin + " 200");
  }

  @Test
  void contentDigestMatchesTheBytesSent() throws Exception {
    server.setDispatcher(strict);
    OkHttpClient client =
        client(policy(GuardMode.RETRY_ON_411).newBuilder().contentDigest("sha-256").build());
    byte[] payload = Payloads.bytes(3000);

    try (Response response =
        client.newCall(post(server, UnknownLengthBody.oneShot(payload))).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }

    assertThat(take(server).getHeaders().get("Content-Digest")).isNull();
    RecordedRequest resent = take(server);
    Wire.assertExactLength(resent, payload);
    assertThat(resent.getHeaders().values("Content-Digest")).containsExactly(sha256Digest(payload));
  }

  @Test
  void frozenRequestBodyCarriesContentDigest() throws Exception {
    server.setDispatcher(strict);
    OkHttpClient client =
        client(policy(GuardMode.RETRY_ON_411).newBuilder().contentDigest("sha-256").build());
    byte[] payload = Payloads.bytes(3000);
    Request request =
        post(server, FrozenRequestBody.of(FrozenBody.of(payload), OCTET_STREAM))
            .newBuilder()
            .build();

    try (Response response = client.newCall(request).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }

    RecordedRequest recorded = take(server);
    Wire.assertExactLength(recorded, payload);
    assertThat(recorded.getHeaders().values("Content-Digest"))
        .containsExactly(sha256Digest(payload));
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void callerContentDigestIsKept() throws Exception {
    server.setDispatcher(strict);
    OkHttpClient client =
        client(policy(GuardMode.PREBUFFER).newBuilder().contentDigest("sha-256").build());
    byte[] payload = Payloads.bytes(3000);
    Request request =
        post(server, UnknownLengthBody.replayable(payload))
            .newBuilder()
            .header("Content-Digest", "sha-512=:caller:")
            .build();

    try (Response response = client.newCall(request).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }

    RecordedRequest recorded = take(server);
    Wire.assertExactLength(recorded, payload);
    assertThat(recorded.getHeaders().values("Content-Digest")).containsExactly("sha-512=:caller:");
  }

  @Test
  void concurrentCallsThroughOneClientArriveByteExact() throws Exception {
    server.setDispatcher(strict);
    OkHttpClient client = client(policy(GuardMode.ADAPTIVE));
    int calls = 64;
    ExecutorService executor = Executors.newFixedThreadPool(calls);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> results = new ArrayList<>();
    try {
      for (int i = 0; i < calls; i++) {
        int id = i;
        results.add(
            executor.submit(
                () -> {
                  byte[] payload = Payloads.bytes(2000 + id * 100, id);
                  RequestBody body =
                      id % 2 == 0
                          ? UnknownLengthBody.oneShot(payload)
                          : UnknownLengthBody.replayable(payload);
                  Request request =
                      post(server, body).newBuilder().header("X-Id", String.valueOf(id)).build();
                  start.await();
                  try (Response response = client.newCall(request).execute()) {
                    response.body().string();
                    return response.code();
                  }
                }));
      }
      start.countDown();
      for (Future<Integer> result : results) {
        assertThat(result.get(30, SECONDS)).isEqualTo(200);
      }
    } finally {
      executor.shutdownNow();
    }

    int requests = server.getRequestCount();
    assertThat(requests).isEqualTo(calls + strict.lengthRequiredCount());
    assertThat(strict.acceptedCount()).isEqualTo(calls);
    Map<String, RecordedRequest> accepted = new HashMap<>();
    for (int i = 0; i < requests; i++) {
      RecordedRequest recorded = take(server);
      if (recorded.getHeaders().get("Content-Length") != null) {
        assertThat(accepted.put(recorded.getHeaders().get("X-Id"), recorded)).isNull();
      }
    }
    assertThat(accepted).hasSize(calls);
    for (int id = 0; id < calls; id++) {
      Wire.assertExactLength(accepted.get(String.valueOf(id)), Payloads.bytes(2000 + id * 100, id));
    }
  }

  private GuardPolicy policy(GuardMode mode) {
    // No read-ahead: these tests drive the first send as the client frames it, and the resend.
    return GuardPolicy.builder().mode(mode).prebufferBytes(0).listener(listener).build();
  }

  private OkHttpClient client(GuardPolicy policy) {
    return register(
        new OkHttpClient.Builder().addInterceptor(LengthGuardInterceptor.create(policy)).build());
  }

  private OkHttpClient client(GuardPolicy policy, Interceptor after) {
    return register(
        new OkHttpClient.Builder()
            .addInterceptor(LengthGuardInterceptor.create(policy))
            .addInterceptor(after)
            .build());
  }

  private OkHttpClient register(OkHttpClient client) {
    clients.add(client);
    return client;
  }

  private MockWebServer newServer(List<Protocol> protocols) throws IOException {
    MockWebServer result = new MockWebServer();
    servers.add(result);
    result.setProtocols(protocols);
    result.start(InetAddress.getByName("127.0.0.1"), 0);
    return result;
  }

  /** Records the request the guard handed on; short-circuits without a network call if asked. */
  private static Interceptor recordRequest(AtomicReference<@Nullable Request> seen, boolean stop) {
    return chain -> {
      seen.set(chain.request());
      if (!stop) return chain.proceed(chain.request());
      return new Response.Builder()
          .request(chain.request())
          .protocol(Protocol.HTTP_1_1)
          .code(204)
          .message("No Content")
          .build();
    };
  }

  private static Dispatcher alwaysLengthRequired() {
    return new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return new MockResponse.Builder().code(411).body("Length Required").build();
      }
    };
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

  private static String sha256Digest(byte[] bytes) throws Exception {
    byte[] hash = MessageDigest.getInstance("SHA-256").digest(bytes);
    return "sha-256=:" + Base64.getEncoder().encodeToString(hash) + ":";
  }

  private static byte[] gunzip(byte[] bytes) throws IOException {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
      return in.readAllBytes();
    }
  }

  /** A duplex body: OkHttp writes it on HTTP/2 only, while the response is read. */
  private static final class DuplexBody extends RequestBody {
    final AtomicInteger writes = new AtomicInteger();

    @Override
    public @Nullable MediaType contentType() {
      return OCTET_STREAM;
    }

    @Override
    public boolean isDuplex() {
      return true;
    }

    @Override
    public void writeTo(BufferedSink sink) {
      writes.incrementAndGet();
    }
  }
}
