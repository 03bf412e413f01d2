package io.lengthguard;

import static java.util.Objects.requireNonNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How a body of unknown length is held while it is frozen: in memory up to a cap, or in memory up
 * to a threshold and then in a file, up to a cap.
 *
 * <p>This class is immutable and thread-safe.
 */
public final class Buffering {
  private final long memoryBytes;
  private final long maxBytes;
  private final @Nullable Path directory;

  private Buffering(long memoryBytes, long maxBytes, @Nullable Path directory) {
    this.memoryBytes = memoryBytes;
    this.maxBytes = maxBytes;
    this.directory = directory;
  }

  /**
   * Returns a buffering that holds up to {@code maxBytes} in memory.
   *
   * @throws IllegalArgumentException if {@code maxBytes} is not positive
   */
  public static Buffering inMemory(long maxBytes) {
    // A limit of 0 would make every guarded body "too large": refused here, not at the first send.
    Checks.requireArgument(maxBytes > 0, "maxBytes <= 0: %s", maxBytes);
    return new Buffering(maxBytes, maxBytes, null);
  }

  /**
   * Returns an in-memory limit for a single read or write ({@link
   * FrozenBody#read(java.io.InputStream, long)}), where 0 is a valid limit: it accepts only an
   * empty body.
   */
  static Buffering limit(long maxBytes) {
    Checks.requireArgument(maxBytes >= 0, "maxBytes < 0: %s", maxBytes);
    return new Buffering(maxBytes, maxBytes, null);
  }

  /**
   * Returns a buffering that holds up to {@code memoryBytes} in memory, then moves the body to a
   * file in {@code directory}, readable by its owner only, up to {@code maxBytes} in all.
   *
   * <p>{@code directory} must exist when this is called. If it goes away later, a call that needs a
   * spill file fails with an {@code IOException} naming it ({@link GuardMode#PREBUFFER}), or its
   * 411 is handed back with {@link GiveUpReason#FREEZE_FAILED}; the listener hears of it either
   * way.
   *
   * @throws IllegalArgumentException if {@code memoryBytes} is negative, {@code maxBytes} is not
   *     positive or is less than {@code memoryBytes}, or {@code directory} does not exist or is not
   *     a directory
   */
  public static Buffering spillToDisk(long memoryBytes, long maxBytes, Path directory) {
    requireNonNull(directory, "directory == null");
    Checks.requireArgument(memoryBytes >= 0, "memoryBytes < 0: %s", memoryBytes);
    Checks.requireArgument(maxBytes > 0, "maxBytes <= 0: %s", maxBytes);
    Checks.requireArgument(
        maxBytes >= memoryBytes, "maxBytes < memoryBytes: %s < %s", maxBytes, memoryBytes);
    Checks.requireArgument(
        Files.exists(directory), "spillToDisk directory does not exist: %s", directory);
    Checks.requireArgument(
        Files.isDirectory(directory), "spillToDisk directory is not a directory: %s", directory);
    return new Buffering(memoryBytes, maxBytes, directory);
  }

  /** Returns how many bytes are held in memory before the body moves to a file. */
  public long memoryBytes() {
    return memoryBytes;
  }

  /** Returns the largest body, in bytes, that can be frozen. */
  public long maxBytes() {
    return maxBytes;
  }

  /** Returns the directory of spill files, or null if bodies stay in memory. */
  public @Nullable Path directory() {
    return directory;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Buffering
        && ((Buffering) o).memoryBytes == memoryBytes
        && ((Buffering) o).maxBytes == maxBytes
        && Objects.equals(((Buffering) o).directory, directory);
  }

  @Override
  public int hashCode() {
    return Objects.hash(memoryBytes, maxBytes, directory);
  }

  @Override
  public String toString() {
    return directory == null
        ? "Buffering.inMemory(" + maxBytes + ")"
        : "Buffering.spillToDisk(" + memoryBytes + ", " + maxBytes + ", " + directory + ")";
  }
}
