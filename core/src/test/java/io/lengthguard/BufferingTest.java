package io.lengthguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BufferingTest {
  @TempDir static Path temp;
  private static Path directory;

  @BeforeAll
  static void createDirectory() throws IOException {
    directory = Files.createDirectory(temp.resolve("bodies"));
  }

  @Test
  void inMemoryHoldsEverythingInMemory() {
    Buffering buffering = Buffering.inMemory(100);

    assertThat(buffering.memoryBytes()).isEqualTo(100);
    assertThat(buffering.maxBytes()).isEqualTo(100);
    assertThat(buffering.directory()).isNull();
    assertThat(buffering).hasToString("Buffering.inMemory(100)");
  }

  @Test
  void spillToDiskKeepsThresholdLimitAndDirectory() {
    Buffering buffering = Buffering.spillToDisk(10, 100, directory);

    assertThat(buffering.memoryBytes()).isEqualTo(10);
    assertThat(buffering.maxBytes()).isEqualTo(100);
    assertThat(buffering.directory()).isEqualTo(directory);
    assertThat(buffering).hasToString("Buffering.spillToDisk(10, 100, " + directory + ")");
  }

  @Test
  void equalSettingsAreEqual() {
    assertThat(Buffering.inMemory(5)).isEqualTo(Buffering.inMemory(5));
    assertThat(Buffering.inMemory(5)).hasSameHashCodeAs(Buffering.inMemory(5));
    assertThat(Buffering.inMemory(5)).isNotEqualTo(Buffering.inMemory(6));
    assertThat(Buffering.spillToDisk(1, 5, directory))
        .isEqualTo(Buffering.spillToDisk(1, 5, directory))
        .hasSameHashCodeAs(Buffering.spillToDisk(1, 5, directory))
        .isNotEqualTo(Buffering.spillToDisk(2, 5, directory))
        .isNotEqualTo(Buffering.spillToDisk(1, 5, temp));
    assertThat(Buffering.spillToDisk(5, 5, directory)).isNotEqualTo(Buffering.inMemory(5));
  }

  @Test
  void edgeValuesAreAllowed() {
    assertThat(Buffering.inMemory(1).maxBytes()).isOne();
    assertThat(Buffering.inMemory(Long.MAX_VALUE).maxBytes()).isEqualTo(Long.MAX_VALUE);
    assertThat(Buffering.spillToDisk(0, 1, directory).memoryBytes()).isZero();
    assertThat(Buffering.spillToDisk(7, 7, directory).memoryBytes()).isEqualTo(7);
  }

  @Test
  void badArgumentsAreRejectedWithTheValue() {
    assertThatThrownBy(() -> Buffering.inMemory(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBytes <= 0: -1");
    assertThatThrownBy(() -> Buffering.spillToDisk(-1, 10, directory))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("memoryBytes < 0: -1");
    assertThatThrownBy(() -> Buffering.spillToDisk(10, 5, directory))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBytes < memoryBytes: 5 < 10");
    assertThatThrownBy(() -> Buffering.spillToDisk(1, 5, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("directory == null");
  }

  @Test
  void zeroLimitIsRefused() {
    // A limit of 0 could freeze only empty bodies: every guarded body would be "too large".
    assertThatThrownBy(() -> Buffering.inMemory(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBytes <= 0: 0");
    assertThatThrownBy(() -> Buffering.spillToDisk(0, 0, directory))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBytes <= 0: 0");
  }

  @Test
  void spillDirectoryThatDoesNotExistIsRefusedWhereItIsSet() {
    Path missing = temp.resolve("missing");

    assertThatThrownBy(() -> Buffering.spillToDisk(10, 100, missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("spillToDisk directory does not exist: " + missing);
  }

  @Test
  void spillDirectoryThatIsAFileIsRefusedWhereItIsSet() throws IOException {
    Path file = Files.createFile(temp.resolve("a-file"));

    assertThatThrownBy(() -> Buffering.spillToDisk(10, 100, file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("spillToDisk directory is not a directory: " + file);
  }
}
