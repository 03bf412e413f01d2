package io.lengthguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.testing.Payloads;
import io.lengthguard.testing.SmallDisk;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The capture's bytes when its spill file fails: every byte it counted is still there. */
class SegmentBufferTest {
  private static final int KIB = 1024;

  @TempDir Path directory;

  @Test
  void aSpillThatFailsPartWayKeepsEveryByteInMemoryAndLeavesNoFile() throws IOException {
    byte[] payload = Payloads.bytes(20 * KIB);
    SegmentBuffer buffer =
        new SegmentBuffer(
            Buffering.spillToDisk(16 * KIB, 1 << 20, SmallDisk.directory(directory, 10_000)));

    assertThatThrownBy(() -> buffer.write(payload, 0, payload.length))
        .isInstanceOf(IOException.class)
        .hasMessage("File too large");

    assertThat(buffer.inMemory()).isTrue();
    assertThat(buffer.size()).isEqualTo(payload.length);
    assertThat(snapshot(buffer)).isEqualTo(payload);
    assertThat(files()).isEmpty();
    FrozenBody frozen = buffer.freeze();
    assertThat(frozen.inFile()).isFalse();
    assertThat(frozen.openStream().readAllBytes()).isEqualTo(payload);
  }

  @Test
  void aFlushThatFailsPartWayKeepsWhatTheFileDidNotTake() throws IOException {
    byte[] payload = Payloads.bytes(64 * KIB);
    SegmentBuffer buffer =
        new SegmentBuffer(
            Buffering.spillToDisk(8 * KIB, 1 << 20, SmallDisk.directory(directory, 20_000)));
    int offset = 0;
    IOException failure = null;
    while (failure == null) {
      try {
        buffer.write(payload, offset, 1000);
        offset += 1000;
      } catch (IOException e) {
        failure = e;
      }
    }
    long size = buffer.size();
    assertThat(buffer.inMemory()).isFalse();
    assertThat(size).isGreaterThan(20_000).isBetween((long) offset, offset + 1000L);
    assertThat(snapshot(buffer)).isEqualTo(Arrays.copyOf(payload, (int) size));

    // The file is still full: a write that fills the pending bytes fails too, losing none.
    int from = (int) size;
    assertThatThrownBy(() -> buffer.write(payload, from, 10 * KIB)).hasMessage("File too large");
    long more = buffer.size();
    assertThat(more).isGreaterThan(size).isLessThan(size + 10 * KIB);
    assertThat(snapshot(buffer)).isEqualTo(Arrays.copyOf(payload, (int) more));

    assertThatThrownBy(buffer::freeze).hasMessage("File too large");
    assertThat(files()).isEmpty();
  }

  @Test
  void aSnapshotOfAFileHoldsTheBytesNotYetWrittenToIt() throws IOException {
    byte[] payload = Payloads.bytes(50 * KIB);
    SegmentBuffer buffer = new SegmentBuffer(Buffering.spillToDisk(KIB, 1 << 20, directory));
    buffer.write(payload, 0, 5000);

    try (InputStream in = buffer.snapshot()) {
      buffer.write(payload, 5000, payload.length - 5000);
      assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOf(payload, 5000));
    }
    assertThat(snapshot(buffer)).isEqualTo(payload);
    try (FrozenBody frozen = buffer.freeze()) {
      assertThat(frozen.inFile()).isTrue();
      assertThat(frozen.openStream().readAllBytes()).isEqualTo(payload);
    }
  }

  @Test
  void aSnapshotOfAFileSkipsWithinTheBytesItHolds() throws IOException {
    byte[] payload = Payloads.bytes(100 * KIB);
    int taken = 40 * KIB; // most in the file, the rest pending
    SegmentBuffer buffer = new SegmentBuffer(Buffering.spillToDisk(KIB, 1 << 20, directory));
    buffer.write(payload, 0, taken);

    try (InputStream in = buffer.snapshot()) {
      buffer.write(payload, taken, payload.length - taken); // the file grows past the snapshot
      long skipped = 0;
      while (skipped < 30_000) {
        long n = in.skip(30_000 - skipped);
        assertThat(n).isPositive();
        skipped += n;
      }
      assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(payload, 30_000, taken));
    }
    try (InputStream in = buffer.snapshot()) {
      long skipped = 0;
      for (long n; (n = in.skip(Long.MAX_VALUE)) > 0; ) skipped += n;
      assertThat(skipped).isEqualTo(payload.length);
      assertThat(in.read()).isEqualTo(-1);
    }
    buffer.discard();
  }

  private static byte[] snapshot(SegmentBuffer buffer) throws IOException {
    try (InputStream in = buffer.snapshot()) {
      return in.readAllBytes();
    }
  }

  private Object[] files() throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files.toArray();
    }
  }
}
