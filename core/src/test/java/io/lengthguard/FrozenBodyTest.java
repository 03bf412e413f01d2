package io.lengthguard;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.testing.Payloads;
import io.lengthguard.testing.SmallDisk;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FrozenBodyTest {
  private static final String EXPECTED_TOO_LARGE_10_11 =
      "body exceeds maxBytes (10): read 11 bytes before stopping; raise the limit with"
          + " GuardPolicy.buffering(...) or send a body of known length";

  @Test
  void freezeCopiesCallerArray() throws IOException {
    byte[] source = {1, 2, 3, 4};
    FrozenBody body = FrozenBody.of(source);
    source[0] = 9;

    assertThat(body.contentLength()).isEqualTo(4);
    assertThat(body.toByteArray()).containsExactly(1, 2, 3, 4);
  }

  @Test
  void freezeCopiesOnlyTheGivenRange() throws IOException {
    byte[] source = {1, 2, 3, 4, 5};
    FrozenBody body = FrozenBody.of(source, 1, 3);
    source[2] = 9;

    assertThat(body.contentLength()).isEqualTo(3);
    assertThat(body.toByteArray()).containsExactly(2, 3, 4);
    assertThat(FrozenBody.of(source, 5, 0).contentLength()).isZero();
  }

  @Test
  void rangeOutsideArrayIsRejected() {
    byte[] source = new byte[4];
    assertThatThrownBy(() -> FrozenBody.of(source, -1, 2))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessage("offset=-1, length=2, array length=4");
    assertThatThrownBy(() -> FrozenBody.of(source, 0, -1))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessage("offset=0, length=-1, array length=4");
    assertThatThrownBy(() -> FrozenBody.of(source, 3, 2))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessage("offset=3, length=2, array length=4");
    // offset + length overflows int: still rejected, not wrapped around.
    assertThatThrownBy(() -> FrozenBody.of(source, 1, Integer.MAX_VALUE))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessage("offset=1, length=2147483647, array length=4");
  }

  @Test
  void nullArgumentsAreNamed() {
    assertThatThrownBy(() -> FrozenBody.of((byte[]) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("bytes == null");
    assertThatThrownBy(() -> FrozenBody.of(null, 0, 0))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("bytes == null");
    assertThatThrownBy(() -> FrozenBody.of((ByteBuffer) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("buffer == null");
    assertThatThrownBy(() -> FrozenBody.ofUtf8(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("text == null");
    assertThatThrownBy(() -> FrozenBody.of("a", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("charset == null");
    assertThatThrownBy(() -> FrozenBody.read(null, 1))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("in == null");
    assertThatThrownBy(() -> FrozenBody.read(InputStream.nullInputStream(), null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("buffering == null");
    assertThatThrownBy(() -> FrozenBody.write(null, 1))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("writer == null");
    assertThatThrownBy(() -> FrozenBody.of(new byte[1]).writeTo(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("out == null");
  }

  @Test
  void freezeCopiesRemainingBytesOfBufferWithoutMovingItsPosition() throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
    buffer.position(2).limit(6);

    FrozenBody body = FrozenBody.of(buffer);
    buffer.put(2, (byte) 9);

    assertThat(buffer.position()).isEqualTo(2);
    assertThat(buffer.limit()).isEqualTo(6);
    assertThat(body.toByteArray()).containsExactly(3, 4, 5, 6);
  }

  @Test
  void freezeCopiesDirectAndReadOnlyBuffers() throws IOException {
    ByteBuffer direct = ByteBuffer.allocateDirect(3).put(new byte[] {7, 8, 9}).flip();
    FrozenBody fromDirect = FrozenBody.of(direct);
    direct.put(0, (byte) 0);
    FrozenBody fromReadOnly = FrozenBody.of(ByteBuffer.wrap(new byte[] {5, 6}).asReadOnlyBuffer());

    assertThat(direct.position()).isZero();
    assertThat(fromDirect.toByteArray()).containsExactly(7, 8, 9);
    assertThat(fromReadOnly.toByteArray()).containsExactly(5, 6);
  }

  @Test
  void utf8LengthCountsOctetsNotCharacters() throws IOException {
    String text = "h\u00e9llo \u20ac\ud834\udd1e\ud83d\ude00\u0000";
    FrozenBody body = FrozenBody.ofUtf8(text);

    // h(1) é(2) llo (4) €(3) 𝄞(4) 😀(4) NUL(1)
    assertThat(body.contentLength()).isEqualTo(19);
    assertThat(body.toByteArray()).isEqualTo(text.getBytes(UTF_8));
  }

  @Test
  void utf8OfBuilderIsEncodedOnceAndLaterChangesDoNotShow() throws IOException {
    StringBuilder text = new StringBuilder("na\u00efve \ud83d\ude00 \ud800 end");
    byte[] expected = text.toString().getBytes(UTF_8);

    FrozenBody body = FrozenBody.ofUtf8(text);
    text.setLength(0);
    text.append("changed");

    assertThat(body.contentLength()).isEqualTo(expected.length);
    assertThat(body.toByteArray()).isEqualTo(expected);
    assertThat(FrozenBody.ofUtf8(CharBuffer.wrap("\u00e9\udc00")).toByteArray())
        .isEqualTo("\u00e9\udc00".getBytes(UTF_8));
  }

  @Test
  void charsetBodyHoldsThatEncoding() throws IOException {
    FrozenBody latin = FrozenBody.of(new StringBuilder("caf\u00e9"), ISO_8859_1);
    FrozenBody utf8 = FrozenBody.of("caf\u00e9", UTF_8);

    assertThat(latin.toByteArray()).containsExactly('c', 'a', 'f', 0xe9);
    assertThat(utf8.toByteArray()).containsExactly('c', 'a', 'f', 0xc3, 0xa9);
  }

  @Test
  void toStringShowsLengthAndStorageButNoContent() {
    FrozenBody body = FrozenBody.ofUtf8("secret-token");

    assertThat(body).hasToString("FrozenBody{length=12, storage=memory}");
    body.close();
    assertThat(body).hasToString("FrozenBody{length=12, storage=memory, closed}");
  }

  @Test
  void readingClosedBodyThrows() {
    FrozenBody body = FrozenBody.ofUtf8("abc");
    body.close();

    assertThat(body.contentLength()).isEqualTo(3);
    assertClosed(body);
    body.close(); // a second close is harmless
    assertClosed(body);
  }

  @Test
  void closingOneEmptyBodyLeavesOtherEmptyBodiesOpen() throws IOException {
    FrozenBody first = FrozenBody.of(new byte[0]);
    first.close();

    FrozenBody second = FrozenBody.ofUtf8("");
    assertThat(second.toByteArray()).isEmpty();
    assertThat(FrozenBody.read(InputStream.nullInputStream(), 10).toByteArray()).isEmpty();
    assertThat(FrozenBody.write(out -> {}, 10).toByteArray()).isEmpty();
    assertClosed(first);
  }

  @Test
  void openStreamGivesFreshIndependentStreams() throws IOException {
    byte[] source = Payloads.bytes(20_000);
    FrozenBody body = FrozenBody.read(new ByteArrayInputStream(source), 1 << 20);

    try (InputStream a = body.openStream();
        InputStream b = body.openStream()) {
      byte[] firstOfA = a.readNBytes(100);
      assertThat(b.readAllBytes()).isEqualTo(source);
      assertThat(firstOfA).isEqualTo(java.util.Arrays.copyOf(source, 100));
      byte[] restOfA = a.readAllBytes();
      assertThat(restOfA).isEqualTo(java.util.Arrays.copyOfRange(source, 100, source.length));
      assertThat(a.read()).isEqualTo(-1);
    }
    try (InputStream c = body.openStream()) {
      assertThat(c.readAllBytes()).isEqualTo(source);
    }
  }

  @Test
  void streamSupportsSingleByteReadsAndSkips() throws IOException {
    byte[] source = Payloads.bytes(20_000);
    FrozenBody body = FrozenBody.read(new ByteArrayInputStream(source), 1 << 20);

    try (InputStream in = body.openStream()) {
      assertThat(in.available()).isEqualTo(20_000);
      assertThat(in.read()).isEqualTo(source[0] & 0xff);
      assertThat(in.skip(8190)).isEqualTo(8190);
      assertThat(in.read()).isEqualTo(source[8191] & 0xff);
      assertThat(in.read()).isEqualTo(source[8192] & 0xff);
      assertThat(in.skip(-5)).isZero();
      assertThat(in.skip(100_000)).isEqualTo(20_000 - 8193);
      assertThat(in.read()).isEqualTo(-1);
      assertThat(in.read(new byte[4], 0, 4)).isEqualTo(-1);
      assertThat(in.read(new byte[4], 0, 0)).isZero();
    }
  }

  @Test
  void toByteArrayReturnsACopy() throws IOException {
    FrozenBody body = FrozenBody.of(new byte[] {1, 2, 3});

    byte[] first = body.toByteArray();
    first[0] = 9;

    assertThat(body.toByteArray()).containsExactly(1, 2, 3);
  }

  @Test
  void readOnlyBuffersAreViewsThatCannotChangeTheBody() throws IOException {
    byte[] source = Payloads.bytes(20_000);
    FrozenBody body = FrozenBody.read(new ByteArrayInputStream(source), 1 << 20);

    List<ByteBuffer> buffers = body.asReadOnlyBuffers();

    assertThat(buffers).allSatisfy(b -> assertThat(b.isReadOnly()).isTrue());
    assertThat(concat(buffers)).isEqualTo(source);
    assertThat(concat(body.asReadOnlyBuffers())).isEqualTo(source); // the first views were read
  }

  @Test
  void eightThreadsWritingOneBodyAtOnceGetIdenticalBytes(@TempDir Path directory) throws Exception {
    byte[] source = Payloads.bytes(100_000);
    FrozenBody inMemory = FrozenBody.read(new ByteArrayInputStream(source), 1 << 20);
    FrozenBody inFile =
        FrozenBody.read(
            new ByteArrayInputStream(source), Buffering.spillToDisk(1024, 1 << 20, directory));

    for (FrozenBody body : List.of(inMemory, inFile)) {
      assertThat(writeConcurrently(body, 8))
          .allSatisfy(bytes -> assertThat(bytes).isEqualTo(source));
    }
    inFile.close();
  }

  @Test
  void emptyBodyHasNoBytes() throws IOException {
    List<FrozenBody> bodies =
        List.of(
            FrozenBody.of(new byte[0]),
            FrozenBody.of(ByteBuffer.allocate(0)),
            FrozenBody.ofUtf8(""),
            FrozenBody.ofUtf8(new StringBuilder()),
            FrozenBody.read(InputStream.nullInputStream(), 0),
            FrozenBody.write(out -> {}, 0));

    for (FrozenBody body : bodies) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      body.writeTo(out);
      assertThat(body.contentLength()).isZero();
      assertThat(out.size()).isZero();
      try (InputStream in = body.openStream()) {
        assertThat(in.read()).isEqualTo(-1);
      }
      assertThat(body.toByteArray()).isEmpty();
      assertThat(body.asReadOnlyBuffers()).isEmpty();
      assertThat(body).hasToString("FrozenBody{length=0, storage=memory}");
    }
  }

  @Test
  @Tag("low-memory")
  void gigabyteStreamFailsAtLimitInSmallHeap() {
    // Run by the low-memory surefire execution; the heap would not hold the whole stream.
    assertThat(Runtime.getRuntime().maxMemory()).isLessThanOrEqualTo(256L * 1024 * 1024);
    long limit = 8L * 1024 * 1024;
    CountingStream source = new CountingStream(Payloads.zeros(1L << 30));

    assertThatThrownBy(() -> FrozenBody.read(source, limit))
        .isInstanceOfSatisfying(
            BodyTooLargeException.class,
            e -> {
              assertThat(e.limit()).isEqualTo(limit);
              assertThat(e.bytesRead()).isEqualTo(limit + 1);
            });
    assertThat(source.pulled).isEqualTo(limit + 1);
  }

  @Test
  void writeToGathersSegmentsIntoWritesOfTheGivenSize(@TempDir Path directory) throws IOException {
    byte[] source = Payloads.bytes(150_000);
    try (FrozenBody memory = FrozenBody.read(Payloads.trickle(source, 8192), source.length);
        FrozenBody file =
            FrozenBody.read(
                new ByteArrayInputStream(source),
                Buffering.spillToDisk(0, source.length, directory))) {
      for (FrozenBody body : List.of(memory, file)) {
        WriteRecorder out = new WriteRecorder();
        body.writeTo(out, 65_536);

        assertThat(out.bytes.toByteArray()).as("%s", body).isEqualTo(source);
        assertThat(out.writes).as("%s", body).containsExactly(65_536, 65_536, 18_928);
      }
    }
  }

  @Test
  void writeToOfOneArrayWritesItWhole() throws IOException {
    byte[] source = Payloads.bytes(100_000);
    WriteRecorder out = new WriteRecorder();

    FrozenBody.of(source).writeTo(out, 65_536);

    assertThat(out.writes).containsExactly(100_000);
    assertThat(out.bytes.toByteArray()).isEqualTo(source);
    assertThatThrownBy(() -> FrozenBody.of(source).writeTo(out, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("minWriteBytes <= 0: 0");
  }

  /** Records the size of each write. */
  private static final class WriteRecorder extends java.io.OutputStream {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final List<Integer> writes = new ArrayList<>();

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      writes.add(len);
      bytes.write(b, off, len);
    }
  }

  @Nested
  class Limits {
    @Test
    void readPastLimitStopsOneBytePastIt() {
      CountingStream source = new CountingStream(new ByteArrayInputStream(new byte[100]));

      assertThatThrownBy(() -> FrozenBody.read(source, 10))
          .isInstanceOfSatisfying(
              BodyTooLargeException.class,
              e -> {
                assertThat(e.limit()).isEqualTo(10);
                assertThat(e.bytesRead()).isEqualTo(11);
              })
          .hasMessage(EXPECTED_TOO_LARGE_10_11);
      assertThat(source.pulled).isEqualTo(11);
    }

    @Test
    void readPastLimitOverManySegmentsStopsOneBytePastIt() {
      int limit = 3 * SegmentBuffer.SEGMENT_SIZE + 17;
      CountingStream source = new CountingStream(Payloads.zeros(1_000_000));

      assertThatThrownBy(() -> FrozenBody.read(source, limit))
          .isInstanceOfSatisfying(
              BodyTooLargeException.class, e -> assertThat(e.bytesRead()).isEqualTo(limit + 1L));
      assertThat(source.pulled).isEqualTo(limit + 1L);
    }

    @Test
    void zeroLimitRejectsOneByte() {
      CountingStream source = new CountingStream(new ByteArrayInputStream(new byte[5]));

      assertThatThrownBy(() -> FrozenBody.read(source, 0))
          .isInstanceOfSatisfying(
              BodyTooLargeException.class, e -> assertThat(e.bytesRead()).isEqualTo(1));
      assertThat(source.pulled).isEqualTo(1);
    }

    @Test
    void bodyOfExactlyTheLimitIsFrozen() throws IOException {
      for (int size :
          new int[] {1, 10, SegmentBuffer.SEGMENT_SIZE, 2 * SegmentBuffer.SEGMENT_SIZE}) {
        byte[] source = Payloads.bytes(size);

        FrozenBody read = FrozenBody.read(new ByteArrayInputStream(source), size);
        FrozenBody written = FrozenBody.write(out -> out.write(source), size);

        assertThat(read.toByteArray()).isEqualTo(source);
        assertThat(written.toByteArray()).isEqualTo(source);
      }
    }

    @Test
    void unboundedLimitReadsWholeStream() throws IOException {
      byte[] source = Payloads.bytes(20_000);

      FrozenBody read =
          FrozenBody.read(new ByteArrayInputStream(source), Buffering.inMemory(Long.MAX_VALUE));
      FrozenBody written = FrozenBody.write(out -> out.write(source), Long.MAX_VALUE);

      assertThat(read.toByteArray()).isEqualTo(source);
      assertThat(written.toByteArray()).isEqualTo(source);
    }

    @Test
    void writePastLimitThrows() {
      assertThatThrownBy(() -> FrozenBody.write(out -> out.write(new byte[11]), 10))
          .isInstanceOfSatisfying(
              BodyTooLargeException.class,
              e -> {
                assertThat(e.limit()).isEqualTo(10);
                assertThat(e.bytesRead()).isEqualTo(11);
              })
          .hasMessage(EXPECTED_TOO_LARGE_10_11);
    }

    @Test
    void writePastLimitThrowsEvenWhenWriterSwallowsTheException() {
      BodyWriter swallowing =
          out -> {
            out.write(new byte[8]);
            try {
              out.write(new byte[3]);
            } catch (IOException ignored) {
              // A careless serializer: the guard must still refuse the body.
            }
            try {
              out.write(1);
            } catch (IOException ignored) {
              // And it keeps writing.
            }
          };

      assertThatThrownBy(() -> FrozenBody.write(swallowing, 10))
          .isInstanceOfSatisfying(
              BodyTooLargeException.class,
              e -> {
                assertThat(e.limit()).isEqualTo(10);
                assertThat(e.bytesRead()).isGreaterThan(10);
              });
    }

    @Test
    void writePastLimitThrowsEvenWhenWriterWrapsTheException() {
      BodyWriter wrapping =
          out -> {
            try {
              out.write(new byte[11]);
            } catch (IOException e) {
              throw new UncheckedIOException("serializer failed", e);
            }
          };

      assertThatThrownBy(() -> FrozenBody.write(wrapping, 10))
          .isInstanceOfSatisfying(
              BodyTooLargeException.class,
              e -> {
                assertThat(e.bytesRead()).isEqualTo(11);
                assertThat(e.getSuppressed())
                    .singleElement()
                    .isInstanceOf(UncheckedIOException.class);
              })
          .hasMessage(EXPECTED_TOO_LARGE_10_11);
    }

    @Test
    void writerFailureBelowLimitPassesThrough() {
      IOException failure = new IOException("serializer failed");

      assertThatThrownBy(
              () ->
                  FrozenBody.write(
                      out -> {
                        out.write(1);
                        throw failure;
                      },
                      10))
          .isSameAs(failure);
    }

    @Test
    void writerMayCloseTheStream() throws IOException {
      FrozenBody body =
          FrozenBody.write(
              out -> {
                out.write(new byte[] {1, 2});
                out.close();
              },
              10);

      assertThat(body.toByteArray()).containsExactly(1, 2);
    }

    @Test
    void badWriteRangeIsRejected() {
      assertThatThrownBy(() -> FrozenBody.write(out -> out.write(new byte[4], 2, 3), 10))
          .isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> FrozenBody.write(out -> out.write(new byte[4], 0, -1), 10))
          .isInstanceOf(IndexOutOfBoundsException.class);
    }
  }

  @Nested
  class Spill {
    @TempDir Path directory;

    @Test
    void toByteArrayRefusesASpillFileChangedOutsideLengthGuard() throws IOException {
      byte[] source = Payloads.bytes(50_000);
      FrozenBody body =
          FrozenBody.read(
              new ByteArrayInputStream(source), Buffering.spillToDisk(1024, 1 << 20, directory));
      Files.write(onlyFile(), new byte[] {1, 2, 3}, StandardOpenOption.APPEND);

      // As writeTo, openStream and contentDigest: never other bytes than the length says.
      assertThatThrownBy(body::toByteArray)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("holds 50003 bytes, not the 50000 frozen");
      body.close();
    }

    @Test
    void skippingInASpilledBodysStreamKeepsItsCount() throws IOException {
      byte[] source = Payloads.bytes(50_000);
      FrozenBody body =
          FrozenBody.read(
              new ByteArrayInputStream(source), Buffering.spillToDisk(1024, 1 << 20, directory));
      assertThat(body.inFile()).isTrue();

      try (InputStream in = body.openStream()) {
        in.skipNBytes(10_000);
        assertThat(in.skip(0)).isZero();
        assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(source, 10_000, 50_000));
        assertThat(in.skip(5)).isZero();
      }
      body.close();
    }

    @Test
    void aWriteWhoseFreezeFailsLeavesNoSpillFileOpen() throws IOException {
      Path small = SmallDisk.directory(directory, 10_000);
      long before = openSpillFiles();

      // The last bytes reach the file in freeze(), where the small disk refuses them.
      assertThatThrownBy(
              () ->
                  FrozenBody.write(
                      out -> out.write(Payloads.bytes(13_192)),
                      Buffering.spillToDisk(0, 1 << 20, small)))
          .isInstanceOf(IOException.class);

      assertThat(openSpillFiles() - before).as("spill files left open").isZero();
    }

    /** Counts this process's open files named as spill files (Linux). */
    private long openSpillFiles() throws IOException {
      long open = 0;
      try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
        for (Path fd : fds.toList()) {
          try {
            if (Files.readSymbolicLink(fd).toString().contains("lengthguard-")) open++;
          } catch (IOException closedMeanwhile) {
            // The listing's own descriptor, or one closed since: not a spill file.
          }
        }
      }
      return open;
    }

    @Test
    void spilledBodyLivesInOwnerOnlyFileUntilClosed() throws IOException {
      byte[] source = Payloads.bytes(100_000);

      FrozenBody body =
          FrozenBody.read(
              Payloads.trickle(source, 3000), Buffering.spillToDisk(1024, 1 << 20, directory));

      Path file = onlyFile();
      assertThat(file.getFileName().toString()).startsWith("lengthguard-").endsWith(".body");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
          .isEqualTo("rw-------");
      assertThat(Files.size(file)).isEqualTo(source.length);
      assertThat(body).hasToString("FrozenBody{length=100000, storage=file}");
      assertHolds(body, source);

      body.close();

      assertThat(filesIn()).isEmpty();
      assertThat(body).hasToString("FrozenBody{length=100000, storage=file, closed}");
      assertClosed(body);
    }

    @Test
    void spillFileThatChangedSizeFailsTheReadWithAClearError() throws IOException {
      byte[] source = Payloads.bytes(50_000);
      FrozenBody body =
          FrozenBody.read(
              new java.io.ByteArrayInputStream(source),
              Buffering.spillToDisk(1024, 1 << 20, directory));
      Path file = onlyFile();

      Files.write(file, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
      assertThatThrownBy(() -> body.writeTo(OutputStream.nullOutputStream()))
          .isInstanceOf(IOException.class)
          .hasMessage(
              "spill file "
                  + file
                  + " holds 50003 bytes, not the 50000 frozen: it was changed outside LengthGuard;"
                  + " nothing was sent from it");
      assertThatThrownBy(body::asReadOnlyBuffers)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("holds 50003 bytes, not the 50000 frozen");

      Files.write(file, java.util.Arrays.copyOf(source, 49_000));
      assertThatThrownBy(body::openStream)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("holds 49000 bytes, not the 50000 frozen");
      // Mapped, a shortened file would fail with the JDK's mapping error; it is refused first.
      assertThatThrownBy(body::asReadOnlyBuffers)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("holds 49000 bytes, not the 50000 frozen");
      body.close();
    }

    @Test
    void writtenBodySpillsToo() throws IOException {
      byte[] source = Payloads.bytes(50_000);

      FrozenBody body =
          FrozenBody.write(
              out -> {
                for (int i = 0; i < source.length; i += 777) {
                  out.write(source, i, Math.min(777, source.length - i));
                }
              },
              Buffering.spillToDisk(0, source.length, directory));

      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(onlyFile())))
          .isEqualTo("rw-------");
      assertThat(body).hasToString("FrozenBody{length=50000, storage=file}");
      assertHolds(body, source);
      body.close();
      assertThat(filesIn()).isEmpty();
    }

    @Test
    void writerThatThrowsACheckedExceptionSneakilyLeavesNoFile() throws IOException {
      java.util.concurrent.TimeoutException checked =
          new java.util.concurrent.TimeoutException("from Kotlin");

      assertThatThrownBy(
              () ->
                  FrozenBody.write(
                      out -> {
                        out.write(new byte[5000]);
                        throw GuardedExchangeTest.<RuntimeException>sneaky(checked);
                      },
                      Buffering.spillToDisk(0, 1 << 20, directory)))
          .isSameAs(checked);
      assertThat(filesIn()).isEmpty();
    }

    @Test
    void bodyWithinMemoryThresholdMakesNoFile() throws IOException {
      byte[] source = Payloads.bytes(1024);

      FrozenBody body =
          FrozenBody.read(
              new ByteArrayInputStream(source), Buffering.spillToDisk(1024, 1 << 20, directory));

      assertThat(body).hasToString("FrozenBody{length=1024, storage=memory}");
      assertThat(filesIn()).isEmpty();
      assertHolds(body, source);
    }

    @Test
    void spilledReadPastLimitFailsAndLeavesNoFile() throws IOException {
      CountingStream source = new CountingStream(Payloads.zeros(1_000_000));

      assertThatThrownBy(
              () -> FrozenBody.read(source, Buffering.spillToDisk(1024, 50_000, directory)))
          .isInstanceOfSatisfying(
              BodyTooLargeException.class,
              e -> {
                assertThat(e.limit()).isEqualTo(50_000);
                assertThat(e.bytesRead()).isEqualTo(50_001);
              });
      assertThat(source.pulled).isEqualTo(50_001);
      assertThat(filesIn()).isEmpty();
    }

    @Test
    void spilledWritePastLimitFailsAndLeavesNoFile() throws IOException {
      Buffering buffering = Buffering.spillToDisk(1024, 50_000, directory);
      BodyWriter plain = out -> out.write(new byte[60_000]);
      BodyWriter swallowing =
          out -> {
            out.write(new byte[40_000]);
            try {
              out.write(new byte[20_000]);
            } catch (IOException ignored) {
              // The guard must still refuse the body, and delete its file.
            }
          };
      BodyWriter wrapping =
          out -> {
            out.write(new byte[40_000]);
            try {
              out.write(new byte[20_000]);
            } catch (IOException e) {
              throw new IOException("serializer failed", e);
            }
          };

      for (BodyWriter writer : List.of(plain, swallowing, wrapping)) {
        assertThatThrownBy(() -> FrozenBody.write(writer, buffering))
            .isInstanceOfSatisfying(
                BodyTooLargeException.class,
                e -> {
                  assertThat(e.limit()).isEqualTo(50_000);
                  assertThat(e.bytesRead()).isEqualTo(60_000);
                });
        assertThat(filesIn()).isEmpty();
      }
    }

    @Test
    void failingSourceLeavesNoFile() throws IOException {
      InputStream failing =
          new java.io.SequenceInputStream(
              new ByteArrayInputStream(new byte[10_000]),
              new InputStream() {
                @Override
                public int read() throws IOException {
                  throw new IOException("connection reset");
                }
              });

      assertThatThrownBy(
              () -> FrozenBody.read(failing, Buffering.spillToDisk(1024, 1 << 20, directory)))
          .isInstanceOf(IOException.class)
          .hasMessage("connection reset");
      assertThat(filesIn()).isEmpty();
    }

    @Test
    void cleanerDeletesFileOfUnreachableBody() throws Exception {
      freezeAndForget();
      assertThat(filesIn()).hasSize(1);

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!filesIn().isEmpty() && System.nanoTime() - deadline < 0) {
        System.gc();
        Thread.sleep(20);
      }

      assertThat(filesIn()).isEmpty();
    }

    private void freezeAndForget() throws IOException {
      FrozenBody body =
          FrozenBody.read(
              new ByteArrayInputStream(new byte[5000]),
              Buffering.spillToDisk(100, 10_000, directory));
      assertThat(body.contentLength()).isEqualTo(5000);
    }

    private Path onlyFile() throws IOException {
      List<Path> files = filesIn();
      assertThat(files).hasSize(1);
      return files.get(0);
    }

    private List<Path> filesIn() throws IOException {
      try (Stream<Path> files = Files.list(directory)) {
        return files.toList();
      }
    }
  }

  @Nested
  class Digests {
    @Test
    void sha256OfEmptyBodyIsTheKnownVector() throws IOException {
      assertThat(FrozenBody.of(new byte[0]).contentDigest("sha-256"))
          .isEqualTo("sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:");
    }

    @Test
    void sha256OfAbcIsTheKnownVector() throws IOException {
      assertThat(FrozenBody.ofUtf8("abc").contentDigest("sha-256"))
          .isEqualTo("sha-256=:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=:");
    }

    @Test
    void sha512OfAbcIsTheFipsVector() throws IOException {
      // FIPS 180-2, appendix C.1: SHA-512("abc").
      byte[] fips =
          HexFormat.of()
              .parseHex(
                  "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                      + "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");

      assertThat(FrozenBody.ofUtf8("abc").contentDigest("sha-512"))
          .isEqualTo("sha-512=:" + Base64.getEncoder().encodeToString(fips) + ":");
    }

    @Test
    void digestIsComputedOnceAndCached() throws IOException {
      FrozenBody body = FrozenBody.ofUtf8("abc");

      String first = body.contentDigest("sha-256");
      String firstSha512 = body.contentDigest("sha-512");

      assertThat(body.contentDigest("sha-256")).isSameAs(first);
      assertThat(body.contentDigest("SHA-256")).isSameAs(first);
      assertThat(body.contentDigest("sha-512")).isSameAs(firstSha512);
    }

    @Test
    void unsupportedAlgorithmIsRejected() {
      assertThatThrownBy(() -> FrozenBody.ofUtf8("abc").contentDigest("md5"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("unsupported digest algorithm: md5; use sha-256 or sha-512");
      assertThatThrownBy(() -> FrozenBody.ofUtf8("abc").contentDigest(null))
          .isInstanceOf(NullPointerException.class)
          .hasMessage("algorithm == null");
    }

    @Test
    void spilledBodyHasTheSameDigests(@TempDir Path directory) throws Exception {
      byte[] source = Payloads.bytes(70_000);
      FrozenBody spilled =
          FrozenBody.read(
              new ByteArrayInputStream(source), Buffering.spillToDisk(0, 1 << 20, directory));

      assertThat(spilled.contentDigest("sha-256")).isEqualTo(expected("SHA-256", source));
      assertThat(spilled.contentDigest("sha-512")).isEqualTo(expected("SHA-512", source));
      assertThat(FrozenBody.of(source).contentDigest("sha-256"))
          .isEqualTo(spilled.contentDigest("sha-256"));
      spilled.close();
    }

    @Test
    void digestOfClosedBodyThrowsEvenWhenCached() throws IOException {
      FrozenBody body = FrozenBody.ofUtf8("abc");
      body.contentDigest("sha-256");
      body.close();

      assertThatThrownBy(() -> body.contentDigest("sha-256"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("body is closed");
    }

    private String expected(String jcaName, byte[] bytes) throws Exception {
      byte[] digest = MessageDigest.getInstance(jcaName).digest(bytes);
      return jcaName.toLowerCase(java.util.Locale.ROOT)
          + "=:"
          + Base64.getEncoder().encodeToString(digest)
          + ":";
    }
  }

  static void assertHolds(FrozenBody body, byte[] expected) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    body.writeTo(out);
    assertThat(body.contentLength()).isEqualTo(expected.length);
    assertThat(out.toByteArray()).isEqualTo(expected);
    try (InputStream in = body.openStream()) {
      assertThat(in.readAllBytes()).isEqualTo(expected);
    }
    assertThat(body.toByteArray()).isEqualTo(expected);
    assertThat(concat(body.asReadOnlyBuffers())).isEqualTo(expected);
  }

  static byte[] concat(List<ByteBuffer> buffers) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (ByteBuffer buffer : buffers) {
      byte[] bytes = new byte[buffer.remaining()];
      buffer.duplicate().get(bytes);
      out.writeBytes(bytes);
    }
    return out.toByteArray();
  }

  private static void assertClosed(FrozenBody body) {
    List<org.assertj.core.api.ThrowableAssert.ThrowingCallable> reads =
        List.of(
            () -> body.writeTo(new ByteArrayOutputStream()),
            body::openStream,
            body::toByteArray,
            body::asReadOnlyBuffers,
            () -> body.contentDigest("sha-256"));
    for (org.assertj.core.api.ThrowableAssert.ThrowingCallable read : reads) {
      assertThatThrownBy(read)
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("body is closed");
    }
  }

  private static List<byte[]> writeConcurrently(FrozenBody body, int threads) throws Exception {
    ExecutorService executor = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<byte[]>> results = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        Callable<byte[]> task =
            () -> {
              start.await();
              ByteArrayOutputStream out = new ByteArrayOutputStream();
              body.writeTo(out);
              return out.toByteArray();
            };
        results.add(executor.submit(task));
      }
      start.countDown();
      List<byte[]> bytes = new ArrayList<>();
      for (Future<byte[]> result : results) bytes.add(result.get(30, TimeUnit.SECONDS));
      return bytes;
    } finally {
      executor.shutdownNow();
    }
  }

  /** Counts the bytes pulled from a source, to prove how far it was read. */
  static final class CountingStream extends FilterInputStream {
    long pulled;

    CountingStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b != -1) pulled++;
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) pulled += n;
      return n;
    }
  }
}
