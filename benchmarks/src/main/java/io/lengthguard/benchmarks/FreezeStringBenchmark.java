package io.lengthguard.benchmarks;

import io.lengthguard.FrozenBody;
import java.nio.charset.StandardCharsets;
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
 * Freezing a {@code String} with {@link FrozenBody#ofUtf8} against its baseline, {@link
 * String#getBytes(java.nio.charset.Charset) String.getBytes(UTF_8)}. Target: at most 1.1x the
 * baseline's time.
 *
 * <p>{@code ASCII} text is held by the JDK in one byte per char (compact strings) and has a fast
 * path in the encoder; {@code MIXED} text (Latin, CJK and emoji) is held in two bytes per char and
 * encoded char by char. {@code size} is the encoded length in bytes.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar FreezeStringBenchmark -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
// A fixed heap, the same in every benchmark class, so that runs compare across machines.
@Fork(jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class FreezeStringBenchmark {
  /** How a string becomes bytes. */
  public enum Strategy {
    /** The subject: a frozen body of the string. */
    FROZEN_BODY {
      @Override
      Object freeze(String text) {
        return FrozenBody.ofUtf8(text);
      }
    },
    /** The baseline: the JDK's encoder, one exactly sized array. */
    GET_BYTES {
      @Override
      Object freeze(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
      }
    };

    abstract Object freeze(String text);
  }

  /** What the string holds. */
  public enum Text {
    /** English prose: one byte per char. */
    ASCII("The quick brown fox jumps over the lazy dog. "),
    /** Latin with accents (2 bytes), CJK (3 bytes) and emoji (4 bytes, surrogate pairs). */
    MIXED("Grüße aus Zürich, 東京の天気は晴れ \uD83D\uDE42\uD83D\uDE80 ");

    private final String pattern;

    Text(String pattern) {
      this.pattern = pattern;
    }
  }

  @Param({"1024", "65536", "1048576"})
  public int size;

  @Param public Text text;

  @Param public Strategy strategy;

  private String value;

  @Setup
  public void setUp() {
    value = Data.text(text.pattern, size);
  }

  @Benchmark
  public Object freeze() {
    // One strategy per fork, so this call site sees one receiver type and is inlined.
    return strategy.freeze(value);
  }
}
