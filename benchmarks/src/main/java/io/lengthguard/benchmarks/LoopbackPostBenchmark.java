package io.lengthguard.benchmarks;

import io.lengthguard.FrozenBody;
import io.lengthguard.GuardMode;
import io.lengthguard.GuardPolicy;
import io.lengthguard.httpclient5.FrozenEntity;
import io.lengthguard.httpclient5.LengthGuardExecHandler;
import io.lengthguard.okhttp.FrozenRequestBody;
import io.lengthguard.okhttp.LengthGuardInterceptor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import javax.net.SocketFactory;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import okio.Okio;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
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

/**
 * A POST of a body end to end over loopback, with OkHttp and with HttpClient 5 (classic): a body of
 * unknown length through the guard in {@link GuardMode#PREBUFFER}, which freezes it and sends it
 * with its exact {@code Content-Length}, against its baseline, the same client without the guard
 * sending a {@code byte[]} built in advance (known length), and against that client's bare chunked
 * send of the unknown-length body. Target: the guard's throughput at least 0.95x the baseline's.
 * {@link Strategy#PREFROZEN}, a diagnostic, splits the guard's cost into freezing and sending.
 *
 * <p>The body of unknown length is read from a stream in pieces of 8 KiB, as from a socket or a
 * file, for both clients. The server is a {@link LoopbackServer} in the same JVM on 127.0.0.1:
 * keep-alive, {@code TCP_NODELAY}, it reads every body and answers {@code 200} with two bytes.
 * {@link #setUp} sends one request each way and checks the framing that reached the server ({@code
 * Content-Length} for the guard and the baseline, chunked for {@code CHUNKED}); every call fails
 * unless the server saw exactly {@code size} bytes.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar LoopbackPostBenchmark -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
// A fixed heap, the same in every benchmark class, so that runs compare across machines.
@Fork(jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class LoopbackPostBenchmark {
  private static final MediaType OCTET_STREAM = MediaType.get("application/octet-stream");

  /** How the body is sent. */
  public enum Strategy {
    /** The subject: a body of unknown length, frozen by the guard and sent with its length. */
    GUARD_PREBUFFER,
    /** The baseline: the caller's own {@code byte[]}, of known length, without the guard. */
    PREBUILT_BYTES,
    /** The body of unknown length as the client frames it: chunked, without the guard. */
    CHUNKED,
    /**
     * A diagnostic: the body frozen once, before the measurement, from the same stream, and sent
     * without the guard as {@code FrozenRequestBody} or {@code FrozenEntity}. Beside {@code
     * GUARD_PREBUFFER} it shows what freezing costs; beside {@code PREBUILT_BYTES}, what sending
     * the frozen body's 8 KiB segments costs instead of one array.
     */
    PREFROZEN
  }

  @Param({"65536"})
  public int size;

  @Param public Strategy strategy;

  private byte[] bytes;
  private PieceStream stream;
  private FrozenBody frozen;
  private LoopbackServer server;
  private String url;
  private OkHttpClient okhttpClient;
  private CloseableHttpClient httpClient;

  @Setup
  public void setUp() throws IOException {
    bytes = Data.bytes(size);
    stream = new PieceStream(bytes);
    frozen = FrozenBody.read(new PieceStream(bytes), GuardPolicy.DEFAULT_MAX_BUFFER_BYTES);
    server = LoopbackServer.start(size);
    url = server.url("/upload");

    GuardPolicy prebuffer = GuardPolicy.builder().mode(GuardMode.PREBUFFER).build();
    // OkHttp leaves Nagle's algorithm on: its chunked send then holds the last chunk until the
    // server's delayed ACK, about 40 ms a request. HttpClient 5 sets TCP_NODELAY by default.
    OkHttpClient.Builder okhttp = new OkHttpClient.Builder().socketFactory(new NoDelaySockets());
    HttpClientBuilder httpclient = HttpClients.custom();
    if (strategy == Strategy.GUARD_PREBUFFER) {
      okhttp.addInterceptor(LengthGuardInterceptor.create(prebuffer));
      LengthGuardExecHandler.install(httpclient, prebuffer);
    }
    okhttpClient = okhttp.build();
    httpClient = httpclient.build();

    String framing = strategy == Strategy.CHUNKED ? "chunked" : "content-length: " + size;
    okhttp();
    requireFraming("OkHttp", framing);
    httpclient5();
    requireFraming("HttpClient", framing);
  }

  @TearDown
  public void tearDown() throws IOException {
    okhttpClient.dispatcher().executorService().shutdown();
    okhttpClient.connectionPool().evictAll();
    httpClient.close();
    server.close();
    frozen.close();
  }

  /** A POST with OkHttp. */
  @Benchmark
  public int okhttp() throws IOException {
    RequestBody body;
    if (strategy == Strategy.PREBUILT_BYTES) {
      body = RequestBody.create(bytes, OCTET_STREAM);
    } else if (strategy == Strategy.PREFROZEN) {
      body = FrozenRequestBody.of(frozen, OCTET_STREAM);
    } else {
      body = new UnknownLengthBody(stream);
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
    if (strategy == Strategy.PREBUILT_BYTES) {
      entity = new ByteArrayEntity(bytes, ContentType.APPLICATION_OCTET_STREAM);
    } else if (strategy == Strategy.PREFROZEN) {
      entity = FrozenEntity.of(frozen, ContentType.APPLICATION_OCTET_STREAM);
    } else {
      stream.rewind();
      entity = new InputStreamEntity(stream, -1, ContentType.APPLICATION_OCTET_STREAM);
    }
    HttpPost post = new HttpPost(url);
    post.setEntity(entity);
    return httpClient.execute(
        post,
        response -> requireOk(response.getCode(), EntityUtils.toString(response.getEntity())));
  }

  private static int requireOk(int code, String body) {
    if (code != 200) throw new IllegalStateException("server answered " + code + ": " + body);
    return code;
  }

  private void requireFraming(String client, String expected) {
    String seen = server.lastFraming();
    if (!Objects.equals(seen, expected)) {
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
