package io.lengthguard.spring;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.Buffering;
import io.lengthguard.GuardMode;
import io.lengthguard.GuardPolicy;
import io.lengthguard.LengthGuard;
import io.lengthguard.Origin;
import io.lengthguard.testing.GuardThreads;
import io.lengthguard.testing.Payloads;
import io.lengthguard.testing.RecordingListener;
import io.lengthguard.testing.Wire;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.NettyDataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

@Timeout(60)
class LengthGuardClientHttpConnectorTest {
  private static final int KIB = 1024;
  private static final int MIB = 1024 * 1024;

  @TempDir Path dir;
  private final RecordingListener listener = new RecordingListener();
  private final List<ClientHttpConnector> connectors = new ArrayList<>();
  private WireServer wire;
  private Origin origin;

  @BeforeEach
  void start() throws IOException {
    wire = new WireServer();
    origin = Origin.of("http", "127.0.0.1", wire.server.getPort());
  }

  @AfterEach
  void stop() throws IOException {
    for (ClientHttpConnector connector : connectors) ConnectorKind.close(connector);
    wire.close();
  }

  @AfterAll
  static void noBufferLeaked() {
    assertThat(NettyLeaks.collect()).isEmpty();
  }

  static Stream<Arguments> cells() {
    List<Arguments> cells = new ArrayList<>();
    for (ConnectorKind connector : ConnectorKind.values()) {
      for (ReactiveBodyKind kind : ReactiveBodyKind.values()) {
        for (int size : new int[] {0, KIB, MIB + 1}) cells.add(Arguments.of(connector, kind, size));
      }
    }
    return cells.stream();
  }

  @ParameterizedTest(name = "{0} {1} {2} bytes")
  @MethodSource("cells")
  void webClientStreamsThenResendsExactBytes(
      ConnectorKind connector, ReactiveBodyKind kind, int size) throws Exception {
    byte[] payload = kind.payload(size);
    WebClient client = WebClient.builder().clientConnector(guarded(connector, streamed())).build();

    assertThat(kind.post(client, wire.url(), payload, dir)).isEqualTo(200);

    assertDelivered(kind, payload);
  }

  static Stream<Arguments> largeCells() {
    return Stream.of(
        Arguments.of(ConnectorKind.REACTOR, ReactiveBodyKind.POOLED_BUFFERS),
        Arguments.of(ConnectorKind.JDK, ReactiveBodyKind.MULTIPART),
        Arguments.of(ConnectorKind.HTTP_COMPONENTS, ReactiveBodyKind.INPUT_STREAM_RESOURCE));
  }

  /** 16 MiB, held for the resend in 1 MiB of memory and a spill file. */
  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("largeCells")
  void sixteenMebibytesSpillToDiskAndGoAgainByteForByte(
      ConnectorKind connector, ReactiveBodyKind kind) throws Exception {
    byte[] payload = kind.payload(16 * MIB);
    GuardPolicy policy =
        streamed().newBuilder().buffering(Buffering.spillToDisk(MIB, 64L * MIB, dir)).build();
    WebClient client = WebClient.builder().clientConnector(guarded(connector, policy)).build();

    assertThat(kind.post(client, wire.url(), payload, dir)).isEqualTo(200);

    assertDelivered(kind, payload);
  }

  /**
   * The control: without the guard, a Flux body goes chunked, and the strict origin says 411. (Heap
   * buffers here: the bare JDK connector drops a pooled buffer it took when the 411 ends the send.)
   */
  @ParameterizedTest
  @EnumSource(ConnectorKind.class)
  void bareConnectorGetsLengthRequired(ConnectorKind connector) throws Exception {
    WebClient client = WebClient.builder().clientConnector(create(connector)).build();

    int status =
        ReactiveBodyKind.INPUT_STREAM_RESOURCE.post(client, wire.url(), Payloads.bytes(KIB), dir);

    assertThat(status).isEqualTo(411);
    Wire.assertChunked(wire.take());
  }

  /**
   * A 411 sent before the body was read, on a connection the server then resets: the client may
   * lose it, bare or guarded. Nothing is lost silently.
   */
  @ParameterizedTest
  @EnumSource(ConnectorKind.class)
  void earlyLengthRequiredAndCloseRecoversOrFailsAsTheClient(ConnectorKind connector)
      throws Exception {
    wire.answer(WireServer.earlyLengthRequired(), WireServer.ok());
    byte[] payload = Payloads.bytes(KIB);
    WebClient client = WebClient.builder().clientConnector(guarded(connector, streamed())).build();

    Integer status;
    try {
      status = ReactiveBodyKind.POOLED_BUFFERS.post(client, wire.url(), payload, dir);
    } catch (WebClientRequestException e) {
      status = null;
    }

    Wire.assertChunked(wire.take());
    if (status == null) {
      assertThat(wire.requestCount()).isEqualTo(1);
    } else {
      assertThat(status).isEqualTo(200);
      Wire.assertExactLength(wire.take(), payload);
      assertThat(wire.requestCount()).isEqualTo(2);
    }
  }

  @ParameterizedTest
  @EnumSource(ConnectorKind.class)
  void secondLengthRequiredGoesBackToTheCaller(ConnectorKind connector) throws Exception {
    wire.answer(WireServer.lengthRequired(), WireServer.lengthRequired());
    byte[] payload = Payloads.bytes(KIB);
    WebClient client = WebClient.builder().clientConnector(guarded(connector, streamed())).build();

    int status = ReactiveBodyKind.POOLED_BUFFERS.post(client, wire.url(), payload, dir);

    assertThat(status).isEqualTo(411);
    Wire.assertChunked(wire.take());
    Wire.assertExactLength(wire.take(), payload);
    assertThat(wire.requestCount()).isEqualTo(2);
    assertThat(listener.events()).contains("gaveUp " + origin + " LENGTH_REFUSED");
  }

  /** A single-value body already has its length: it passes through. */
  @ParameterizedTest
  @EnumSource(ConnectorKind.class)
  void knownLengthPassesThroughUntouched(ConnectorKind connector) throws Exception {
    WebClient client = WebClient.builder().clientConnector(guarded(connector, streamed())).build();
    byte[] payload = Payloads.bytes(5000);

    Integer status =
        client
            .put()
            .uri(wire.url())
            .header("X-Trace", "t-3")
            .contentType(MediaType.APPLICATION_OCTET_STREAM)
            .bodyValue(payload)
            .exchangeToMono(r -> r.releaseBody().thenReturn(r.statusCode().value()))
            .block();

    assertThat(status).isEqualTo(200);
    RecordedRequest only = wire.take();
    Wire.assertExactLength(only, payload);
    assertThat(only.getMethod()).isEqualTo("PUT");
    assertThat(only.getHeaders().get("X-Trace")).isEqualTo("t-3");
    assertThat(wire.requestCount()).isEqualTo(1);
    assertThat(listener.events()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(ConnectorKind.class)
  void requestWithoutBodyPassesThroughUntouched(ConnectorKind connector) throws Exception {
    WebClient client = WebClient.builder().clientConnector(guarded(connector, streamed())).build();

    Integer status =
        client
            .get()
            .uri(wire.url())
            .cookie("session", "s-1")
            .exchangeToMono(r -> r.releaseBody().thenReturn(r.statusCode().value()))
            .block();

    assertThat(status).isEqualTo(200);
    RecordedRequest only = wire.take();
    assertThat(only.getMethod()).isEqualTo("GET");
    assertThat(only.getHeaders().get("Cookie")).isEqualTo("session=s-1");
    assertThat(only.getHeaders().get("Transfer-Encoding")).isNull();
    assertThat(listener.events()).isEmpty();
  }

  @Test
  void prebufferSendsOnceWithExactLength() throws Exception {
    GuardPolicy policy = GuardPolicy.builder().mode(GuardMode.PREBUFFER).listener(listener).build();
    WebClient client =
        WebClient.builder().clientConnector(guarded(ConnectorKind.REACTOR, policy)).build();
    byte[] payload = Payloads.bytes(64 * KIB);

    assertThat(ReactiveBodyKind.POOLED_BUFFERS.post(client, wire.url(), payload, dir))
        .isEqualTo(200);

    assertThat(wire.assertOneWithLength()).isEqualTo(payload);
  }

  @Test
  void adaptiveRemembersTheOriginAndSendsTheNextBodyWithItsLength() throws Exception {
    GuardPolicy policy =
        GuardPolicy.builder().mode(GuardMode.ADAPTIVE).prebufferBytes(0).listener(listener).build();
    WebClient client =
        WebClient.builder().clientConnector(guarded(ConnectorKind.JDK, policy)).build();
    byte[] payload = Payloads.bytes(10 * KIB);
    ReactiveBodyKind kind = ReactiveBodyKind.INPUT_STREAM_RESOURCE;

    assertThat(kind.post(client, wire.url(), payload, dir)).isEqualTo(200);
    assertThat(kind.post(client, wire.url(), payload, dir)).isEqualTo(200);

    wire.assertLearnedThenSentWithLength(payload);
  }

  @ParameterizedTest
  @EnumSource(ConnectorKind.class)
  void noGuardThreadWaitsForTheResponseToABodyWithinTheReadAhead(ConnectorKind connector)
      throws Exception {
    wire.answer(
        new mockwebserver3.MockResponse.Builder()
            .code(200)
            .body("ok")
            .headersDelay(500, java.util.concurrent.TimeUnit.MILLISECONDS)
            .build());
    WebClient client =
        WebClient.builder().clientConnector(guarded(connector, GuardPolicy.defaults())).build();
    byte[] payload = Payloads.bytes(4 * KIB);
    ReactiveBodyKind kind = ReactiveBodyKind.INPUT_STREAM_RESOURCE;

    java.util.concurrent.CompletableFuture<Integer> status =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try {
                return kind.post(client, wire.url(), payload, dir);
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    RecordedRequest request = wire.take();

    // The request is on the server, its answer 500 ms away: no thread of the guard's waits for
    // it (the exchange decides on it on the connector's thread, when it comes).
    Thread.sleep(100);
    assertThat(status).isNotDone();
    assertThat(GuardThreads.runningIn(LengthGuardClientHttpConnector.class.getName())).isEmpty();

    assertThat(status.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(200);
    Wire.assertExactLength(request, payload);
    assertThat(wire.requestCount()).isEqualTo(1);
  }

  /**
   * A call disposed while the guard waits for a body that stalls (a read-ahead it never ends, or a
   * stream it never goes on with) cancels the caller's body at once, as the bare connector does: no
   * guard thread is left waiting for it, its buffer is released, and the budget given back.
   */
  @ParameterizedTest(name = "{0} bytes, then nothing")
  @ValueSource(ints = {KIB, 64 * KIB})
  void disposingTheCallCancelsAStalledBody(int firstBytes) throws Exception {
    GuardPolicy policy = GuardPolicy.builder().prebufferBytes(16 * KIB).build();
    LengthGuard guard = LengthGuard.create(policy);
    WebClient client =
        WebClient.builder()
            .clientConnector(
                LengthGuardClientHttpConnector.wrap(create(ConnectorKind.REACTOR), guard))
            .build();
    NettyDataBuffer first =
        new NettyDataBufferFactory(PooledByteBufAllocator.DEFAULT).allocateBuffer(firstBytes);
    first.write(Payloads.bytes(firstBytes));
    CountDownLatch canceled = new CountDownLatch(1);
    Flux<DataBuffer> stalled =
        Flux.concat(Flux.<DataBuffer>just(first), Flux.never()).doOnCancel(canceled::countDown);

    Disposable call =
        client
            .post()
            .uri(wire.url())
            .body(stalled, DataBuffer.class)
            .retrieve()
            .toBodilessEntity()
            .subscribe(response -> {}, failure -> {});
    Thread.sleep(300);
    call.dispose();

    assertThat(canceled.await(5, SECONDS)).as("the caller's body canceled").isTrue();
    awaitTrue(() -> GuardThreads.runningIn(DataBufferBodyWriter.class.getName()).isEmpty());
    awaitTrue(() -> guard.memoryInUse() == 0);
    assertThat(first.getNativeBuffer().refCnt()).isZero();
  }

  /** Waits up to 5 s for {@code condition}, then asserts it. */
  private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
    for (int i = 0; i < 500 && !condition.getAsBoolean(); i++) Thread.sleep(10);
    assertThat(condition.getAsBoolean()).isTrue();
  }

  @Test
  void wrapRejectsNulls() {
    assertThatThrownBy(() -> LengthGuardClientHttpConnector.wrap(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("delegate == null");
    assertThatThrownBy(
            () ->
                LengthGuardClientHttpConnector.wrap(ConnectorKind.JDK.create(), (GuardPolicy) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("policy == null");
    assertThatThrownBy(
            () ->
                LengthGuardClientHttpConnector.wrap(ConnectorKind.JDK.create(), (LengthGuard) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("guard == null");
  }

  @Test
  void connectorsWrappedWithOneGuardShareWhatItLearned() throws Exception {
    // ADAPTIVE, the default mode, without read-ahead: the first send streams.
    GuardPolicy policy = GuardPolicy.builder().prebufferBytes(0).listener(listener).build();
    LengthGuard guard = LengthGuard.create(policy);
    WebClient reactor =
        WebClient.builder()
            .clientConnector(
                LengthGuardClientHttpConnector.wrap(ConnectorKind.REACTOR.create(), guard))
            .build();
    LengthGuardClientHttpConnector jdk =
        LengthGuardClientHttpConnector.wrap(ConnectorKind.JDK.create(), guard);
    WebClient jdkClient = WebClient.builder().clientConnector(jdk).build();
    byte[] payload = Payloads.bytes(10 * KIB);
    ReactiveBodyKind kind = ReactiveBodyKind.INPUT_STREAM_RESOURCE;

    assertThat(kind.post(reactor, wire.url(), payload, dir)).isEqualTo(200);
    assertThat(kind.post(jdkClient, wire.url(), payload, dir)).isEqualTo(200);

    wire.assertLearnedThenSentWithLength(payload); // the second client's first send: with length
    assertThat(guard.learnedOrigins()).isEqualTo(1);
    assertThat(jdk.policy()).isSameAs(guard.policy());
  }

  private void assertDelivered(ReactiveBodyKind kind, byte[] payload) throws Exception {
    if (kind.emptyOnWire(payload)) {
      assertThat(wire.assertOneWithLength()).isEmpty();
      return;
    }
    kind.assertSent(payload, wire.assertStreamedThenResent());
    assertThat(wire.strict.lengthRequiredCount()).isEqualTo(1);
    assertThat(wire.strict.acceptedCount()).isEqualTo(1);
  }

  private GuardPolicy streamed() {
    return GuardPolicy.builder()
        .mode(GuardMode.RETRY_ON_411)
        .prebufferBytes(0)
        .listener(listener)
        .build();
  }

  private LengthGuardClientHttpConnector guarded(ConnectorKind kind, GuardPolicy policy) {
    return LengthGuardClientHttpConnector.wrap(create(kind), policy);
  }

  /** Returns a new connector of {@code kind}, closed after the test. */
  private ClientHttpConnector create(ConnectorKind kind) {
    ClientHttpConnector connector = kind.create();
    connectors.add(connector);
    return connector;
  }
}
