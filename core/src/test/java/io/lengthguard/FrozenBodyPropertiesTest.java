package io.lengthguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.testing.Payloads;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The length a frozen body declares is the number of bytes it writes, whatever the source, the read
 * pattern, the write pattern, the characters, or where the body is held.
 */
class FrozenBodyPropertiesTest {
  private static final int MAX_BYTES = 1 << 20;
  private static final int SEGMENT = SegmentBuffer.SEGMENT_SIZE;

  private static Path spillDirectory;

  @BeforeContainer
  static void createSpillDirectory() throws IOException {
    spillDirectory = Files.createTempDirectory("lengthguard-properties");
  }

  @AfterContainer
  static void deleteSpillDirectory() throws IOException {
    Files.delete(spillDirectory); // fails if a spill file was left behind
  }

  @Property(tries = 150)
  void readBodyHoldsExactlyTheSourceBytes(
      @ForAll("payloads") byte[] source,
      @ForAll("readPatterns") List<Integer> pattern,
      @ForAll @IntRange(min = -1, max = 3 * SEGMENT) int memoryBytes)
      throws IOException {
    FrozenBody body = FrozenBody.read(new PatternStream(source, pattern), buffering(memoryBytes));

    assertHolds(body, source);
    body.close();
    assertThat(spillFiles()).isEmpty();
  }

  @Property(tries = 150)
  void readPastLimitStopsOneBytePastIt(
      @ForAll("payloads") byte[] source,
      @ForAll("readPatterns") List<Integer> pattern,
      @ForAll @IntRange(min = 1, max = 5 * SEGMENT) int limit, // 0: Buffering refuses it
      @ForAll boolean spill)
      throws IOException {
    PatternStream in = new PatternStream(source, pattern);
    Buffering buffering =
        spill ? Buffering.spillToDisk(limit / 2, limit, spillDirectory) : Buffering.inMemory(limit);

    if (source.length <= limit) {
      try (FrozenBody body = FrozenBody.read(in, buffering)) {
        assertHolds(body, source);
      }
    } else {
      assertThatThrownBy(() -> FrozenBody.read(in, buffering))
          .isInstanceOfSatisfying(
              BodyTooLargeException.class,
              e -> {
                assertThat(e.limit()).isEqualTo(limit);
                assertThat(e.bytesRead()).isEqualTo(limit + 1L);
              });
      assertThat(in.pulled).isEqualTo(limit + 1L);
    }
    assertThat(spillFiles()).isEmpty();
  }

  @Property(tries = 150)
  void writtenBodyHoldsExactlyTheSourceBytes(
      @ForAll("payloads") byte[] source,
      @ForAll("writePatterns") List<Integer> pattern,
      @ForAll @IntRange(min = -1, max = 3 * SEGMENT) int memoryBytes)
      throws IOException {
    FrozenBody body = FrozenBody.write(new PatternWriter(source, pattern), buffering(memoryBytes));

    assertHolds(body, source);
    body.close();
    assertThat(spillFiles()).isEmpty();
  }

  @Property(tries = 150)
  void writtenBodyPastLimitFails(
      @ForAll("payloads") byte[] source,
      @ForAll("writePatterns") List<Integer> pattern,
      @ForAll @IntRange(min = 1, max = 5 * SEGMENT) int limit, // 0: Buffering refuses it
      @ForAll boolean spill)
      throws IOException {
    BodyWriter writer = new PatternWriter(source, pattern);
    Buffering buffering =
        spill ? Buffering.spillToDisk(limit / 2, limit, spillDirectory) : Buffering.inMemory(limit);

    if (source.length <= limit) {
      try (FrozenBody body = FrozenBody.write(writer, buffering)) {
        assertHolds(body, source);
      }
    } else {
      assertThatThrownBy(() -> FrozenBody.write(writer, buffering))
          .isInstanceOfSatisfying(
              BodyTooLargeException.class,
              e -> {
                assertThat(e.limit()).isEqualTo(limit);
                assertThat(e.bytesRead()).isGreaterThan(limit).isLessThanOrEqualTo(source.length);
              });
    }
    assertThat(spillFiles()).isEmpty();
  }

  @Property(tries = 400)
  void utf8BodyHoldsWhatStringGetBytesGives(@ForAll("unicode") String text) throws IOException {
    byte[] expected = text.getBytes(StandardCharsets.UTF_8);

    assertHolds(FrozenBody.ofUtf8(text), expected);
    assertHolds(FrozenBody.ofUtf8(new StringBuilder(text)), expected);
    assertHolds(FrozenBody.ofUtf8(CharBuffer.wrap(text)), expected);
    assertThat(Utf8.encodedLength(new StringBuilder(text))).isEqualTo(expected.length);
  }

  @Property(tries = 300)
  void charsetBodyHoldsWhatStringGetBytesGives(
      @ForAll("unicode") String text, @ForAll("charsets") Charset charset) throws IOException {
    byte[] expected = text.getBytes(charset);

    assertHolds(FrozenBody.of(text, charset), expected);
    assertHolds(FrozenBody.of(new StringBuilder(text), charset), expected);
  }

  @Provide
  Arbitrary<byte[]> payloads() {
    // Sizes around segment boundaries matter most: the probe byte, a full last segment.
    Arbitrary<Integer> sizes =
        Arbitraries.frequencyOf(
            Tuple.of(2, Arbitraries.of(0, 1, SEGMENT - 1, SEGMENT, SEGMENT + 1, 2 * SEGMENT)),
            Tuple.of(3, Arbitraries.integers().between(0, 64)),
            Tuple.of(5, Arbitraries.integers().between(0, 5 * SEGMENT)));
    return Combinators.combine(sizes, Arbitraries.longs()).as(Payloads::bytes);
  }

  @Provide
  Arbitrary<List<Integer>> readPatterns() {
    return chunkSizes(0);
  }

  @Provide
  Arbitrary<List<Integer>> writePatterns() {
    return chunkSizes(1);
  }

  private static Arbitrary<List<Integer>> chunkSizes(int min) {
    return Arbitraries.frequencyOf(
            Tuple.of(3, Arbitraries.integers().between(min, 3)),
            Tuple.of(3, Arbitraries.integers().between(min, 200)),
            Tuple.of(2, Arbitraries.integers().between(min, 3 * SEGMENT)))
        .list()
        .ofMinSize(1)
        .ofMaxSize(8);
  }

  @Provide
  Arbitrary<String> unicode() {
    Arbitrary<String> piece =
        Arbitraries.frequencyOf(
            // Any UTF-16 unit, so lone surrogates of both kinds come up.
            Tuple.of(4, Arbitraries.chars().all().map(String::valueOf)),
            Tuple.of(3, Arbitraries.chars().ascii().map(String::valueOf)),
            // Any supplementary code point: a surrogate pair.
            Tuple.of(2, Arbitraries.integers().between(0x10000, 0x10FFFF).map(Character::toString)),
            Tuple.of(
                2,
                Arbitraries.of(
                    "\u0000",
                    "\u00e9",
                    "\u07ff",
                    "\u0800",
                    "\u20ac",
                    "\uffff",
                    "\ud83d\ude00",
                    "\ud83d\udc4d\ud83c\udffd",
                    "\ud83c\udde9\ud83c\uddea",
                    "\ud800",
                    "\udfff",
                    "\udbff\udbff",
                    "\udc00\ud800")));
    return piece.list().ofMaxSize(60).map(pieces -> String.join("", pieces));
  }

  @Provide
  Arbitrary<Charset> charsets() {
    return Arbitraries.of(
        StandardCharsets.UTF_8, StandardCharsets.UTF_16, StandardCharsets.ISO_8859_1);
  }

  private static Buffering buffering(int memoryBytes) {
    return memoryBytes < 0
        ? Buffering.inMemory(MAX_BYTES)
        : Buffering.spillToDisk(memoryBytes, MAX_BYTES, spillDirectory);
  }

  private static void assertHolds(FrozenBody body, byte[] expected) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    body.writeTo(out);
    assertThat(body.contentLength()).isEqualTo(expected.length).isEqualTo(out.size());
    assertThat(out.toByteArray()).isEqualTo(expected);
    try (InputStream in = body.openStream()) {
      assertThat(in.readAllBytes()).isEqualTo(expected);
    }
    assertThat(body.toByteArray()).isEqualTo(expected);
    assertThat(FrozenBodyTest.concat(body.asReadOnlyBuffers())).isEqualTo(expected);
  }

  private static List<Path> spillFiles() throws IOException {
    try (Stream<Path> files = Files.list(spillDirectory)) {
      return files.toList();
    }
  }

  /**
   * A stream that returns as many bytes per read as the pattern says, cycling through it; a zero
   * returns nothing once, then at least one byte (a slow source that reports 0, then more).
   */
  private static final class PatternStream extends InputStream {
    private final byte[] source;
    private final List<Integer> pattern;
    private int position;
    private int step;
    private boolean lastWasZero;
    long pulled;

    PatternStream(byte[] source, List<Integer> pattern) {
      this.source = source;
      this.pattern = pattern;
    }

    @Override
    public int read() {
      if (position == source.length) return -1;
      pulled++;
      return source[position++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (len == 0) return 0;
      if (position == source.length) return -1;
      int want = pattern.get(step++ % pattern.size());
      if (want == 0 && !lastWasZero) {
        lastWasZero = true;
        return 0;
      }
      lastWasZero = false;
      int n = Math.min(Math.min(Math.max(want, 1), len), source.length - position);
      System.arraycopy(source, position, b, off, n);
      position += n;
      pulled += n;
      return n;
    }
  }

  /**
   * A serializer that writes the source in chunks the pattern sizes, as single bytes, whole arrays,
   * or slices of a larger array.
   */
  private static final class PatternWriter implements BodyWriter {
    private final byte[] source;
    private final List<Integer> pattern;

    PatternWriter(byte[] source, List<Integer> pattern) {
      this.source = source;
      this.pattern = pattern;
    }

    @Override
    public void writeTo(java.io.OutputStream out) throws IOException {
      int position = 0;
      for (int i = 0; position < source.length; i++) {
        int n = Math.min(pattern.get(i % pattern.size()), source.length - position);
        if (n == 1) {
          out.write(source[position]);
        } else if (i % 2 == 0) {
          out.write(java.util.Arrays.copyOfRange(source, position, position + n));
        } else {
          out.write(source, position, n);
        }
        position += n;
      }
    }
  }
}
