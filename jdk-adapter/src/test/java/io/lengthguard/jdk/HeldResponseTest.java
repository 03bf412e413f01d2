package io.lengthguard.jdk;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.lengthguard.Buffering;
import io.lengthguard.GuardMode;
import io.lengthguard.GuardPolicy;
import io.lengthguard.Origin;
import io.lengthguard.testing.Payloads;
import io.lengthguard.testing.RecordingListener;
import io.lengthguard.testing.StrictOrigin;
import io.lengthguard.testing.Wire;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The caller's body handler sees only the response the call returns: never the 411 a resend
 * replaces, and a 411 handed back exactly once.
 */
class HeldResponseTest {
  private static final int KIB = 1024;

  private final RecordingListener listener = new RecordingListener();
  private final StrictOrigin strict = new StrictOrigin();
  private MockWebServer server;
  private Origin origin;

  @BeforeEach
  void startServer() throws Exception {
    server = new MockWebServer();
    server.setDispatcher(strict);
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    origin = Origin.of("http", "127.0.0.1", server.getPort());
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  @ParameterizedTest(name = "async={0}")
  @ValueSource(booleans = {false, true})
  void aLineSubscriberGetsOnlyTheResendsBody(boolean async) throws Exception {
    HttpClient client = guarded(Buffering.inMemory(8L * KIB));
    byte[] payload = Payloads.bytes(KIB);
    Lines lines = new Lines();

    HttpResponse<Void> response =
        call(client, post(payload), HttpResponse.BodyHandlers.fromLineSubscriber(lines), async);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(lines.lines()).containsExactly("1024");
    assertThat(lines.ends()).isEqualTo(1);
    Wire.assertChunked(take());
    Wire.assertExactLength(take(), payload);
    assertThat(listener.events())
        .containsExactly(
            "lengthRequired " + origin + " lengthSent=false",
            "bodyFrozen " + origin + " 1024 LENGTH_REQUIRED",
            "resent " + origin + " 1024",
            "recovered " + origin + " 200");
  }

  @ParameterizedTest(name = "async={0}")
  @ValueSource(booleans = {false, true})
  void aByteConsumerSeesOnlyTheResendsBodyAndOneEnd(boolean async) throws Exception {
    HttpClient client = guarded(Buffering.inMemory(8L * KIB));
    byte[] payload = Payloads.bytes(KIB);
    Consumed consumed = new Consumed();

    HttpResponse<Void> response =
        call(client, post(payload), HttpResponse.BodyHandlers.ofByteArrayConsumer(consumed), async);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(consumed.text()).isEqualTo("1024");
    assertThat(consumed.ends.get()).isEqualTo(1);
    assertThat(strict.lengthRequiredCount()).isEqualTo(1);
    assertThat(strict.acceptedCount()).isEqualTo(1);
  }

  @ParameterizedTest(name = "async={0}")
  @ValueSource(booleans = {false, true})
  void a411HandedBackReachesALineSubscriberOnce(boolean async) throws Exception {
    // No copy is kept of a body over the buffering limit: the 411 is the caller's answer.
    HttpClient client = guarded(Buffering.inMemory(KIB));
    byte[] payload = Payloads.bytes(4 * KIB);
    Lines lines = new Lines();

    HttpResponse<Void> response =
        call(client, post(payload), HttpResponse.BodyHandlers.fromLineSubscriber(lines), async);

    assertThat(response.statusCode()).isEqualTo(411);
    assertThat(response.body()).isNull();
    assertThat(lines.lines()).containsExactly("Length Required");
    assertThat(lines.ends()).isEqualTo(1);
    Wire.assertChunked(take(), payload);
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(listener.events())
        .containsExactly(
            "lengthRequired " + origin + " lengthSent=false",
            "bodyTooLarge " + origin + " 1024",
            "gaveUp " + origin + " TOO_LARGE");
  }

  @ParameterizedTest(name = "async={0}")
  @ValueSource(booleans = {false, true})
  void a411HandedBackReachesAByteConsumerOnceWithOneEnd(boolean async) throws Exception {
    HttpClient client = guarded(Buffering.inMemory(KIB));
    byte[] payload = Payloads.bytes(4 * KIB);
    Consumed consumed = new Consumed();

    HttpResponse<Void> response =
        call(client, post(payload), HttpResponse.BodyHandlers.ofByteArrayConsumer(consumed), async);

    assertThat(response.statusCode()).isEqualTo(411);
    assertThat(consumed.text()).isEqualTo("Length Required");
    assertThat(consumed.ends.get()).isEqualTo(1);
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @ParameterizedTest(name = "async={0}")
  @ValueSource(booleans = {false, true})
  void a411HandedBackKeepsItsHeadersAndIsReadAsTheHandlerSays(boolean async) throws Exception {
    HttpClient client = guarded(Buffering.inMemory(KIB));
    byte[] payload = Payloads.bytes(4 * KIB);

    HttpResponse<String> asString =
        call(client, post(payload), HttpResponse.BodyHandlers.ofString(), async);
    HttpResponse<InputStream> asStream =
        call(client, post(payload), HttpResponse.BodyHandlers.ofInputStream(), async);

    assertThat(asString.statusCode()).isEqualTo(411);
    assertThat(asString.body()).isEqualTo("Length Required");
    assertThat(asString.headers().firstValueAsLong("Content-Length")).hasValue(15);
    assertThat(asString.uri()).isEqualTo(url());
    assertThat(asString.request().method()).isEqualTo("POST");
    assertThat(asStream.statusCode()).isEqualTo(411);
    try (InputStream in = asStream.body()) {
      assertThat(in.readAllBytes()).asString().isEqualTo("Length Required");
    }
  }

  private static <T> HttpResponse<T> call(
      HttpClient client, HttpRequest request, HttpResponse.BodyHandler<T> handler, boolean async)
      throws Exception {
    return async
        ? client.sendAsync(request, handler).get(30, SECONDS)
        : client.send(request, handler);
  }

  private HttpClient guarded(Buffering buffering) {
    return LengthGuardHttpClient.wrap(
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build(),
        GuardPolicy.builder()
            .mode(GuardMode.RETRY_ON_411)
            .prebufferBytes(0)
            .buffering(buffering)
            .listener(listener)
            .build());
  }

  private HttpRequest post(byte[] payload) {
    return HttpRequest.newBuilder(url())
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(payload)))
        .timeout(Duration.ofSeconds(30))
        .build();
  }

  private URI url() {
    return URI.create("http://127.0.0.1:" + server.getPort() + "/upload");
  }

  private RecordedRequest take() throws InterruptedException {
    RecordedRequest request = server.takeRequest(30, SECONDS);
    assertThat(request).as("a request within 30 s").isNotNull();
    return request;
  }

  /** A line subscriber that records every line and every end. */
  private static final class Lines implements Flow.Subscriber<String> {
    private final List<String> lines = new ArrayList<>();
    private int ends;

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public synchronized void onNext(String line) {
      lines.add(line);
    }

    @Override
    public synchronized void onError(Throwable throwable) {
      ends++;
    }

    @Override
    public synchronized void onComplete() {
      ends++;
    }

    synchronized List<String> lines() {
      return new ArrayList<>(lines);
    }

    synchronized int ends() {
      return ends;
    }
  }

  /** A byte consumer that records every chunk and every end. */
  private static final class Consumed implements Consumer<Optional<byte[]>> {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final AtomicInteger ends = new AtomicInteger();

    @Override
    public synchronized void accept(Optional<byte[]> chunk) {
      if (chunk.isPresent()) bytes.writeBytes(chunk.get());
      else ends.incrementAndGet();
    }

    synchronized String text() {
      return bytes.toString(StandardCharsets.UTF_8);
    }
  }
}
