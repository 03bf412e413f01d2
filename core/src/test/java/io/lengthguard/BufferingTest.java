package io.lengthguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class BufferingTest {
  private static final Path DIRECTORY = Path.of("/var/tmp/bodies");

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
    Buffering buffering = Buffering.spillToDisk(10, 100, DIRECTORY);

    assertThat(buffering.memoryBytes()).isEqualTo(10);
    assertThat(buffering.maxBytes()).isEqualTo(100);
    assertThat(buffering.directory()).isEqualTo(DIRECTORY);
    assertThat(buffering).hasToString("Buffering.spillToDisk(10, 100, /var/tmp/bodies)");
  }

  @Test
  void equalSettingsAreEqual() {
    assertThat(Buffering.inMemory(5)).isEqualTo(Buffering.inMemory(5));
    assertThat(Buffering.inMemory(5)).hasSameHashCodeAs(Buffering.inMemory(5));
    assertThat(Buffering.inMemory(5)).isNotEqualTo(Buffering.inMemory(6));
    assertThat(Buffering.spillToDisk(1, 5, DIRECTORY))
        .isEqualTo(Buffering.spillToDisk(1, 5, DIRECTORY))
        .hasSameHashCodeAs(Buffering.spillToDisk(1, 5, DIRECTORY))
        .isNotEqualTo(Buffering.spillToDisk(2, 5, DIRECTORY))
        .isNotEqualTo(Buffering.spillToDisk(1, 5, Path.of("/tmp")));
    assertThat(Buffering.spillToDisk(5, 5, DIRECTORY)).isNotEqualTo(Buffering.inMemory(5));
  }

  @Test
  void edgeValuesAreAllowed() {
    assertThat(Buffering.inMemory(0).maxBytes()).isZero();
    assertThat(Buffering.inMemory(Long.MAX_VALUE).maxBytes()).isEqualTo(Long.MAX_VALUE);
    assertThat(Buffering.spillToDisk(0, 0, DIRECTORY).maxBytes()).isZero();
    assertThat(Buffering.spillToDisk(7, 7, DIRECTORY).memoryBytes()).isEqualTo(7);
  }

  @Test
  void badArgumentsAreRejectedWithTheValue() {
    assertThatThrownBy(() -> Buffering.inMemory(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBytes < 0: -1");
    assertThatThrownBy(() -> Buffering.spillToDisk(-1, 10, DIRECTORY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("memoryBytes < 0: -1");
    assertThatThrownBy(() -> Buffering.spillToDisk(10, 5, DIRECTORY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBytes < memoryBytes: 5 < 10");
    assertThatThrownBy(() -> Buffering.spillToDisk(1, 5, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("directory == null");
  }
}
