package io.lengthguard.benchmarks;

import io.lengthguard.FrozenBody;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Buffering a stream of unknown length, read in pieces of 8 KiB, with {@link FrozenBody#read}
 * against its baseline {@link InputStream#readAllBytes()}, and against a {@link
 * ByteArrayOutputStream} copy, which is what Spring's {@code StreamUtils.copyToByteArray} and
 * HttpClient's {@code BufferedHttpEntity} do. Targets: at most 1.2x the time of {@code
 * readAllBytes}, and at most 1.1x the payload size allocated ({@code gc.alloc.rate.norm} from
 * {@code -prof gc}, bytes per operation).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar BufferStreamBenchmark -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
// A fixed heap, the same in every benchmark class, so that every strategy runs with the same young
// generation; the worst strategy holds several copies of a 16 MiB body at once.
@Fork(jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class BufferStreamBenchmark {
  /** Larger than every size, so the cap never trips; the guard's default is 8 MiB. */
  private static final long MAX_BYTES = 64L * 1024 * 1024;

  /** How a stream of unknown length is buffered. */
  public enum Strategy {
    /** The subject: 8 KiB segments handed to the frozen body, never copied again. */
    FROZEN_BODY {
      @Override
      Object buffer(InputStream in) throws IOException {
        return FrozenBody.read(in, MAX_BYTES);
      }
    },
    /** The baseline: the JDK collects 8 KiB buffers, then copies them into one array. */
    READ_ALL_BYTES {
      @Override
      Object buffer(InputStream in) throws IOException {
        return in.readAllBytes();
      }
    },
    /** Spring and BufferedHttpEntity: a doubling array, then a copy of it. */
    BYTE_ARRAY_OUTPUT_STREAM {
      @Override
      Object buffer(InputStream in) throws IOException {
        // The default initial size, as BufferedHttpEntity uses.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
      }
    };

    abstract Object buffer(InputStream in) throws IOException;
  }

  @Param({"65536", "1048576", "16777216"})
  public int size;

  @Param public Strategy strategy;

  private PieceStream in;

  @Setup
  public void setUp() {
    in = new PieceStream(Data.bytes(size));
  }

  @Benchmark
  public Object buffer() throws IOException {
    in.rewind();
    // One strategy per fork, so this call site sees one receiver type and is inlined.
    return strategy.buffer(in);
  }
}
