package io.lengthguard.jdk;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.BodyTooLargeException;
import io.lengthguard.Buffering;
import io.lengthguard.GuardMode;
import io.lengthguard.GuardPolicy;
import io.lengthguard.Origin;
import io.lengthguard.testing.GuardThreads;
import io.lengthguard.testing.Payloads;
import io.lengthguard.testing.RawOrigin;
import io.lengthguard.testing.RecordingListener;
import io.lengthguard.testing.StrictOrigin;
import io.lengthguard.testing.Wire;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.QueueDispatcher;
import mockwebserver3.RecordedRequest;
import okhttp3.Protocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LengthGuardHttpClientTest {
  private static final int KIB = 1024;
  private static final int MIB = 1024 * 1024;

  private final List<MockWebServer> servers = new ArrayList<>();
  private final RecordingListener listener = new RecordingListener();
  private final StrictOrigin strict = new StrictOrigin();
  private final TestPublishers.Counts counts = new TestPublishers.Counts();
  private MockWebServer server;
  private Origin origin;

  @BeforeEach
  void startServer() throws IOException {
    server = newServer(List.of(Protocol.HTTP_1_1));
    origin = Origin.of("http", "127.0.0.1", server.getPort());
  }

  @AfterEach
  void stopServers() {
    for (MockWebServer s : servers) s.close();
  }

  @Test
  void wrapRejectsNulls() {
    assertThatThrownBy(() -> LengthGuardHttpClient.wrap(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("client == null");
    assertThatThrownBy(() -> LengthGuardHttpClient.wrap(HttpClient.newHttpClient(), null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("policy == null");
  }

  @Test
  void wrapUsesDefaultPolicy() {
    assertThat(LengthGuardHttpClient.wrap(HttpClient.newHttpClient()).policy())
        .isSameAs(GuardPolicy.defaults());
  }

  @Test
  void knownLengthBodyGoesToTheClientAsItIs() throws Exception {
    server.setDispatcher(strict);
    RecordingClient recording = new RecordingClient(jdkClient());
    HttpClient client = LengthGuardHttpClient.wrap(recording, policy(GuardMode.PREBUFFER));
    byte[] payload = Payloads.bytes(5000);
    HttpRequest request = post(HttpRequest.BodyPublishers.ofByteArray(payload));

    HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> async =
        client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).get(30, SECONDS);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(async.statusCode()).isEqualTo(200);
    assertThat(recording.requests()).containsExactly(request, request);
    Wire.assertExactLength(take(), payload);
    Wire.assertExactLength(take(), payload);
    assertThat(listener.events()).isEmpty();
  }

  @Test
  void bodylessRequestGoesToTheClientAsItIs() throws Exception {
    server.setDispatcher(strict);
    RecordingClient recording = new RecordingClient(jdkClient());
    HttpClient client = LengthGuardHttpClient.wrap(recording, policy(GuardMode.PREBUFFER));
    HttpRequest request = HttpRequest.newBuilder(url()).timeout(Duration.ofSeconds(30)).build();

    HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(recording.requests()).containsExactly(request);
    assertThat(take().getMethod()).isEqualTo("GET");
    assertThat(listener.events()).isEmpty();
  }

  /** Each mode, each kind of publisher of unknown length, each size, through send and sendAsync. */
  static Stream<Arguments> strictCases() {
    List<Arguments> cases = new ArrayList<>();
    for (GuardMode mode : GuardMode.values()) {
      for (String kind : List.of("ofInputStream", "Flow.Publisher")) {
        for (int size : new int[] {0, KIB, MIB + 1}) {
          for (boolean async : new boolean[] {false, true}) {
            cases.add(Arguments.of(mode, kind, size, async));
          }
        }
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}, {1}, {2} bytes, async={3}")
  @MethodSource("strictCases")
  void deliversTheExactBytesToAStrictOrigin(GuardMode mode, String kind, int size, boolean async)
      throws Exception {
    server.setDispatcher(strict);
    // No read-ahead outside PREBUFFER: the body streams, so a 411 is met and answered.
    HttpClient client = guarded(policyBuilder(mode).prebufferBytes(0).build());
    byte[] payload = Payloads.bytes(size);

    HttpResponse<String> response = call(client, post(body(kind, payload)), async);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(String.valueOf(size));
    assertThat(counts.subscriptions).as("subscriptions to the caller's publisher").hasValue(1);
    if (mode == GuardMode.PREBUFFER || size == 0) {
      Wire.assertExactLength(take(), payload);
      assertThat(server.getRequestCount()).isEqualTo(1);
      assertThat(listener.events())
          .containsExactly(
              "bodyFrozen "
                  + origin
                  + " "
                  + size
                  + (mode == GuardMode.PREBUFFER ? " PREBUFFER" : " READ_AHEAD"));
    } else {
      Wire.assertChunked(take());
      Wire.assertExactLength(take(), payload);
      assertThat(server.getRequestCount()).isEqualTo(2);
      assertThat(listener.events()).containsExactlyElementsOf(resentAfter411(size));
    }
  }

  @Test
  void adaptiveSendsTheLengthFirstOnceTheOriginAnswered411() throws Exception {
    server.setDispatcher(strict);
    HttpClient client = guarded(policyBuilder(GuardMode.ADAPTIVE).prebufferBytes(0).build());
    byte[] payload = Payloads.bytes(MIB + 1);

    HttpResponse<String> first =
        client.send(post(body("ofInputStream", payload)), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> second =
        client
            .sendAsync(post(body("Flow.Publisher", payload)), HttpResponse.BodyHandlers.ofString())
            .get(30, SECONDS);

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(second.statusCode()).isEqualTo(200);
    Wire.assertChunked(take());
    Wire.assertExactLength(take(), payload);
    Wire.assertExactLength(take(), payload);
    assertThat(server.getRequestCount()).isEqualTo(3);
    List<String> expected = new ArrayList<>(resentAfter411(MIB + 1));
    expected.add("bodyFrozen " + origin + " " + (MIB + 1) + " LEARNED_ORIGIN");
    assertThat(listener.events()).containsExactlyElementsOf(expected);
  }

  @Test
  void readAheadSendsASmallBodyWithItsLengthAtOnce() throws Exception {
    server.setDispatcher(strict);
    HttpClient client = guarded(policy(GuardMode.RETRY_ON_411)); // read-ahead: 1 MiB
    byte[] payload = Payloads.bytes(KIB);

    HttpResponse<String> response =
        client.send(post(body("ofInputStream", payload)), HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    Wire.assertExactLength(take(), payload);
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(listener.events()).containsExactly("bodyFrozen " + origin + " 1024 READ_AHEAD");
  }

  @ParameterizedTest(name = "{0}, async={1}")
  @MethodSource("spillCases")
  void sixteenMebibytesSpilledToDiskArriveExactly(GuardMode mode, boolean async, @TempDir Path dir)
      throws Exception {
    server.setDispatcher(strict);
    GuardPolicy policy =
        policyBuilder(mode)
            .prebufferBytes(0)
            .buffering(Buffering.spillToDisk(MIB, 32L * MIB, dir))
            .build();
    HttpClient client = guarded(policy);
    byte[] payload = Payloads.bytes(16 * MIB);

    HttpResponse<String> response = call(client, post(body("Flow.Publisher", payload)), async);

    assertThat(response.statusCode()).isEqualTo(200);
    if (mode == GuardMode.PREBUFFER) {
      Wire.assertExactLength(take(), payload);
      assertThat(server.getRequestCount()).isEqualTo(1);
    } else {
      Wire.assertChunked(take());
      Wire.assertExactLength(take(), payload);
      assertThat(server.getRequestCount()).isEqualTo(2);
    }
    // The spill file was deleted once the call had its response.
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).isEmpty();
    }
  }

  static Stream<Arguments> spillCases() {
    return Stream.of(
        Arguments.of(GuardMode.PREBUFFER, false),
        Arguments.of(GuardMode.RETRY_ON_411, false),
        Arguments.of(GuardMode.RETRY_ON_411, true),
        Arguments.of(GuardMode.ADAPTIVE, true));
  }

  @Test
  void prebufferRefusesABodyOverTheLimitBeforeSending() {
    server.setDispatcher(strict);
    HttpClient client =
        guarded(policyBuilder(GuardMode.PREBUFFER).buffering(Buffering.inMemory(KIB)).build());
    HttpRequest request = post(body("ofInputStream", Payloads.bytes(KIB + 1)));

    assertThatThrownBy(() -> client.send(request, HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(BodyTooLargeException.class);
    assertThat(server.getRequestCount()).isZero();
    assertThat(listener.events()).containsExactly("bodyTooLarge " + origin + " 1024");
  }

  @Test
  void a411ToTheResendIsHandedBack() throws Exception {
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            return new MockResponse.Builder().code(411).body("Length Required").build();
          }
        });
    HttpClient client = guarded(policyBuilder(GuardMode.RETRY_ON_411).prebufferBytes(0).build());
    byte[] payload = Payloads.bytes(KIB);

    HttpResponse<String> response =
        client.send(post(body("ofInputStream", payload)), HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(411);
    assertThat(response.body()).isEqualTo("Length Required");
    Wire.assertChunked(take());
    Wire.assertExactLength(take(), payload);
    assertThat(server.getRequestCount()).isEqualTo(2);
    assertThat(listener.events())
        .containsExactly(
            "lengthRequired " + origin + " lengthSent=false",
            "bodyFrozen " + origin + " 1024 LENGTH_REQUIRED",
            "resent " + origin + " 1024",
            "lengthRequired " + origin + " lengthSent=true",
            "gaveUp " + origin + " LENGTH_REFUSED");
  }

  @ParameterizedTest(name = "{0} bytes")
  @MethodSource("earlySizes")
  void anEarly411ThatClosesIsAnsweredOrFailsVisibly(int size) throws Exception {
    QueueDispatcher queue = new QueueDispatcher();
    queue.enqueue(
        new MockResponse.Builder()
            .code(411)
            .body("Length Required")
            .doNotReadRequestBody()
            .build());
    queue.enqueue(new MockResponse.Builder().code(200).body("ok").build());
    server.setDispatcher(queue);
    // Room for a copy of the largest body: a 411 to it can be answered.
    HttpClient client =
        guarded(
            policyBuilder(GuardMode.RETRY_ON_411)
                .prebufferBytes(0)
                .buffering(Buffering.inMemory(32L * MIB))
                .build());
    byte[] payload = Payloads.bytes(size);

    HttpResponse<String> response;
    try {
      response =
          client.send(post(body("ofInputStream", payload)), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      // Nothing reached the origin but the first request, and the failure is the caller's to see.
      assertThat(server.getRequestCount()).isEqualTo(1);
      if (!listener.events().isEmpty()) {
        // The client kept the 411's connection, which the origin closed, and sent the resend on
        // it: the JDK gives no way to close a connection, and does not retry a POST on one that
        // went stale. The resend reached nothing.
        assertThat(listener.events()).containsExactlyElementsOf(resentAfter411(size).subList(0, 3));
      }
      // Else the client lost the 411 to its failed write, and the guard heard nothing.
      return;
    }
    assertThat(response.statusCode()).isEqualTo(200);
    take();
    Wire.assertExactLength(take(), payload);
    assertThat(listener.events()).containsExactlyElementsOf(resentAfter411(size));
  }

  static Stream<Integer> earlySizes() {
    return Stream.of(KIB, MIB + 1, 16 * MIB);
  }

  @Test
  void expectContinueGets411BeforeAnyByteIsSentFromJava21On() throws Exception {
    boolean expects = Runtime.version().feature() >= 21;
    MockResponse.Builder lengthRequired =
        new MockResponse.Builder().code(411).body("Length Required");
    // With Expect, the 411 comes before any byte of the body. Without it (Java 17), a server that
    // closed without reading the body could reset the connection before the client read the 411:
    // this one reads it, so that the test is about the header alone.
    if (expects) lengthRequired.doNotReadRequestBody();
    QueueDispatcher queue = new QueueDispatcher();
    queue.enqueue(lengthRequired.build());
    queue.enqueue(new MockResponse.Builder().code(200).body("ok").build());
    server.setDispatcher(queue);
    HttpClient client =
        guarded(
            policyBuilder(GuardMode.RETRY_ON_411).prebufferBytes(0).expectContinue(true).build());
    byte[] payload = Payloads.bytes(KIB);

    HttpResponse<String> response =
        client.send(post(body("Flow.Publisher", payload)), HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    RecordedRequest first = take();
    assertThat(first.getBodySize()).isEqualTo(expects ? 0 : KIB);
    // Java 17's client hangs on a 411 to Expect: 100-continue: the guard leaves it out there.
    String expect = first.getHeaders().get("Expect");
    assertThat(expect == null ? null : expect.toLowerCase(Locale.ROOT))
        .isEqualTo(expects ? "100-continue" : null);
    RecordedRequest second = take();
    Wire.assertExactLength(second, payload);
    assertThat(second.getHeaders().get("Expect")).isNull();
    assertThat(listener.events()).containsExactlyElementsOf(resentAfter411(KIB));
  }

  @Test
  void a417ToTheGuardsExpectSendsTheBodyOnceMoreWithoutItAndTeachesTheOrigin() throws Exception {
    boolean expects = Runtime.version().feature() >= 21;
    try (RawOrigin refusing = RawOrigin.start(true)) {
      HttpClient client = expectingContinue();
      byte[] payload = Payloads.bytes(256 * KIB);

      HttpResponse<String> response =
          client.send(
              postTo(refusing, body("Flow.Publisher", payload), false),
              HttpResponse.BodyHandlers.ofString());

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("received " + payload.length);
      List<RawOrigin.Received> received = refusing.received();
      // Java 17's client hangs on a final status to Expect: the guard leaves it out there, and the
      // origin gets the body at once.
      assertThat(received).hasSize(expects ? 2 : 1);
      if (expects) Wire.assertAskedContinue(received.get(0));
      Wire.assertChunkedWithoutExpect(received.get(received.size() - 1), payload);

      // The origin is remembered: the next body goes without Expect, once.
      HttpResponse<String> next =
          client.send(
              postTo(refusing, body("ofInputStream", payload), false),
              HttpResponse.BodyHandlers.ofString());

      assertThat(next.statusCode()).isEqualTo(200);
      List<RawOrigin.Received> all = refusing.received();
      assertThat(all).hasSize(received.size() + 1);
      Wire.assertChunkedWithoutExpect(all.get(all.size() - 1), payload);
    }
  }

  /** Returns a client whose guard streams every body and asks for 100 (Continue) first. */
  private HttpClient expectingContinue() {
    return guarded(
        policyBuilder(GuardMode.RETRY_ON_411).prebufferBytes(0).expectContinue(true).build());
  }

  private static HttpRequest postTo(
      RawOrigin origin, HttpRequest.BodyPublisher body, boolean expectContinue) {
    return HttpRequest.newBuilder(origin.uri())
        .POST(body)
        .expectContinue(expectContinue)
        .timeout(Duration.ofSeconds(60))
        .build();
  }

  @Test
  void resendKeepsEveryHeaderAndSettingAndAddsTheDigest() throws Exception {
    server.setDispatcher(strict);
    RecordingClient recording = new RecordingClient(jdkClient());
    GuardPolicy policy =
        policyBuilder(GuardMode.RETRY_ON_411).prebufferBytes(0).contentDigest("sha-256").build();
    HttpClient client = LengthGuardHttpClient.wrap(recording, policy);
    byte[] payload = Payloads.bytes(3 * KIB);
    HttpRequest request =
        HttpRequest.newBuilder(url())
            .PUT(body("Flow.Publisher", payload))
            .header("Authorization", "Bearer abc")
            .header("X-Request-Id", "42")
            .header("Content-Type", "application/octet-stream")
            .timeout(Duration.ofSeconds(29))
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    take();
    RecordedRequest resent = take();
    Wire.assertExactLength(resent, payload);
    assertThat(resent.getMethod()).isEqualTo("PUT");
    assertThat(resent.getHeaders().get("Authorization")).isEqualTo("Bearer abc");
    assertThat(resent.getHeaders().get("X-Request-Id")).isEqualTo("42");
    assertThat(resent.getHeaders().get("Content-Type")).isEqualTo("application/octet-stream");
    assertThat(resent.getHeaders().get("Content-Digest")).isEqualTo(sha256Digest(payload));
    List<HttpRequest> sent = recording.requests();
    assertThat(sent).hasSize(2);
    for (HttpRequest copy : sent) {
      assertThat(copy.method()).isEqualTo("PUT");
      assertThat(copy.uri()).isEqualTo(request.uri());
      assertThat(copy.timeout()).isEqualTo(request.timeout());
      assertThat(copy.version()).isEqualTo(request.version());
      assertThat(copy.expectContinue()).isFalse();
    }
    assertThat(sent.get(0).headers()).isEqualTo(request.headers());
    Map<String, List<String>> withDigest = new HashMap<>(request.headers().map());
    withDigest.put("Content-Digest", List.of(sha256Digest(payload)));
    assertThat(sent.get(1).headers().map()).isEqualTo(withDigest);
    assertThat(sent.get(1).bodyPublisher().orElseThrow().contentLength()).isEqualTo(3 * KIB);
  }

  @Test
  void aStreamedBodyIsSentAgainFromTheGuardsCopyForARedirect() throws Exception {
    QueueDispatcher queue = new QueueDispatcher();
    queue.enqueue(new MockResponse.Builder().code(307).addHeader("Location", "/moved").build());
    queue.enqueue(new MockResponse.Builder().code(200).body("ok").build());
    server.setDispatcher(queue);
    HttpClient client =
        LengthGuardHttpClient.wrap(
            HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build(),
            policyBuilder(GuardMode.RETRY_ON_411).prebufferBytes(0).listener(listener).build());
    byte[] payload = Payloads.bytes(64 * KIB + 1);
    AtomicInteger opened = new AtomicInteger();
    HttpRequest request =
        post(
            HttpRequest.BodyPublishers.ofInputStream(
                () -> {
                  opened.incrementAndGet();
                  return new ByteArrayInputStream(payload);
                }));

    HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    Wire.assertChunked(take(), payload);
    RecordedRequest moved = take();
    assertThat(moved.getTarget()).isEqualTo("/moved");
    Wire.assertChunked(moved, payload);
    assertThat(server.getRequestCount()).isEqualTo(2);
    assertThat(opened).as("times the caller's stream was opened").hasValue(1);
  }

  @Test
  void aStreamedBodyWithoutACopyIsNotSentAgainForARedirect() throws Exception {
    QueueDispatcher queue = new QueueDispatcher();
    queue.enqueue(new MockResponse.Builder().code(307).addHeader("Location", "/moved").build());
    queue.enqueue(new MockResponse.Builder().code(200).body("ok").build());
    server.setDispatcher(queue);
    HttpClient client =
        LengthGuardHttpClient.wrap(
            HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build(),
            policyBuilder(GuardMode.RETRY_ON_411)
                .buffering(Buffering.inMemory(KIB))
                .prebufferBytes(0)
                .listener(listener)
                .build());
    byte[] payload = Payloads.bytes(4 * KIB);

    assertThatThrownBy(
            () ->
                client.send(
                    post(body("ofInputStream", payload)), HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class)
        .hasStackTraceContaining("no copy of it was kept");
    Wire.assertChunked(take(), payload);
    // The client sent the redirect's head, then failed its body: no complete request reached it.
    RecordedRequest moved = server.takeRequest(5, SECONDS);
    if (moved != null) assertThat(moved.getFailure()).isNotNull();
  }

  @Test
  void aFrozenBodyIsSentAgainForARedirect() throws Exception {
    QueueDispatcher queue = new QueueDispatcher();
    queue.enqueue(new MockResponse.Builder().code(307).addHeader("Location", "/moved").build());
    queue.enqueue(new MockResponse.Builder().code(200).body("ok").build());
    server.setDispatcher(queue);
    HttpClient client =
        LengthGuardHttpClient.wrap(
            HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build(),
            policyBuilder(GuardMode.PREBUFFER).listener(listener).build());
    byte[] payload = Payloads.bytes(KIB);

    HttpResponse<String> response =
        client.send(post(body("ofInputStream", payload)), HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    Wire.assertExactLength(take(), payload);
    RecordedRequest moved = take();
    assertThat(moved.getTarget()).isEqualTo("/moved");
    Wire.assertExactLength(moved, payload);
  }

  @Test
  void a411AfterARedirectIsCountedForTheOriginThatAnsweredIt() throws Exception {
    MockWebServer other = newServer(List.of(Protocol.HTTP_1_1));
    other.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            return new MockResponse.Builder().code(411).body("Length Required").build();
          }
        });
    Origin otherOrigin = Origin.of("http", "127.0.0.1", other.getPort());
    server.enqueue(
        new MockResponse.Builder()
            .code(307)
            .addHeader("Location", "http://127.0.0.1:" + other.getPort() + "/upload")
            .build());
    HttpClient client =
        LengthGuardHttpClient.wrap(
            HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.ALWAYS)
                .build(),
            policy(GuardMode.ADAPTIVE));
    byte[] payload = Payloads.bytes(KIB);

    HttpResponse<String> response =
        client.send(post(body("ofInputStream", payload)), HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(411);
    Wire.assertExactLength(take(), payload);
    Wire.assertExactLength(other.takeRequest(30, SECONDS), payload);
    assertThat(listener.events())
        .containsExactly(
            "bodyFrozen " + origin + " 1024 READ_AHEAD",
            "lengthRequired " + otherOrigin + " lengthSent=true",
            "gaveUp " + otherOrigin + " LENGTH_REFUSED");
  }

  @Test
  void the411sStreamIsClosedAndTheResendGetsTheCallersHandler() throws Exception {
    server.setDispatcher(strict);
    HttpClient client = guarded(policyBuilder(GuardMode.RETRY_ON_411).prebufferBytes(0).build());
    byte[] payload = Payloads.bytes(KIB);

    HttpResponse<InputStream> response =
        client.send(
            post(body("ofInputStream", payload)), HttpResponse.BodyHandlers.ofInputStream());

    assertThat(response.statusCode()).isEqualTo(200);
    try (InputStream in = response.body()) {
      assertThat(in.readAllBytes()).asString().isEqualTo("1024");
    }
    Wire.assertChunked(take());
    Wire.assertExactLength(take(), payload);
  }

  @Test
  void sendAsyncReturnsBeforeTheCallersPublisherPublishes() throws Exception {
    server.setDispatcher(strict);
    HttpClient client = guarded(policy(GuardMode.PREBUFFER));
    byte[] payload = Payloads.bytes(KIB);
    CountDownLatch release = new CountDownLatch(1);
    HttpRequest.BodyPublisher gated =
        HttpRequest.BodyPublishers.ofInputStream(
            () -> {
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return new java.io.ByteArrayInputStream(payload);
            });

    CompletableFuture<HttpResponse<String>> future =
        client.sendAsync(post(gated), HttpResponse.BodyHandlers.ofString());

    assertThat(future).isNotDone();
    release.countDown();
    assertThat(future.get(30, SECONDS).statusCode()).isEqualTo(200);
    Wire.assertExactLength(take(), payload);
  }

  @Test
  void noGuardThreadWaitsForTheResponseToABodyWithinTheReadAhead() throws Exception {
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            return new MockResponse.Builder()
                .code(200)
                .body("ok")
                .headersDelay(500, java.util.concurrent.TimeUnit.MILLISECONDS)
                .build();
          }
        });
    HttpClient client = guarded(GuardPolicy.defaults());
    byte[] payload = Payloads.bytes(4 * KIB);

    CompletableFuture<HttpResponse<String>> future =
        client.sendAsync(
            post(body("ofInputStream", payload)), HttpResponse.BodyHandlers.ofString());
    RecordedRequest request = take();

    // The request is on the server, its answer 500 ms away: no thread of the guard's waits for
    // it (the exchange decides on it on the client's thread, when it comes).
    Thread.sleep(100);
    assertThat(future).isNotDone();
    assertThat(GuardThreads.runningIn(JdkTransport.class.getName())).isEmpty();

    assertThat(future.get(30, SECONDS).body()).isEqualTo("ok");
    Wire.assertExactLength(request, payload);
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void cancelingSendAsyncCancelsTheCallersPublisherAndTheClientsSend() throws Exception {
    server.setDispatcher(strict);
    HttpClient client = guarded(policyBuilder(GuardMode.RETRY_ON_411).prebufferBytes(0).build());
    StallingPublisher stalling = new StallingPublisher(Payloads.bytes(64 * KIB));

    CompletableFuture<HttpResponse<String>> future =
        client.sendAsync(
            post(HttpRequest.BodyPublishers.fromPublisher(stalling)),
            HttpResponse.BodyHandlers.ofString());
    assertThat(stalling.firstSent.await(30, SECONDS)).as("first buffer published").isTrue();
    future.cancel(true);

    assertThat(stalling.canceled.await(30, SECONDS)).as("publisher canceled").isTrue();
    assertThat(future).isCancelled();
    assertThat(strict.acceptedCount()).isZero();
  }

  @Test
  void sixtyFourConcurrentSendAsyncCallsArriveByteExact() throws Exception {
    server.setDispatcher(strict);
    HttpClient client = guarded(policyBuilder(GuardMode.RETRY_ON_411).prebufferBytes(0).build());
    int calls = 64;
    List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      byte[] payload = Payloads.bytes(16 * KIB + i, i);
      HttpRequest request =
          HttpRequest.newBuilder(url())
              .POST(i % 2 == 0 ? body("ofInputStream", payload) : body("Flow.Publisher", payload))
              .header("X-Call", String.valueOf(i))
              .timeout(Duration.ofSeconds(60))
              .build();
      futures.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
    }

    for (int i = 0; i < calls; i++) {
      HttpResponse<String> response = futures.get(i).get(60, SECONDS);
      assertThat(response.statusCode()).as("call %s", i).isEqualTo(200);
      assertThat(response.body()).isEqualTo(String.valueOf(16 * KIB + i));
    }
    Map<String, List<RecordedRequest>> byCall = new HashMap<>();
    for (int i = 0; i < 2 * calls; i++) {
      RecordedRequest request = take();
      byCall
          .computeIfAbsent(request.getHeaders().get("X-Call"), k -> new ArrayList<>())
          .add(request);
    }
    assertThat(byCall).hasSize(calls);
    for (int i = 0; i < calls; i++) {
      List<RecordedRequest> requests = byCall.get(String.valueOf(i));
      assertThat(requests).as("requests of call %s", i).hasSize(2);
      Wire.assertChunked(requests.get(0));
      Wire.assertExactLength(requests.get(1), Payloads.bytes(16 * KIB + i, i));
    }
  }

  private HttpResponse<String> call(HttpClient client, HttpRequest request, boolean async)
      throws Exception {
    if (!async) return client.send(request, HttpResponse.BodyHandlers.ofString());
    return client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).get(60, SECONDS);
  }

  private List<String> resentAfter411(int size) {
    return List.of(
        "lengthRequired " + origin + " lengthSent=false",
        "bodyFrozen " + origin + " " + size + " LENGTH_REQUIRED",
        "resent " + origin + " " + size,
        "recovered " + origin + " 200");
  }

  private HttpRequest.BodyPublisher body(String kind, byte[] payload) {
    return kind.equals("ofInputStream")
        ? TestPublishers.ofInputStream(payload, counts)
        : TestPublishers.chunks(payload, 3000, counts);
  }

  private GuardPolicy policy(GuardMode mode) {
    return policyBuilder(mode).build();
  }

  private GuardPolicy.Builder policyBuilder(GuardMode mode) {
    return GuardPolicy.builder().mode(mode).listener(listener);
  }

  private static HttpClient jdkClient() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  private static HttpClient guarded(GuardPolicy policy) {
    return LengthGuardHttpClient.wrap(jdkClient(), policy);
  }

  private HttpRequest post(HttpRequest.BodyPublisher body) {
    return HttpRequest.newBuilder(url()).POST(body).timeout(Duration.ofSeconds(60)).build();
  }

  private URI url() {
    return URI.create("http://127.0.0.1:" + server.getPort() + "/upload");
  }

  private MockWebServer newServer(List<Protocol> protocols) throws IOException {
    MockWebServer result = new MockWebServer();
    servers.add(result);
    result.setProtocols(protocols);
    result.start(InetAddress.getByName("127.0.0.1"), 0);
    return result;
  }

  private RecordedRequest take() throws InterruptedException {
    RecordedRequest request = server.takeRequest(30, SECONDS);
    assertThat(request).as("a request within 30 s").isNotNull();
    return request;
  }

  static String sha256Digest(byte[] bytes) throws Exception {
    byte[] hash = MessageDigest.getInstance("SHA-256").digest(bytes);
    return "sha-256=:" + Base64.getEncoder().encodeToString(hash) + ":";
  }

  /** Publishes one buffer, then waits for demand it never honours, until canceled. */
  private static final class StallingPublisher implements Flow.Publisher<ByteBuffer> {
    private final byte[] first;
    final CountDownLatch firstSent = new CountDownLatch(1);
    final CountDownLatch canceled = new CountDownLatch(1);

    StallingPublisher(byte[] first) {
      this.first = first;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
      subscriber.onSubscribe(
          new Flow.Subscription() {
            private boolean sent;

            @Override
            public synchronized void request(long n) {
              if (sent) return;
              sent = true;
              subscriber.onNext(ByteBuffer.wrap(first));
              firstSent.countDown();
            }

            @Override
            public void cancel() {
              canceled.countDown();
            }
          });
    }
  }
}
