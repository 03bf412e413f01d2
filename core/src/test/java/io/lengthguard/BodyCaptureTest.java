package io.lengthguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.testing.Payloads;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BodyCaptureTest {
  @TempDir Path directory;

  @Test
  void keepsTheBytesWrittenWithinTheLimit() throws IOException {
    byte[] source = Payloads.bytes(20_000);
    BodyCapture capture = new BodyCapture(Buffering.inMemory(20_000));

    capture.write(source[0]);
    capture.write(source, 1, 9_999);
    capture.write(source, 10_000, 10_000);

    assertThat(capture.bytesSeen()).isEqualTo(20_000);
    assertThat(capture.overflowed()).isFalse();
    assertThat(capture.complete()).isFalse();
    capture.markComplete();
    assertThat(capture.complete()).isTrue();
    try (FrozenBody body = capture.freeze()) {
      assertThat(body.toByteArray()).isEqualTo(source);
    }
  }

  @Test
  void writesPastTheLimitNeverFailAndOnlyCount() {
    BodyCapture capture = new BodyCapture(Buffering.inMemory(10));

    capture.write(new byte[8], 0, 8);
    capture.write(new byte[5], 0, 5);
    capture.write(1);
    capture.write(new byte[100], 0, 100);

    assertThat(capture.overflowed()).isTrue();
    assertThat(capture.bytesSeen()).isEqualTo(114);
  }

  @Test
  void spilledCaptureKeepsItsFileAfterTheFrozenBodyTakesIt() throws IOException {
    byte[] source = Payloads.bytes(50_000);
    BodyCapture capture = new BodyCapture(Buffering.spillToDisk(1024, 1 << 20, directory));
    capture.write(source, 0, source.length);
    capture.markComplete();

    FrozenBody body = capture.freeze();
    capture.close(); // an adapter that always closes its capture must not lose the frozen body

    assertThat(filesIn()).hasSize(1);
    assertThat(body.toByteArray()).isEqualTo(source);
    body.close();
    assertThat(filesIn()).isEmpty();
  }

  @Test
  void closeDeletesASpilledCapture() throws IOException {
    BodyCapture capture = new BodyCapture(Buffering.spillToDisk(0, 1 << 20, directory));
    capture.write(new byte[5000], 0, 5000);
    assertThat(filesIn()).hasSize(1);

    capture.close();
    capture.close();

    assertThat(filesIn()).isEmpty();
  }

  @Test
  void overflowedSpilledCaptureLeavesNoFile() throws IOException {
    BodyCapture capture = new BodyCapture(Buffering.spillToDisk(100, 4000, directory));

    capture.write(new byte[3000], 0, 3000);
    assertThat(filesIn()).hasSize(1);
    capture.write(new byte[3000], 0, 3000);

    assertThat(capture.overflowed()).isTrue();
    assertThat(capture.bytesSeen()).isEqualTo(6000);
    assertThat(filesIn()).isEmpty();
  }

  @Test
  void freezingAfterCloseIsMisuse() {
    BodyCapture capture = new BodyCapture(Buffering.inMemory(10));
    capture.write(new byte[3], 0, 3);
    capture.close();

    assertThatThrownBy(capture::freeze)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("buffer is frozen or discarded");
  }

  private List<Path> filesIn() throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files.toList();
    }
  }
}
