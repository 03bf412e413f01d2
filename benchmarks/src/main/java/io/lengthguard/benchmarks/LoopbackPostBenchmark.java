package io.lengthguard.benchmarks;

import io.lengthguard.Buffering;
import io.lengthguard.GuardPolicy;
import io.lengthguard.httpclient5.LengthGuardAsyncExecHandler;
import io.lengthguard.httpclient5.LengthGuardExecHandler;
import io.lengthguard.jdk.LengthGuardHttpClient;
import io.lengthguard.okhttp.LengthGuardInterceptor;
import io.lengthguard.spring.LengthGuardClientHttpRequestFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.SocketFactory;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import okio.Okio;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleResponseConsumer;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClientBuilder;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.BufferedHttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.apache.hc.core5.http.nio.entity.BasicAsyncEntityProducer;
import org.apache.hc.core5.http.nio.support.AsyncRequestBuilder;
import org.apache.hc.core5.io.CloseMode;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.springframework.core.io.InputStreamResource;
import org.springframework.http.ResponseEntity;
import org.springframework.http.client.BufferingClientHttpRequestFactory;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;

/**
 * A POST of a body of unknown length end to end over loopback, one method per client (OkHttp,
 * HttpClient 5 classic, HttpClient 5 async, java.net.http, Spring's {@code RestClient} over the
 * JDK's request factory), each against what its users would do without LengthGuard, in the same
 * run:
 *
 * <ul>
 *   <li>{@link Strategy#GUARD}, the subject: the client with the guard and the default policy. A
 *       body within the read-ahead (64 KiB) is frozen and sent once with its exact length; a body
 *       past it (16 MiB) is streamed through the tee and captured for a possible 411, which needs a
 *       buffering limit above its size ({@code Buffering.inMemory(32 MiB)}, the rest default);
 *   <li>{@link Strategy#PEER}, the buffering users write by hand to send a length: OkHttp {@code
 *       RequestBody.create(in.readAllBytes())}, HttpClient 5 {@code BufferedHttpEntity} over an
 *       {@code InputStreamEntity}, async {@code BasicAsyncEntityProducer(in.readAllBytes())},
 *       java.net.http {@code BodyPublishers.ofByteArray(in.readAllBytes())}, Spring a {@code
 *       BufferingClientHttpRequestFactory} over the JDK's factory;
 *   <li>{@link Strategy#CHUNKED}, the bare client's chunked send of the same stream;
 *   <li>{@link Strategy#PREBUILT_BYTES}, the bare client sending a {@code byte[]} that already
 *       exists: what no caller with a stream has, the upper bound of every other row.
 * </ul>
 *
 * <p>Targets ({@code chart/Targets.java}): at 64 KiB the guard's throughput at least 1.1x {@code
 * PEER}'s and 0.95x {@code CHUNKED}'s, its allocation at most 0.6x {@code PEER}'s; at 16 MiB its
 * throughput at least 0.9x {@code CHUNKED}'s and its allocation at most 1.1x the payload.
 *
 * <p>Every body of unknown length is read from a {@link PieceStream} in pieces of 8 KiB, as from a
 * socket or a file. The server is a {@link LoopbackServer} in the same JVM on 127.0.0.1:
 * keep-alive, {@code TCP_NODELAY}, it reads every body and answers {@code 200} with two bytes, or
 * {@code 400} when the body is not exactly {@code size} bytes, which fails the run. {@link #setUp}
 * sends one request with each client and checks the framing that reached the server.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar LoopbackPostBenchmark -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
// A fixed heap, the same in every benchmark class, so that runs compare across machines.
@Fork(jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class LoopbackPostBenchmark {
  private static final MediaType OCTET_STREAM = MediaType.get("application/octet-stream");

  /** How the body is sent. */
  public enum Strategy {
    /** The subject: the stream through the guard, default policy. */
    GUARD,
    /** The hand-written buffering: the stream read into a {@code byte[]}, sent with its length. */
    PEER,
    /** The stream as the bare client frames it: chunked. */
    CHUNKED,
    /** A {@code byte[]} built before the measurement, sent by the bare client. */
    PREBUILT_BYTES
  }

  @Param({"65536", "16777216"})
  public int size;

  @Param public Strategy strategy;

  private byte[] bytes;
  private PieceStream stream;
  private LoopbackServer server;
  private String url;
  private URI uri;
  private OkHttpClient okhttpClient;
  private CloseableHttpClient httpClient;
  private CloseableHttpAsyncClient asyncClient;
  private HttpClient jdkClient;
  private RestClient restClient;

  @Setup
  public void setUp() throws Exception {
    bytes = Data.bytes(size);
    stream = new PieceStream(bytes);
    server = LoopbackServer.start(size);
    url = server.url("/upload");
    uri = URI.create(url);

    // OkHttp leaves Nagle's algorithm on: its chunked send then holds the last chunk until the
    // server's delayed ACK, about 40 ms a request. HttpClient 5 sets TCP_NODELAY by default.
    OkHttpClient.Builder okhttp = new OkHttpClient.Builder().socketFactory(new NoDelaySockets());
    HttpClientBuilder classic = HttpClients.custom();
    HttpAsyncClientBuilder async = HttpAsyncClients.custom();
    if (strategy == Strategy.GUARD) {
      GuardPolicy policy = policy(size);
      okhttp.addInterceptor(LengthGuardInterceptor.create(policy));
      LengthGuardExecHandler.install(classic, policy);
      LengthGuardAsyncExecHandler.install(async, policy);
    }
    okhttpClient = okhttp.build();
    httpClient = classic.build();
    asyncClient = async.build();
    asyncClient.start();
    // HTTP/1.1, as the other clients speak it here: the default (HTTP/2) would offer an h2c
    // upgrade on every request to an http: URI.
    HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    ClientHttpRequestFactory spring = new JdkClientHttpRequestFactory(jdk);
    switch (strategy) {
      case GUARD:
        jdkClient = LengthGuardHttpClient.wrap(jdk, policy(size));
        spring = LengthGuardClientHttpRequestFactory.wrap(spring, policy(size));
        break;
      case PEER:
        jdkClient = jdk;
        spring = new BufferingClientHttpRequestFactory(spring);
        break;
      default:
        jdkClient = jdk;
        break;
    }
    restClient = RestClient.builder().requestFactory(spring).build();

    okhttp();
    requireFraming("OkHttp", expectedFraming());
    httpclient5();
    requireFraming("HttpClient 5", expectedFraming());
    httpclient5Async();
    requireFraming("HttpClient 5 async", expectedFraming());
    jdk();
    requireFraming("java.net.http", expectedFraming());
    springRestClient();
    requireFraming("Spring RestClient", expectedFraming());
  }

  /**
   * Returns the default policy, with a buffering limit above a body past the read-ahead so that the
   * body is captured as it streams (the default limit, 8 MiB, would give up the capture).
   */
  static GuardPolicy policy(long size) {
    if (size <= GuardPolicy.DEFAULT_PREBUFFER_BYTES) return GuardPolicy.defaults();
    return GuardPolicy.builder().buffering(Buffering.inMemory(2 * size)).build();
  }

  /** Returns the framing the server must see for this strategy and size. */
  private String expectedFraming() {
    String length = "content-length: " + size;
    switch (strategy) {
      case PEER:
      case PREBUILT_BYTES:
        return length;
      case CHUNKED:
        return "chunked";
      case GUARD:
        return size > GuardPolicy.DEFAULT_PREBUFFER_BYTES ? "chunked" : length;
    }
    throw new AssertionError(strategy);
  }

  @TearDown
  public void tearDown() throws IOException {
    okhttpClient.dispatcher().executorService().shutdown();
    okhttpClient.connectionPool().evictAll();
    httpClient.close();
    asyncClient.close(CloseMode.GRACEFUL);
    server.close();
  }

  /** A POST with OkHttp. */
  @Benchmark
  public int okhttp() throws IOException {
    RequestBody body;
    switch (strategy) {
      case PEER:
        stream.rewind();
        body = RequestBody.create(stream.readAllBytes(), OCTET_STREAM);
        break;
      case PREBUILT_BYTES:
        body = RequestBody.create(bytes, OCTET_STREAM);
        break;
      default:
        body = new UnknownLengthBody(stream);
        break;
    }
    Request request = new Request.Builder().url(url).post(body).build();
    try (Response response = okhttpClient.newCall(request).execute()) {
      return requireOk(response.code(), response.body().string());
    }
  }

  /** A POST with HttpClient 5 (classic). */
  @Benchmark
  public int httpclient5() throws IOException {
    HttpEntity entity;
    switch (strategy) {
      case PEER:
        stream.rewind();
        entity =
            new BufferedHttpEntity(
                new InputStreamEntity(stream, -1, ContentType.APPLICATION_OCTET_STREAM));
        break;
      case PREBUILT_BYTES:
        entity = new ByteArrayEntity(bytes, ContentType.APPLICATION_OCTET_STREAM);
        break;
      default:
        stream.rewind();
        entity = new InputStreamEntity(stream, -1, ContentType.APPLICATION_OCTET_STREAM);
        break;
    }
    HttpPost post = new HttpPost(url);
    post.setEntity(entity);
    return httpClient.execute(
        post,
        response -> requireOk(response.getCode(), EntityUtils.toString(response.getEntity())));
  }

  /** A POST with HttpClient 5 (async). */
  @Benchmark
  public int httpclient5Async() throws IOException, InterruptedException, ExecutionException {
    AsyncEntityProducer producer;
    switch (strategy) {
      case PEER:
        stream.rewind();
        producer =
            new BasicAsyncEntityProducer(
                stream.readAllBytes(), ContentType.APPLICATION_OCTET_STREAM);
        break;
      case PREBUILT_BYTES:
        producer = new BasicAsyncEntityProducer(bytes, ContentType.APPLICATION_OCTET_STREAM);
        break;
      default:
        stream.rewind();
        producer = new StreamProducer(stream);
        break;
    }
    SimpleHttpResponse response =
        asyncClient
            .execute(
                AsyncRequestBuilder.post(uri).setEntity(producer).build(),
                SimpleResponseConsumer.create(),
                null)
            .get();
    return requireOk(response.getCode(), response.getBodyText());
  }

  /** A POST with java.net.http's {@code HttpClient}. */
  @Benchmark
  public int jdk() throws IOException, InterruptedException {
    HttpRequest.BodyPublisher publisher;
    switch (strategy) {
      case PEER:
        stream.rewind();
        publisher = BodyPublishers.ofByteArray(stream.readAllBytes());
        break;
      case PREBUILT_BYTES:
        publisher = BodyPublishers.ofByteArray(bytes);
        break;
      default:
        publisher = BodyPublishers.ofInputStream(this::rewound);
        break;
    }
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .header("Content-Type", "application/octet-stream")
            .POST(publisher)
            .build();
    HttpResponse<String> response = jdkClient.send(request, HttpResponse.BodyHandlers.ofString());
    return requireOk(response.statusCode(), response.body());
  }

  /** A POST with Spring's {@code RestClient} over the JDK's request factory. */
  @Benchmark
  public int springRestClient() {
    RestClient.RequestBodySpec post =
        restClient
            .post()
            .uri(uri)
            .contentType(org.springframework.http.MediaType.APPLICATION_OCTET_STREAM);
    if (strategy == Strategy.PREBUILT_BYTES) {
      post.body(bytes);
    } else {
      // No length: Spring streams an InputStreamResource as the factory frames it.
      post.body(new InputStreamResource(rewound()));
    }
    ResponseEntity<String> response = post.retrieve().toEntity(String.class);
    return requireOk(response.getStatusCode().value(), response.getBody());
  }

  private InputStream rewound() {
    stream.rewind();
    return stream;
  }

  private static int requireOk(int code, @Nullable String body) {
    if (code != 200) throw new IllegalStateException("server answered " + code + ": " + body);
    return code;
  }

  private void requireFraming(String client, String expected) {
    String seen = server.lastFraming();
    if (!expected.equals(seen)) {
      throw new IllegalStateException(
          client + " sent " + seen + " for " + strategy + "; expected " + expected);
    }
  }

  /** A body of unknown length, read from a stream each time it is written. */
  private static final class UnknownLengthBody extends RequestBody {
    private final PieceStream stream;

    UnknownLengthBody(PieceStream stream) {
      this.stream = stream;
    }

    @Override
    public @Nullable MediaType contentType() {
      return OCTET_STREAM;
    }

    @Override
    public long contentLength() {
      return -1;
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
      stream.rewind();
      sink.writeAll(Okio.source(stream));
    }
  }

  /**
   * An async body of unknown length read from a stream, a piece at a time as the channel takes it:
   * what an async caller with an {@code InputStream} writes. It is not repeatable, as a stream is
   * not.
   */
  static final class StreamProducer implements AsyncEntityProducer {
    private final PieceStream stream;
    private final ByteBuffer buffer = ByteBuffer.allocate(PieceStream.PIECE).limit(0);

    StreamProducer(PieceStream stream) {
      this.stream = stream;
    }

    @Override
    public void produce(DataStreamChannel channel) throws IOException {
      while (true) {
        if (!buffer.hasRemaining()) {
          int n = stream.read(buffer.array(), 0, buffer.capacity());
          if (n == -1) {
            channel.endStream();
            return;
          }
          buffer.clear().limit(n);
        }
        channel.write(buffer);
        if (buffer.hasRemaining()) return; // the channel is full: it asks again when it drains
      }
    }

    @Override
    public boolean isRepeatable() {
      return false;
    }

    @Override
    public void failed(Exception cause) {}

    @Override
    public long getContentLength() {
      return -1;
    }

    @Override
    public String getContentType() {
      return ContentType.APPLICATION_OCTET_STREAM.toString();
    }

    @Override
    public @Nullable String getContentEncoding() {
      return null;
    }

    @Override
    public boolean isChunked() {
      return true;
    }

    @Override
    public Set<String> getTrailerNames() {
      return Set.of();
    }

    @Override
    public int available() {
      return buffer.hasRemaining() ? buffer.remaining() : Integer.MAX_VALUE;
    }

    @Override
    public void releaseResources() {}
  }

  /** The platform's sockets with {@code TCP_NODELAY}. */
  private static final class NoDelaySockets extends SocketFactory {
    private final SocketFactory delegate = SocketFactory.getDefault();

    @Override
    public Socket createSocket() throws IOException {
      return noDelay(delegate.createSocket());
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return noDelay(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
        throws IOException {
      return noDelay(delegate.createSocket(host, port, localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return noDelay(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(
        InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
      return noDelay(delegate.createSocket(address, port, localAddress, localPort));
    }

    private static Socket noDelay(Socket socket) throws IOException {
      socket.setTcpNoDelay(true);
      return socket;
    }
  }
}
