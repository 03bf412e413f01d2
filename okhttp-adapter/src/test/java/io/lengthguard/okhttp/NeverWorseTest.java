package io.lengthguard.okhttp;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.Buffering;
import io.lengthguard.GuardMode;
import io.lengthguard.GuardPolicy;
import io.lengthguard.Origin;
import io.lengthguard.testing.ChunkBlindServer;
import io.lengthguard.testing.Payloads;
import io.lengthguard.testing.RecordingListener;
import io.lengthguard.testing.StrictOrigin;
import io.lengthguard.testing.Wire;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import javax.net.SocketFactory;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.QueueDispatcher;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okhttp3.Call;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSink;
import okio.Okio;
import okio.Source;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import retrofit2.Retrofit;
import retrofit2.http.Body;
import retrofit2.http.POST;

/**
 * "Never worse than no guard", through the real OkHttp (and Retrofit) on loopback: each way the
 * guard once made a call worse than the same call without it, asserting what reached the server.
 */
class NeverWorseTest {
  private static final MediaType OCTET_STREAM = MediaType.get("application/octet-stream");
  private static final int KIB = 1024;
  private static final int MIB = 1024 * KIB;

  private final RecordingListener listener = new RecordingListener();
  private final List<OkHttpClient> clients = new ArrayList<>();
  private MockWebServer server;
  private Origin origin;

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    origin = Origin.of("http", server.getHostName(), server.getPort());
  }

  @AfterEach
  void stop() {
    for (OkHttpClient client : clients) {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
    server.close();
  }

  /** The upload API a Retrofit user writes. */
  interface Uploads {
    @POST("upload")
    retrofit2.Call<ResponseBody> upload(@Body RequestBody body);
  }

  /**
   * Finding 1: a streaming body as Retrofit users write it, backed by an InputStream, does not
   * override isOneShot(). Writing it again after a 411 reads a drained stream; the guard used to
   * resend that empty body with a matching length, and the server said 200.
   */
  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(ints = {300 * KIB, 3 * MIB})
  void retrofitStreamingBodyIsResentWithEveryByteAfterA411(int size) throws Exception {
    server.setDispatcher(new StrictOrigin());
    // The default policy: 300 KiB goes with its length at once; 3 MiB streams past the read-ahead.
    GuardPolicy policy = GuardPolicy.builder().mode(GuardMode.RETRY_ON_411).build();
    Uploads uploads =
        new Retrofit.Builder()
            .baseUrl(server.url("/"))
            .client(client(policy))
            .build()
            .create(Uploads.class);
    byte[] payload = Payloads.bytes(size);

    retrofit2.Response<ResponseBody> response =
        uploads.upload(streaming(new ByteArrayInputStream(payload))).execute();

    assertThat(response.code()).isEqualTo(200);
    response.body().close();
    RecordedRequest last = null;
    for (int i = 0; i < server.getRequestCount(); i++) last = take();
    Wire.assertExactLength(last, payload);
    assertThat(server.getRequestCount()).isEqualTo(size > MIB ? 2 : 1);
  }

  /**
   * Finding 2: a server that reads Content-Length bytes only (Python's http.server, uWSGI without
   * chunked input) answers 200 to a chunked body it silently dropped. With the default policy every
   * body up to the 1 MiB read-ahead arrives whole, with its length.
   */
  @Test
  void chunkBlindServerGetsEveryBodyUpToOneMebibyteWhole() throws Exception {
    try (ChunkBlindServer blind = ChunkBlindServer.start()) {
      // Without the guard the body is lost, and the call still "succeeds".
      OkHttpClient bare = register(new OkHttpClient());
      try (Response response = bare.newCall(post(blind.url("/bare"), 64 * KIB)).execute()) {
        assertThat(response.code()).isEqualTo(200);
      }
      ChunkBlindServer.Received lost = blind.take();
      assertThat(lost.bytes()).isZero();
      assertThat(lost.transferEncoding()).isEqualTo("chunked");

      OkHttpClient guarded = client(GuardPolicy.builder().listener(listener).build());
      for (int size : new int[] {0, 1, 8 * KIB, 300 * KIB, MIB}) {
        byte[] payload = Payloads.bytes(size);
        Request request =
            new Request.Builder()
                .url(blind.url("/guarded"))
                .post(UnknownLengthBody.oneShot(payload))
                .build();
        try (Response response = guarded.newCall(request).execute()) {
          assertThat(response.code()).isEqualTo(200);
        }
        ChunkBlindServer.Received received = blind.take();
        assertThat(received.bytes()).as("bytes of a %s-byte body", size).isEqualTo(size);
        assertThat(received.sha256()).isEqualTo(sha256(payload));
        assertThat(received.transferEncoding()).isEqualTo("-");
      }
    }
  }

  /**
   * Finding 3: a 2xx before the body was written means the server did not read it. The guard says
   * so, and ADAPTIVE sends the next body to that origin with its length.
   */
  @Test
  void earlyTwoHundredIsReportedAndTheNextBodyGoesWithItsLength() throws Exception {
    QueueDispatcher queue = new QueueDispatcher();
    queue.enqueue(new MockResponse.Builder().code(200).body("ok").doNotReadRequestBody().build());
    queue.enqueue(new MockResponse.Builder().code(200).body("ok").build());
    server.setDispatcher(queue);
    OkHttpClient client =
        client(
            GuardPolicy.builder()
                .buffering(Buffering.inMemory(32 * MIB))
                .listener(listener)
                .build());
    byte[] payload = Payloads.bytes(16 * MIB);

    try (Response response = client.newCall(post(server, payload)).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }
    assertThat(listener.events()).containsExactly("bodyNotRead " + origin + " 200");

    try (Response response = client.newCall(post(server, payload)).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }
    take();
    Wire.assertExactLength(take(), payload);
    assertThat(listener.events())
        .endsWith("bodyFrozen " + origin + " " + payload.length + " LEARNED_ORIGIN");
  }

  /**
   * Finding 4: an origin known to want a length gets a body over the buffering limit as the client
   * would have sent it, not a BodyTooLargeException before sending.
   */
  @Test
  void learnedOriginGetsABodyOverTheLimitAsTheClientWouldSendIt() throws Exception {
    server.enqueue(new MockResponse.Builder().code(200).build());
    OkHttpClient client =
        client(
            GuardPolicy.builder()
                .buffering(Buffering.inMemory(64 * KIB))
                .lengthRequired(origin)
                .listener(listener)
                .build());
    byte[] payload = Payloads.bytes(100 * KIB);

    try (Response response = client.newCall(post(server, payload)).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }

    RecordedRequest request = take();
    Wire.assertChunked(request);
    assertThat(request.getBody().toByteArray()).isEqualTo(payload);
  }

  /** Finding 5: a server that closes after the head; the tee reads no further than the limit. */
  @Test
  @Timeout(10)
  void serverClosingAfterTheHeadStopsAnEndlessBody() throws Exception {
    // Small socket buffers on both ends: the kernel holds little of a body the server never reads,
    // however long the server takes to read the head and close (a loaded machine), so what the
    // body wrote is the guard's doing.
    try (ServerSocket raw = new ServerSocket()) {
      raw.setReceiveBufferSize(64 * KIB);
      raw.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 1);
      Thread peer = serve(raw, false);
      OkHttpClient client =
          register(
              client(
                      GuardPolicy.builder()
                          .prebufferBytes(0)
                          .buffering(Buffering.inMemory(MIB))
                          .listener(listener)
                          .build())
                  .newBuilder()
                  .socketFactory(new SmallSendBuffers())
                  .build());
      EndlessBody body = new EndlessBody();

      assertThatThrownBy(() -> client.newCall(post(raw, body)).execute())
          .isInstanceOf(IOException.class);
      peer.join();
      // The capture may take the body up to the limit, never past it plus a pipe's window.
      assertThat(body.written.get()).isLessThanOrEqualTo(MIB + 128 * KIB);
    }
  }

  /** Finding 5: Call.cancel() from another thread stops an endless one-shot body within 1 s. */
  @Test
  @Timeout(10)
  void cancelStopsAnEndlessOneShotBodyWithinASecond(@TempDir Path spill) throws Exception {
    try (ServerSocket raw = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      Thread peer = serve(raw, true);
      OkHttpClient client =
          client(
              GuardPolicy.builder()
                  .prebufferBytes(0)
                  .buffering(Buffering.spillToDisk(64 * KIB, 1L << 40, spill))
                  .build());
      Call call = client.newCall(post(raw, new EndlessBody()));
      Thread canceler =
          new Thread(
              () -> {
                try {
                  Thread.sleep(300);
                } catch (InterruptedException e) {
                  return;
                }
                call.cancel();
              });
      canceler.start();

      long start = System.nanoTime();
      assertThatThrownBy(call::execute).isInstanceOf(IOException.class);
      long elapsed = System.nanoTime() - start;

      assertThat(Duration.ofNanos(elapsed)).isLessThan(Duration.ofMillis(300 + 1000));
      canceler.join();
      peer.interrupt();
      try (Stream<Path> files = Files.list(spill)) {
        assertThat(files).as("spill files left").isEmpty();
      }
    }
  }

  /** Finding 5: callTimeout stops an endless one-shot body too. */
  @Test
  @Timeout(10)
  void callTimeoutStopsAnEndlessOneShotBody() throws Exception {
    try (ServerSocket raw = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      serve(raw, true);
      OkHttpClient client =
          register(
              new OkHttpClient.Builder()
                  .addInterceptor(
                      LengthGuardInterceptor.create(
                          GuardPolicy.builder().prebufferBytes(0).build()))
                  .callTimeout(Duration.ofMillis(500))
                  .build());

      long start = System.nanoTime();
      assertThatThrownBy(() -> client.newCall(post(raw, new EndlessBody())).execute())
          .isInstanceOf(InterruptedIOException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1500));
    }
  }

  /**
   * Finding 6: the frozen resend of a one-shot body is itself one-shot, so OkHttp does not send it
   * a third time when the connection fails; a repeatable body's resend may be retried, as the
   * original might have been.
   */
  @ParameterizedTest(name = "one-shot {0}")
  @ValueSource(booleans = {true, false})
  void resendKeepsTheBodysOneShotness(boolean oneShot) throws Exception {
    server.setDispatcher(new StrictOrigin());
    List<Boolean> sentOneShot = new ArrayList<>();
    OkHttpClient client =
        register(
            new OkHttpClient.Builder()
                .addInterceptor(
                    LengthGuardInterceptor.create(GuardPolicy.builder().prebufferBytes(0).build()))
                .addNetworkInterceptor(
                    chain -> {
                      sentOneShot.add(chain.request().body().isOneShot());
                      return chain.proceed(chain.request());
                    })
                .build());
    byte[] payload = Payloads.bytes(10 * KIB);
    RequestBody body =
        oneShot ? UnknownLengthBody.oneShot(payload) : UnknownLengthBody.replayable(payload);

    try (Response response =
        client
            .newCall(new Request.Builder().url(server.url("/upload")).post(body).build())
            .execute()) {
      assertThat(response.code()).isEqualTo(200);
    }

    // The resend is as one-shot as the caller's body. The streamed first send is one-shot while
    // the caller's body is written; a replayable one may have ended whole, its copy kept, by the
    // time the network interceptor asks.
    assertThat(sentOneShot).hasSize(2);
    if (oneShot) assertThat(sentOneShot.get(0)).isTrue();
    assertThat(sentOneShot.get(1)).isEqualTo(oneShot);
  }

  @Test
  void oneShotResendIsNotSentAThirdTimeWhenItsConnectionFails() throws Exception {
    QueueDispatcher queue = new QueueDispatcher();
    queue.enqueue(new MockResponse.Builder().code(411).body("Length Required").build());
    queue.enqueue(
        new MockResponse.Builder()
            .code(200)
            .onResponseStart(SocketEffect.ShutdownConnection.INSTANCE)
            .build());
    queue.enqueue(new MockResponse.Builder().code(200).body("third").build());
    server.setDispatcher(queue);
    OkHttpClient client = client(GuardPolicy.builder().prebufferBytes(0).build());

    assertThatThrownBy(() -> client.newCall(post(server, Payloads.bytes(10 * KIB))).execute())
        .isInstanceOf(IOException.class);
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  /** Empty bodies per method: POST with Content-Length: 0; DELETE without a length. */
  @Test
  void emptyPostCarriesLengthZeroAndBodylessDeleteCarriesNone() throws Exception {
    server.enqueue(new MockResponse.Builder().code(200).build());
    server.enqueue(new MockResponse.Builder().code(200).build());
    server.enqueue(new MockResponse.Builder().code(200).build());
    OkHttpClient client = client(GuardPolicy.defaults());

    client.newCall(post(server, new byte[0])).execute().close();
    client
        .newCall(
            new Request.Builder()
                .url(server.url("/upload"))
                .post(RequestBody.create(new byte[0]))
                .build())
        .execute()
        .close();
    client
        .newCall(new Request.Builder().url(server.url("/item")).delete().build())
        .execute()
        .close();

    RecordedRequest unknownEmpty = take();
    assertThat(unknownEmpty.getHeaders().get("Content-Length")).isEqualTo("0");
    assertThat(unknownEmpty.getHeaders().get("Transfer-Encoding")).isNull();
    assertThat(take().getHeaders().get("Content-Length")).isEqualTo("0");
    RecordedRequest delete = take();
    assertThat(delete.getMethod()).isEqualTo("DELETE");
    assertThat(delete.getHeaders().get("Content-Length")).isNull();
    assertThat(delete.getHeaders().get("Transfer-Encoding")).isNull();
  }

  /** Finding 10: the origin learned after a redirect is the one that answered 411. */
  @Test
  void aRedirectedRequestsOriginIsTheOneLearned() throws Exception {
    try (MockWebServer other = new MockWebServer()) {
      other.start(InetAddress.getByName("127.0.0.1"), 0);
      Origin otherOrigin = Origin.of("http", other.getHostName(), other.getPort());
      // The other origin refuses the body even with its length: a hop that wants something else.
      other.enqueue(new MockResponse.Builder().code(411).body("Length Required").build());
      server.enqueue(
          new MockResponse.Builder()
              .code(307)
              .addHeader("Location", other.url("/upload").toString())
              .build());
      OkHttpClient client = client(GuardPolicy.builder().listener(listener).build());
      byte[] payload = Payloads.bytes(2 * KIB);
      Request request =
          new Request.Builder()
              .url(server.url("/upload"))
              .post(UnknownLengthBody.replayable(payload))
              .build();

      try (Response response = client.newCall(request).execute()) {
        assertThat(response.code()).isEqualTo(411);
      }

      // The read-ahead froze the body; OkHttp followed the 307 with it, and the other origin
      // answered 411 to its exact length.
      Wire.assertExactLength(other.takeRequest(10, SECONDS), payload);
      assertThat(listener.events())
          .containsExactly(
              "bodyFrozen " + origin + " " + payload.length + " READ_AHEAD",
              "lengthRequired " + otherOrigin + " lengthSent=true",
              "gaveUp " + otherOrigin + " LENGTH_REFUSED");
    }
  }

  /**
   * Finding 11: a repeatable body streamed past the read-ahead was declared one-shot to OkHttp, so
   * a 307 that bare OkHttp follows came back to the caller. OkHttp now follows it, and the second
   * request carries the guard's copy: exactly the first send's bytes, the caller's body run once.
   */
  @Test
  void aRepeatableBodyStreamedPastTheReadAheadFollowsA307WithTheSameBytes() throws Exception {
    server.enqueue(redirect307());
    server.enqueue(new MockResponse.Builder().code(200).body("moved").build());
    OkHttpClient client = client(GuardPolicy.builder().listener(listener).build());
    byte[] payload = Payloads.bytes(2 * MIB); // past the default 1 MiB read-ahead
    UnknownLengthBody body = UnknownLengthBody.replayable(payload);

    try (Response response = client.newCall(post(server, body)).execute()) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.body().string()).isEqualTo("moved");
    }

    Wire.assertChunked(take(), payload);
    RecordedRequest moved = take();
    assertThat(moved.getTarget()).isEqualTo("/moved");
    Wire.assertChunked(moved, payload);
    assertThat(body.writes()).isEqualTo(1);
    assertThat(listener.events()).isEmpty();
  }

  /** A one-shot body is followed no more than without the guard: the 307 goes to the caller. */
  @Test
  void aOneShotBodyStreamedPastTheReadAheadGetsThe307() throws Exception {
    server.enqueue(redirect307());
    OkHttpClient client = client(GuardPolicy.builder().listener(listener).build());
    byte[] payload = Payloads.bytes(2 * MIB);

    try (Response response =
        client.newCall(post(server, UnknownLengthBody.oneShot(payload))).execute()) {
      assertThat(response.code()).isEqualTo(307);
    }

    Wire.assertChunked(take(), payload);
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  /**
   * A repeatable body whose copy the guard dropped (past the buffering limit) cannot be written
   * again with the first send's bytes: OkHttp is told it is one-shot, and the caller gets the 307,
   * not an exception.
   */
  @Test
  void aRepeatableBodyWithoutACopyGetsThe307() throws Exception {
    server.enqueue(redirect307());
    OkHttpClient client =
        client(
            GuardPolicy.builder()
                .buffering(Buffering.inMemory(MIB))
                .prebufferBytes(64 * KIB)
                .listener(listener)
                .build());
    byte[] payload = Payloads.bytes(2 * MIB);
    UnknownLengthBody body = UnknownLengthBody.replayable(payload);

    try (Response response = client.newCall(post(server, body)).execute()) {
      assertThat(response.code()).isEqualTo(307);
    }

    Wire.assertChunked(take(), payload);
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(body.writes()).isEqualTo(1);
  }

  private static MockResponse redirect307() {
    return new MockResponse.Builder().code(307).addHeader("Location", "/moved").build();
  }

  private OkHttpClient client(GuardPolicy policy) {
    return register(
        new OkHttpClient.Builder().addInterceptor(LengthGuardInterceptor.create(policy)).build());
  }

  private OkHttpClient register(OkHttpClient client) {
    clients.add(client);
    return client;
  }

  private RecordedRequest take() throws InterruptedException {
    RecordedRequest request = server.takeRequest(10, SECONDS);
    assertThat(request).as("a request within 10 s").isNotNull();
    return request;
  }

  private static Request post(MockWebServer server, byte[] payload) {
    return new Request.Builder()
        .url(server.url("/upload"))
        .post(UnknownLengthBody.oneShot(payload))
        .build();
  }

  private static Request post(MockWebServer server, RequestBody body) {
    return new Request.Builder().url(server.url("/upload")).post(body).build();
  }

  private static Request post(String url, int size) {
    return new Request.Builder()
        .url(url)
        .post(UnknownLengthBody.oneShot(Payloads.bytes(size)))
        .build();
  }

  private static Request post(ServerSocket raw, RequestBody body) {
    return new Request.Builder()
        .url("http://127.0.0.1:" + raw.getLocalPort() + "/upload")
        .post(body)
        .build();
  }

  /** A streaming body as Retrofit users write it: isOneShot() is left false. */
  private static RequestBody streaming(InputStream in) {
    return new RequestBody() {
      @Override
      public @Nullable MediaType contentType() {
        return OCTET_STREAM;
      }

      @Override
      public void writeTo(BufferedSink sink) throws IOException {
        try (Source source = Okio.source(in)) {
          sink.writeAll(source);
        }
      }
    };
  }

  /**
   * Accepts one connection and reads the request head; then closes it, or stalls without reading
   * the body until interrupted or closed.
   */
  private static Thread serve(ServerSocket raw, boolean stall) {
    Thread thread =
        new Thread(
            () -> {
              try (Socket socket = raw.accept()) {
                InputStream in = socket.getInputStream();
                StringBuilder head = new StringBuilder();
                while (!head.toString().endsWith("\r\n\r\n")) {
                  int b = in.read();
                  if (b == -1) return;
                  head.append((char) b);
                }
                if (stall) Thread.sleep(10_000);
              } catch (IOException | InterruptedException e) {
                // The client went away, or the test ended: done.
              }
            });
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  /** Sockets that hold at most 64 KiB of unsent bytes. */
  private static final class SmallSendBuffers extends SocketFactory {
    @Override
    public Socket createSocket() throws IOException {
      Socket socket = new Socket();
      socket.setSendBufferSize(64 * KIB);
      return socket;
    }

    @Override
    public Socket createSocket(String host, int port) {
      throw new UnsupportedOperationException("OkHttp connects the socket itself");
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress local, int localPort) {
      throw new UnsupportedOperationException("OkHttp connects the socket itself");
    }

    @Override
    public Socket createSocket(InetAddress host, int port) {
      throw new UnsupportedOperationException("OkHttp connects the socket itself");
    }

    @Override
    public Socket createSocket(InetAddress host, int port, InetAddress local, int localPort) {
      throw new UnsupportedOperationException("OkHttp connects the socket itself");
    }
  }

  /** A one-shot body that never ends. */
  private static final class EndlessBody extends RequestBody {
    final AtomicLong written = new AtomicLong();

    @Override
    public @Nullable MediaType contentType() {
      return OCTET_STREAM;
    }

    @Override
    public boolean isOneShot() {
      return true;
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
      byte[] chunk = "endless body ".repeat(630).getBytes(StandardCharsets.US_ASCII);
      while (true) {
        sink.write(chunk);
        written.addAndGet(chunk.length);
      }
    }
  }
}
