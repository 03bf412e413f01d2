package io.lengthguard.benchmarks;

import io.lengthguard.FrozenBody;
import io.lengthguard.GuardPolicy;
import io.lengthguard.benchmarks.GuardOverheadBenchmark.OkHttpChain;
import io.lengthguard.okhttp.FrozenRequestBody;
import io.lengthguard.okhttp.LengthGuardInterceptor;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okio.Buffer;
import okio.BufferedSink;
import okio.Okio;
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
 * What freezing an OkHttp {@code RequestBody} of unknown length allocates: the {@link
 * LengthGuardInterceptor} with the default policy on a body within the read-ahead, which runs the
 * caller's {@code writeTo} once into the exchange and hands the chain a {@link FrozenRequestBody},
 * against the way users take the bytes out of a {@code RequestBody} themselves ({@code
 * OKIO_BUFFER}: {@code writeTo} an Okio {@code Buffer}, then {@code readByteArray()}). Target: the
 * guard allocates at most 1.1x the payload ({@code gc.alloc.rate.norm} from {@code -prof gc}), so
 * the bytes are copied once, from Okio's segments into the frozen body's.
 *
 * <p>No network: the chain answers a prepared response, as in {@link GuardOverheadBenchmark}.
 * {@code CORE_READ}, a diagnostic, is {@code FrozenBody.read} of the same stream without OkHttp:
 * the floor the guard's freeze can reach. The caller's body reads a {@link PieceStream} in pieces
 * of 8 KiB through {@code sink.writeAll(Okio.source(in))}, the usual streaming body. {@link #setUp}
 * checks that the chain got a frozen body of exactly {@code size} bytes.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar OkHttpFreezeBenchmark -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
// A fixed heap, the same in every benchmark class, so that runs compare across machines.
@Fork(jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class OkHttpFreezeBenchmark {
  private static final MediaType OCTET_STREAM = MediaType.get("application/octet-stream");

  /** How the body's bytes are taken. */
  public enum Strategy {
    /** The subject: the interceptor freezes the body (default policy, within the read-ahead). */
    GUARD,
    /** The baseline: {@code writeTo} an Okio {@code Buffer}, then {@code readByteArray()}. */
    OKIO_BUFFER,
    /** A diagnostic: {@code FrozenBody.read} of the same stream, no OkHttp. */
    CORE_READ
  }

  // Both within the default read-ahead (1 MiB), so the default policy freezes the body.
  @Param({"65536", "1048576"})
  public int size;

  @Param public Strategy strategy;

  private PieceStream stream;
  private RequestBody body;
  private LengthGuardInterceptor interceptor;
  private OkHttpChain chain;
  private OkHttpClient client;

  @Setup
  public void setUp() throws IOException {
    stream = new PieceStream(Data.bytes(size));
    body = new UnknownLengthBody(stream);
    Request request = new Request.Builder().url("http://127.0.0.1:8080/upload").post(body).build();
    interceptor = LengthGuardInterceptor.create();
    // The guard asks the chain's call whether it was canceled; this one never runs.
    client = new OkHttpClient();
    chain = new OkHttpChain(request, GuardOverheadBenchmark.ok(request), client.newCall(request));

    if (strategy == Strategy.GUARD) {
      freeze();
      RequestBody sent = chain.seen == null ? null : chain.seen.body();
      if (!(sent instanceof FrozenRequestBody) || sent.contentLength() != size) {
        throw new IllegalStateException("the chain got " + sent + ", not a frozen body of " + size);
      }
    }
  }

  @TearDown
  public void tearDown() {
    client.dispatcher().executorService().shutdown();
  }

  /** Takes the body's bytes once. */
  @Benchmark
  public Object freeze() throws IOException {
    switch (strategy) {
      case GUARD:
        return interceptor.intercept(chain);
      case OKIO_BUFFER:
        Buffer buffer = new Buffer();
        body.writeTo(buffer);
        return buffer.readByteArray();
      case CORE_READ:
        stream.rewind();
        return FrozenBody.read(stream, GuardPolicy.DEFAULT_MAX_BUFFER_BYTES);
    }
    throw new AssertionError(strategy);
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
}
