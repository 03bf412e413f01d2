package io.lengthguard.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.BodyTooLargeException;
import io.lengthguard.Buffering;
import io.lengthguard.FindingCode;
import io.lengthguard.FramingFinding;
import io.lengthguard.FramingViolationException;
import io.lengthguard.FreezeReason;
import io.lengthguard.FrozenBody;
import io.lengthguard.GuardListener;
import io.lengthguard.GuardMode;
import io.lengthguard.GuardPolicy;
import io.lengthguard.Origin;
import io.lengthguard.testing.RawOrigin;
import io.lengthguard.testing.StrictOrigin;
import io.lengthguard.testing.Wire;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.message.BasicHeader;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The guard's contract on the wire, run for each way in: a wrapped client, an installed exec
 * handler, and the async handler. Every test starts its own server on 127.0.0.1; after each, every
 * client it made has no leased connection and still sends a request.
 */
abstract class GuardContract {
  static final int KIB = 1024;
  static final int MIB = 1024 * KIB;

  MockWebServer server;
  private final List<GuardedClient> clients = new ArrayList<>();

  /** Returns a client of this way in, guarded by {@code policy}. */
  abstract GuardedClient newClient(GuardPolicy policy, boolean earlyResponses);

  @BeforeEach
  void startServer() throws IOException {
    server = Servers.strictOrigin();
  }

  @AfterEach
  void clientsLeakNothingAndStillWork() throws Exception {
    try {
      server.setDispatcher(new StrictOrigin());
      for (GuardedClient client : clients) {
        awaitNoLeasedConnection(client);
        byte[] payload = Body.KNOWN.payload(64);
        assertThat(client.post(uri(), Body.KNOWN, payload).code()).isEqualTo(200);
        awaitNoLeasedConnection(client);
      }
    } finally {
      for (GuardedClient client : clients) client.close();
      server.close();
    }
  }

  GuardedClient client(GuardPolicy policy) {
    return client(policy, false);
  }

  GuardedClient client(GuardPolicy policy, boolean earlyResponses) {
    GuardedClient client = newClient(policy, earlyResponses);
    clients.add(client);
    return client;
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getPort() + "/upload");
  }

  /**
   * Returns a policy in {@code mode} that reads nothing ahead, so that a body of unknown length
   * streams as HttpClient frames it and takes the 411 path.
   */
  static GuardPolicy policy(GuardMode mode) {
    return GuardPolicy.builder().mode(mode).prebufferBytes(0).build();
  }

  RecordedRequest take() throws InterruptedException {
    RecordedRequest request = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(request).as("recorded request").isNotNull();
    return request;
  }

  static Stream<Arguments> modesAndBodies() {
    return Stream.of(GuardMode.values())
        .flatMap(mode -> Stream.of(Body.REPEATABLE, Body.ONE_SHOT).map(b -> Arguments.of(mode, b)));
  }

  @ParameterizedTest
  @EnumSource(GuardMode.class)
  void knownLengthPassesUntouched(GuardMode mode) throws Exception {
    GuardedClient client = client(policy(mode));
    byte[] payload = Body.KNOWN.payload(4 * KIB);

    assertThat(client.post(uri(), Body.KNOWN, payload).code()).isEqualTo(200);

    assertThat(server.getRequestCount()).isEqualTo(1);
    Wire.assertExactLength(take(), payload);
  }

  @ParameterizedTest
  @EnumSource(
      value = Body.class,
      names = {"REPEATABLE", "ONE_SHOT"})
  void expectationFailedSendsTheBodyOnceMoreWithoutTheGuardsExpect(Body body) throws Exception {
    try (RawOrigin origin = RawOrigin.start(true)) {
      GuardedClient client = client(policy(GuardMode.RETRY_ON_411));
      byte[] payload = body.payload(256 * KIB);

      GuardedClient.Reply reply = client.post(origin.uri(), body, payload);

      assertThat(reply.code()).isEqualTo(200);
      assertThat(reply.body()).isEqualTo("received " + payload.length);
      List<RawOrigin.Received> received = origin.received();
      assertThat(received).hasSize(2);
      Wire.assertAskedContinue(received.get(0));
      Wire.assertChunkedWithoutExpect(received.get(1), payload);
    }
  }

  @Test
  void expectationFailedToTheCallersOwnExpectReachesTheCaller() throws Exception {
    try (RawOrigin origin = RawOrigin.start(true)) {
      GuardedClient client = client(policy(GuardMode.RETRY_ON_411));
      byte[] payload = Body.REPEATABLE.payload(256 * KIB);

      GuardedClient.Reply reply =
          client.post(
              origin.uri(), Body.REPEATABLE, payload, new BasicHeader("Expect", "100-continue"));

      assertThat(reply.code()).isEqualTo(417);
      assertThat(origin.received()).hasSize(1);
    }
  }

  @Test
  void anOriginThatRefusedExpectGetsTheNextBodyWithoutIt() throws Exception {
    try (RawOrigin origin = RawOrigin.start(true)) {
      GuardedClient client = client(policy(GuardMode.RETRY_ON_411));
      byte[] payload = Body.ONE_SHOT.payload(256 * KIB);
      assertThat(client.post(origin.uri(), Body.ONE_SHOT, payload).code()).isEqualTo(200);

      GuardedClient.Reply reply = client.post(origin.uri(), Body.ONE_SHOT, payload);

      assertThat(reply.code()).isEqualTo(200);
      List<RawOrigin.Received> received = origin.received();
      assertThat(received).hasSize(3);
      Wire.assertChunkedWithoutExpect(received.get(2), payload);
    }
  }

  @ParameterizedTest
  @MethodSource("modesAndBodies")
  void strictOriginGetsExactLength(GuardMode mode, Body body) throws Exception {
    assertStrictOriginGetsExactLength(mode, body);
  }

  @ParameterizedTest
  @EnumSource(GuardMode.class)
  void gzipBodyArrivesAsItsGzipBytes(GuardMode mode) throws Exception {
    assertStrictOriginGetsExactLength(mode, Body.GZIP);
  }

  void assertStrictOriginGetsExactLength(GuardMode mode, Body body) throws Exception {
    GuardedClient client = client(policy(mode));
    byte[] payload = body.payload(4 * KIB);

    assertThat(client.post(uri(), body, payload).code()).isEqualTo(200);

    if (mode == GuardMode.PREBUFFER) {
      assertThat(server.getRequestCount()).isEqualTo(1);
      body.assertArrived(take(), payload);
      return;
    }
    assertThat(server.getRequestCount()).isEqualTo(2);
    RecordedRequest first = take();
    Wire.assertChunked(first);
    RecordedRequest resend = take();
    body.assertArrived(resend, payload);
    // The connection that carried the 411 is not reused for the resend.
    assertThat(resend.getConnectionIndex()).isNotEqualTo(first.getConnectionIndex());
    if (mode == GuardMode.ADAPTIVE) {
      byte[] next = body.payload(3 * KIB);
      assertThat(client.post(uri(), body, next).code()).isEqualTo(200);
      assertThat(server.getRequestCount()).isEqualTo(3);
      body.assertArrived(take(), next);
    }
  }

  static Stream<Arguments> earlyCases() {
    return Stream.of(
        Arguments.of(KIB, Body.REPEATABLE),
        Arguments.of(KIB, Body.ONE_SHOT),
        Arguments.of(16 * MIB, Body.ONE_SHOT));
  }

  @ParameterizedTest
  @MethodSource("earlyCases")
  void earlyLengthRequiredGetsOneResend(int size, Body body) throws Exception {
    server.setDispatcher(new Origins.EarlyLengthRequired(1));
    GuardPolicy policy =
        GuardPolicy.builder()
            .mode(GuardMode.RETRY_ON_411)
            .prebufferBytes(0)
            .buffering(Buffering.inMemory(32 * MIB))
            .build();
    GuardedClient client = client(policy, true);
    byte[] payload = body.payload(size);

    GuardedClient.Reply reply = client.post(uri(), body, payload);

    assertThat(reply.code()).isEqualTo(200);
    assertThat(reply.body()).isEqualTo(String.valueOf(size));
    assertThat(server.getRequestCount()).isEqualTo(2);
    Wire.assertChunked(take());
    body.assertArrived(take(), payload);
  }

  @ParameterizedTest
  @EnumSource(
      value = Body.class,
      names = {"REPEATABLE", "ONE_SHOT"})
  void secondLengthRequiredGoesBackToTheCaller(Body body) throws Exception {
    server.setDispatcher(new Origins.AlwaysLengthRequired());
    GuardedClient client = client(policy(GuardMode.RETRY_ON_411));
    byte[] payload = body.payload(2 * KIB);

    GuardedClient.Reply reply = client.post(uri(), body, payload);

    assertThat(reply.code()).isEqualTo(411);
    assertThat(reply.body()).isEqualTo("Length Required");
    assertThat(server.getRequestCount()).isEqualTo(2);
    Wire.assertChunked(take());
    body.assertArrived(take(), payload);
  }

  @ParameterizedTest
  @EnumSource(
      value = Body.class,
      names = {"REPEATABLE", "ONE_SHOT"})
  void expectContinueGetsThe411BeforeTheBody(Body body) throws Exception {
    server.setDispatcher(new Origins.EarlyLengthRequired(1));
    GuardPolicy policy =
        GuardPolicy.builder()
            .mode(GuardMode.RETRY_ON_411)
            .prebufferBytes(0)
            .expectContinue(true)
            .build();
    GuardedClient client = client(policy);
    byte[] payload = body.payload(8 * KIB);

    assertThat(client.post(uri(), body, payload).code()).isEqualTo(200);

    assertThat(server.getRequestCount()).isEqualTo(2);
    RecordedRequest first = take();
    assertThat(first.getHeaders().get("Expect")).isEqualTo("100-continue");
    Wire.assertChunked(first);
    RecordedRequest resend = take();
    assertThat(resend.getHeaders().get("Expect")).isNull();
    body.assertArrived(resend, payload);
  }

  @ParameterizedTest
  @EnumSource(
      value = Body.class,
      names = {"REPEATABLE", "ONE_SHOT"})
  void callerContentLengthEqualToTheBodyIsSent(Body body) throws Exception {
    GuardedClient client = client(policy(GuardMode.RETRY_ON_411));
    byte[] payload = body.payload(4 * KIB);

    GuardedClient.Reply reply =
        client.post(uri(), body, payload, new BasicHeader("Content-Length", payload.length));

    assertThat(reply.code()).isEqualTo(200);
    assertThat(server.getRequestCount()).isEqualTo(1);
    body.assertArrived(take(), payload);
  }

  @ParameterizedTest
  @EnumSource(
      value = Body.class,
      names = {"REPEATABLE", "ONE_SHOT"})
  void callerContentLengthDifferentFromTheBodyFailsBeforeSending(Body body) {
    GuardedClient client = client(policy(GuardMode.RETRY_ON_411));
    byte[] payload = body.payload(4 * KIB);

    assertThatThrownBy(
            () -> client.post(uri(), body, payload, new BasicHeader("Content-Length", "4095")))
        .isInstanceOf(FramingViolationException.class)
        .hasMessage(
            "bad framing in POST /upload: ERROR LENGTH_MISMATCH: Content-Length declares 4095"
                + " bytes but the body has 4096 (1 more): the server reads 4095 bytes and takes"
                + " the other 1 as the start of the next request; send Content-Length: 4096,"
                + " counting encoded bytes, not characters");
    assertThat(server.getRequestCount()).isZero();
  }

  @ParameterizedTest
  @CsvSource(
      nullValues = "NONE",
      value = {
        "KNOWN,      Content-Length: 4095,                           LENGTH_MISMATCH",
        "KNOWN,      Content-Length: 4096|Transfer-Encoding: chunked,"
            + " CONTENT_LENGTH_WITH_TRANSFER_ENCODING",
        "KNOWN,      Content-Length: 4096|Content-Length: 4095,      DUPLICATE_CONTENT_LENGTH",
        "KNOWN,      'Content-Length: 4096, 4095',                   CONTENT_LENGTH_LIST",
        "KNOWN,      'Content-Length: 4096,',                        CONTENT_LENGTH_LIST",
        "KNOWN,      Content-Length: +4096,                          INVALID_CONTENT_LENGTH",
        "REPEATABLE, Transfer-Encoding: gzip,                  TRANSFER_ENCODING_NOT_CHUNKED_LAST",
        "ONE_SHOT,   Content-Length: 0x1000,                         INVALID_CONTENT_LENGTH",
        "ONE_SHOT,   Content-Length: 4096|Transfer-Encoding: chunked,"
            + " CONTENT_LENGTH_WITH_TRANSFER_ENCODING",
        "NONE,       Content-Length: 5,                              LENGTH_MISMATCH",
      })
  void malformedCallerFramingFailsBeforeSending(
      @Nullable Body body, String fields, FindingCode code) {
    List<FindingCode> findings = new CopyOnWriteArrayList<>();
    GuardListener listener =
        new GuardListener() {
          @Override
          public void framingFinding(Origin origin, FramingFinding finding) {
            findings.add(finding.code());
          }
        };
    GuardedClient client =
        client(
            GuardPolicy.builder()
                .mode(GuardMode.RETRY_ON_411)
                .prebufferBytes(0)
                .listener(listener)
                .build());
    List<Header> headers = new ArrayList<>();
    for (String field : fields.split("\\|")) {
      int colon = field.indexOf(':');
      headers.add(new BasicHeader(field.substring(0, colon), field.substring(colon + 2)));
    }

    assertThatThrownBy(
            () ->
                client.send("POST", uri(), body, new byte[4 * KIB], headers.toArray(new Header[0])))
        .isInstanceOf(FramingViolationException.class)
        .hasMessageStartingWith("bad framing in POST /upload: ")
        .hasMessageContaining("ERROR " + code + ": ");
    assertThat(findings).contains(code);
    assertThat(server.getRequestCount()).isZero();
  }

  @ParameterizedTest
  @EnumSource(
      value = Body.class,
      names = {"REPEATABLE", "ONE_SHOT"})
  void bodyOverTheLimitFailsBeforeSendingWhenPrebuffering(Body body) {
    GuardPolicy policy =
        GuardPolicy.builder().mode(GuardMode.PREBUFFER).buffering(Buffering.inMemory(KIB)).build();
    GuardedClient client = client(policy);

    assertThatThrownBy(() -> client.post(uri(), body, body.payload(4 * KIB)))
        .isInstanceOf(BodyTooLargeException.class)
        .hasMessageStartingWith("body exceeds maxBytes (1024): read ");
    assertThat(server.getRequestCount()).isZero();
  }

  @ParameterizedTest
  @EnumSource(
      value = Body.class,
      names = {"REPEATABLE", "ONE_SHOT"})
  void bodyOverTheLimitGetsThe411BackWhenRetrying(Body body) throws Exception {
    GuardPolicy policy =
        GuardPolicy.builder()
            .mode(GuardMode.RETRY_ON_411)
            .prebufferBytes(0)
            .buffering(Buffering.inMemory(KIB))
            .build();
    GuardedClient client = client(policy);

    assertThat(client.post(uri(), body, body.payload(4 * KIB)).code()).isEqualTo(411);

    assertThat(server.getRequestCount()).isEqualTo(1);
    Wire.assertChunked(take());
  }

  @Test
  void adaptiveSendsTheLengthFirstTimeAfterOne411() throws Exception {
    GuardedClient client = client(policy(GuardMode.ADAPTIVE));
    assertThat(client.post(uri(), Body.REPEATABLE, Body.REPEATABLE.payload(256)).code())
        .isEqualTo(200);

    List<byte[]> payloads = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      byte[] payload = Body.REPEATABLE.payload(256 + i);
      payloads.add(payload);
      assertThat(client.post(uri(), Body.REPEATABLE, payload).code()).isEqualTo(200);
    }

    assertThat(server.getRequestCount()).isEqualTo(102);
    Wire.assertChunked(take());
    take();
    for (byte[] payload : payloads) Wire.assertExactLength(take(), payload);
  }

  @Test
  void frozenBodyCarriesContentDigest() throws Exception {
    GuardPolicy policy =
        GuardPolicy.builder().mode(GuardMode.PREBUFFER).contentDigest("sha-256").build();
    GuardedClient client = client(policy);
    byte[] payload = Body.REPEATABLE.payload(4 * KIB);

    assertThat(client.post(uri(), Body.REPEATABLE, payload).code()).isEqualTo(200);

    RecordedRequest request = take();
    Wire.assertExactLength(request, payload);
    assertThat(request.getHeaders().get("Content-Digest"))
        .isEqualTo(FrozenBody.of(payload).contentDigest("sha-256"));
  }

  @Test
  void listenerHearsEachStepOfARecovery() throws Exception {
    List<String> events = new CopyOnWriteArrayList<>();
    GuardListener listener =
        new GuardListener() {
          @Override
          public void bodyFrozen(Origin origin, long bytes, FreezeReason reason) {
            events.add("frozen " + bytes + " " + reason);
          }

          @Override
          public void lengthRequired(Origin origin, boolean lengthSent) {
            events.add("411 " + origin + " lengthSent=" + lengthSent);
          }

          @Override
          public void resent(Origin origin, long bytes) {
            events.add("resent " + bytes);
          }

          @Override
          public void recovered(Origin origin, int status) {
            events.add("recovered " + status);
          }
        };
    GuardedClient client =
        client(
            GuardPolicy.builder()
                .mode(GuardMode.RETRY_ON_411)
                .prebufferBytes(0)
                .listener(listener)
                .build());

    assertThat(client.post(uri(), Body.ONE_SHOT, Body.ONE_SHOT.payload(3000)).code())
        .isEqualTo(200);

    assertThat(events)
        .containsExactly(
            "411 http://127.0.0.1:" + server.getPort() + " lengthSent=false",
            "frozen 3000 LENGTH_REQUIRED",
            "resent 3000",
            "recovered 200");
  }

  @Test
  void expectContinueKeepsAnEarly411OnALargeBodyWithoutEarlyResponseConnections() throws Exception {
    server.setDispatcher(new Origins.EarlyLengthRequired(1));
    GuardPolicy policy =
        GuardPolicy.builder()
            .mode(GuardMode.RETRY_ON_411)
            .prebufferBytes(0)
            .expectContinue(true)
            .buffering(Buffering.inMemory(32 * MIB))
            .build();
    GuardedClient client = client(policy, false);
    byte[] payload = Body.ONE_SHOT.payload(16 * MIB);

    assertThat(client.post(uri(), Body.ONE_SHOT, payload).code()).isEqualTo(200);

    assertThat(server.getRequestCount()).isEqualTo(2);
    RecordedRequest first = take();
    assertThat(first.getHeaders().get("Expect")).isEqualTo("100-continue");
    assertThat(first.getBodySize()).isZero();
    Wire.assertExactLength(take(), payload);
  }

  @Test
  void authChallengeOnAFrozenSendKeepsTheCallerHeaders() throws Exception {
    server.setDispatcher(new Origins.BasicAuth());
    GuardedClient client = client(policy(GuardMode.PREBUFFER));
    // A repeatable body: HttpClient answers a challenge only with a body it may send again, and a
    // frozen one-shot body stays one-shot.
    byte[] payload = Body.REPEATABLE.payload(4 * KIB);

    GuardedClient.Reply reply =
        client.post(uri(), Body.REPEATABLE, payload, new BasicHeader("X-Caller", "kept"));

    assertThat(reply.code()).isEqualTo(200);
    assertThat(server.getRequestCount()).isEqualTo(2);
    RecordedRequest challenged = take();
    Wire.assertExactLength(challenged, payload);
    assertThat(challenged.getHeaders().get("X-Caller")).isEqualTo("kept");
    RecordedRequest authorized = take();
    Wire.assertExactLength(authorized, payload);
    assertThat(authorized.getHeaders().get("X-Caller")).isEqualTo("kept");
    assertThat(authorized.getHeaders().get("Authorization")).isEqualTo(Origins.BasicAuth.EXPECTED);
  }

  @ParameterizedTest
  @EnumSource(
      value = Body.class,
      names = {"REPEATABLE", "ONE_SHOT"})
  void defaultPolicySendsABodyUpToTheReadAheadWithItsLengthAtOnce(Body body) throws Exception {
    GuardedClient client = client(GuardPolicy.defaults());
    byte[] payload = body.payload((int) GuardPolicy.DEFAULT_PREBUFFER_BYTES);

    GuardedClient.Reply reply = client.post(uri(), body, payload);

    assertThat(reply.code()).isEqualTo(200);
    assertThat(server.getRequestCount()).isEqualTo(1);
    Wire.assertExactLength(take(), payload);
  }

  @Test
  void aBodyThatReplaysEmptyIsResentWithTheBytesOfItsFirstSend() throws Exception {
    // Finding 1: the body claims to be repeatable, but written again it is empty. The guard never
    // writes it again: the resend carries what the first send wrote.
    GuardedClient client = client(policy(GuardMode.RETRY_ON_411));
    byte[] payload = Body.REPLAYS_EMPTY.payload(8 * KIB);

    GuardedClient.Reply reply = client.post(uri(), Body.REPLAYS_EMPTY, payload);

    assertThat(reply.code()).isEqualTo(200);
    assertThat(reply.body()).isEqualTo(String.valueOf(payload.length));
    assertThat(server.getRequestCount()).isEqualTo(2);
    Wire.assertChunked(take());
    Wire.assertExactLength(take(), payload);
  }

  @Test
  void callerContentLengthIsReportedAsTheCallersLength() throws Exception {
    List<FreezeReason> reasons = new CopyOnWriteArrayList<>();
    GuardListener listener =
        new GuardListener() {
          @Override
          public void bodyFrozen(Origin origin, long bytes, FreezeReason reason) {
            reasons.add(reason);
          }
        };
    GuardedClient client =
        client(GuardPolicy.builder().mode(GuardMode.ADAPTIVE).listener(listener).build());
    byte[] payload = Body.ONE_SHOT.payload(4 * KIB);

    assertThat(
            client
                .post(uri(), Body.ONE_SHOT, payload, new BasicHeader("Content-Length", "4096"))
                .code())
        .isEqualTo(200);

    assertThat(reasons).containsExactly(FreezeReason.CALLER_LENGTH);
    Wire.assertExactLength(take(), payload);
  }

  @Test
  void aFramingRefusalOfAnIdempotentRequestIsNotRetried() throws Exception {
    // Finding 9: HttpClient's retry strategy repeats an IOException on a PUT; the guard's own
    // refusal must not be repeated (nor the body read again).
    List<FindingCode> findings = new CopyOnWriteArrayList<>();
    GuardListener listener =
        new GuardListener() {
          @Override
          public void framingFinding(Origin origin, FramingFinding finding) {
            findings.add(finding.code());
          }
        };
    GuardedClient client =
        client(GuardPolicy.builder().mode(GuardMode.ADAPTIVE).listener(listener).build());
    byte[] payload = Body.REPEATABLE.payload(4 * KIB);

    assertThatThrownBy(
            () ->
                client.send(
                    "PUT",
                    uri(),
                    Body.REPEATABLE,
                    payload,
                    new BasicHeader("Content-Length", "4095")))
        .isInstanceOf(FramingViolationException.class);

    assertThat(findings).containsExactly(FindingCode.LENGTH_MISMATCH);
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void aBodyTooLargeForPrebufferOnAnIdempotentRequestIsNotRetried() throws Exception {
    List<Long> tooLarge = new CopyOnWriteArrayList<>();
    GuardListener listener =
        new GuardListener() {
          @Override
          public void bodyTooLarge(Origin origin, long limit, long bytesRead) {
            tooLarge.add(bytesRead);
          }
        };
    GuardedClient client =
        client(
            GuardPolicy.builder()
                .mode(GuardMode.PREBUFFER)
                .buffering(Buffering.inMemory(KIB))
                .listener(listener)
                .build());

    assertThatThrownBy(
            () -> client.send("PUT", uri(), Body.REPEATABLE, Body.REPEATABLE.payload(4 * KIB)))
        .isInstanceOf(BodyTooLargeException.class);

    assertThat(tooLarge).hasSize(1);
    assertThat(server.getRequestCount()).isZero();
  }

  static Stream<Arguments> emptyBodies() {
    return Stream.of("POST", "PUT", "PATCH", "GET", "HEAD", "DELETE")
        .flatMap(
            method -> Stream.of(null, Body.KNOWN, Body.ONE_SHOT).map(b -> Arguments.of(method, b)));
  }

  @ParameterizedTest
  @MethodSource("emptyBodies")
  void anEmptyBodyCarriesContentLengthZeroOnlyWhereTheMethodTakesABody(
      String method, @Nullable Body body) throws Exception {
    StrictOrigin strict = new StrictOrigin();
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            // A response to HEAD has no body (RFC 9110 §9.3.2).
            if ("HEAD".equals(request.getMethod())) return new MockResponse.Builder().build();
            return strict.dispatch(request);
          }
        });
    GuardedClient client = client(GuardPolicy.defaults());

    assertThat(client.send(method, uri(), body, new byte[0]).code()).isEqualTo(200);

    RecordedRequest request = take();
    assertThat(request.getHeaders().get("Transfer-Encoding")).isNull();
    if (Framing.bodyless(method)) {
      assertThat(request.getHeaders().values("Content-Length")).isEmpty();
    } else {
      assertThat(request.getHeaders().values("Content-Length")).containsExactly("0");
    }
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(
      value = GuardMode.class,
      names = {"RETRY_ON_411", "ADAPTIVE"})
  void defaultSetupRecoversAnEarly411OnABodyPastTheReadAhead(GuardMode mode) throws Exception {
    // haproxy answers 411 and closes without reading the body; no early-response connections.
    server.setDispatcher(new Origins.EarlyLengthRequired(1));
    GuardPolicy policy =
        GuardPolicy.builder().mode(mode).buffering(Buffering.inMemory(32 * MIB)).build();
    GuardedClient client = client(policy, false);
    byte[] payload = Body.ONE_SHOT.payload(16 * MIB);

    assertThat(client.post(uri(), Body.ONE_SHOT, payload).code()).isEqualTo(200);
    assertThat(client.post(uri(), Body.ONE_SHOT, payload).code()).isEqualTo(200);

    RecordedRequest first = take();
    assertThat(first.getHeaders().get("Expect")).isEqualTo("100-continue");
    assertThat(first.getBodySize()).isZero();
    Wire.assertExactLength(take(), payload);
    if (mode == GuardMode.ADAPTIVE) {
      // Learned from the first 411: the next body goes with its length at once.
      assertThat(server.getRequestCount()).isEqualTo(3);
      Wire.assertExactLength(take(), payload);
    } else {
      assertThat(server.getRequestCount()).isEqualTo(4);
    }
  }

  /**
   * Finding 10: after a redirect, the origin that answered 411 is learned, not the first one. Run
   * by the handlers, which sit inside HttpClient's redirects.
   */
  void assertTheOriginThatAnswered411IsLearned() throws Exception {
    List<Origin> refused = new CopyOnWriteArrayList<>();
    GuardListener listener =
        new GuardListener() {
          @Override
          public void lengthRequired(Origin origin, boolean lengthSent) {
            refused.add(origin);
          }
        };
    try (MockWebServer target = Servers.strictOrigin()) {
      String location = "http://127.0.0.1:" + target.getPort() + "/upload";
      server.setDispatcher(
          new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
              return new MockResponse.Builder().code(307).addHeader("Location", location).build();
            }
          });
      GuardedClient client =
          client(
              GuardPolicy.builder()
                  .mode(GuardMode.ADAPTIVE)
                  .prebufferBytes(0)
                  .listener(listener)
                  .build());
      byte[] payload = Body.REPEATABLE.payload(4 * KIB);

      assertThat(client.post(uri(), Body.REPEATABLE, payload).code()).isEqualTo(200);
      assertThat(client.post(uri(), Body.REPEATABLE, payload).code()).isEqualTo(200);

      Origin answered = Origin.of("http", "127.0.0.1", target.getPort());
      assertThat(refused).containsExactly(answered);
      assertThat(target.getRequestCount()).isEqualTo(3);
      Wire.assertChunked(target.takeRequest());
      Wire.assertExactLength(target.takeRequest(), payload);
      // Learned: the second body goes to the origin that wanted a length with its length.
      Wire.assertExactLength(target.takeRequest(), payload);
      server.setDispatcher(new StrictOrigin());
    }
  }

  static void awaitNoLeasedConnection(GuardedClient client) throws InterruptedException {
    // The async client hands back its connection just after the response completes.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (client.leased() != 0 && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    assertThat(client.leased()).as("leased connections").isZero();
  }
}
