package io.lengthguard;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Collects a body of unknown length in fixed-size segments, moving it to a file once it passes the
 * memory threshold. The bytes are never held twice: {@link #freeze} hands the segments themselves
 * to the frozen body.
 *
 * <p>This class is not thread-safe.
 */
final class SegmentBuffer extends OutputStream {
  // Small enough that the last, partly filled segment wastes little; the size of Okio's segments
  // and of the JDK's stream-copy buffers, so writes downstream go out in natural pieces.
  static final int SEGMENT_SIZE = 8192;

  /**
   * The segments of a body streamed past its read-ahead, which the wire reads as they are: large
   * enough that a client writes each in one piece as big as it would have written (a 16 MiB send
   * through HttpClient 5 went at 0.73x in 8 KiB pieces, at 1.0x in 32 KiB ones), small enough that
   * the last one wastes little of a body over the read-ahead.
   */
  static final int STREAMED_SEGMENT_SIZE = 32 * 1024;

  private final Buffering buffering;
  private final long maxBytes;
  private byte[][] segments = new byte[4][];
  private int segmentCount;
  // The size of the segments allocated next; the last segment's size and how much of it is filled.
  private int segmentSize = SEGMENT_SIZE;
  private int lastSize;
  private int lastFill;

  /**
   * Bytes taken; once {@link #overflowed}, bytes offered (of which nothing more is held). In a
   * file, always {@link #fileLength} plus the bytes pending in {@link #fileBuffer}.
   */
  private long size;

  private @Nullable Path file;
  private @Nullable FileChannel channel;
  private @Nullable ByteBuffer fileBuffer;

  /** Bytes the file is known to hold: its writes returned them. */
  private long fileLength;

  private boolean overflowed;
  private boolean done;

  SegmentBuffer(Buffering buffering) {
    this.buffering = buffering;
    this.maxBytes = buffering.maxBytes();
  }

  long size() {
    return size;
  }

  boolean overflowed() {
    return overflowed;
  }

  /** Reads {@code in} to its end, no further than {@code maxBytes} plus one byte. */
  void readFrom(InputStream in) throws IOException {
    while (true) {
      if (file == null) {
        if (lastFill == lastSize) {
          // Learn whether there is more before allocating a segment: a full last segment then
          // wastes nothing at the end of the stream.
          int b = in.read();
          if (b == -1) return;
          write(b);
          continue;
        }
        byte[] segment = segments[segmentCount - 1];
        int n = in.read(segment, lastFill, (int) Math.min(lastSize - lastFill, room()));
        if (n == -1) return;
        accept(n);
        lastFill += n;
        if (file == null && size > buffering.memoryBytes()) spill();
      } else {
        ByteBuffer buffer = fileBuffer;
        int n =
            in.read(buffer.array(), buffer.position(), (int) Math.min(buffer.remaining(), room()));
        if (n == -1) return;
        accept(n);
        buffer.position(buffer.position() + n);
        if (!buffer.hasRemaining()) flushFileBuffer();
      }
    }
  }

  /** Returns how many more bytes may be read: one past the limit, so passing it is seen. */
  private long room() {
    return maxBytes - size + 1;
  }

  private void accept(int n) throws BodyTooLargeException {
    size += n;
    if (size > maxBytes) {
      overflowed = true;
      throw new BodyTooLargeException(maxBytes, size);
    }
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] source, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, source.length);
    Checks.requireState(!done, "buffer is frozen or discarded");
    if (overflowed || length > maxBytes - size) {
      // Past the limit nothing more is held; size counts what was offered, so that the exception
      // still reports more than the limit when a writer swallowed the first one and went on.
      overflowed = true;
      size += length;
      throw new BodyTooLargeException(maxBytes, size);
    }
    while (length > 0) {
      if (file != null) {
        ByteBuffer buffer = fileBuffer;
        int n = Math.min(length, buffer.remaining());
        buffer.put(source, offset, n);
        // Counted as they enter the buffer: a failed flush keeps them there.
        size += n;
        offset += n;
        length -= n;
        if (!buffer.hasRemaining()) flushFileBuffer();
        continue;
      }
      if (lastFill == lastSize) {
        if (segmentCount == segments.length) segments = Arrays.copyOf(segments, segmentCount * 2);
        segments[segmentCount++] = new byte[segmentSize];
        lastSize = segmentSize;
        lastFill = 0;
      }
      int n = Math.min(length, lastSize - lastFill);
      System.arraycopy(source, offset, segments[segmentCount - 1], lastFill, n);
      lastFill += n;
      size += n;
      offset += n;
      length -= n;
      if (size > buffering.memoryBytes()) spill();
    }
  }

  /**
   * Queues the last {@code length} bytes written, held in memory, on {@code pipe}: the segments
   * themselves, which nothing writes again, so the wire reads them without a copy.
   */
  void lendLast(int length, BodyPipe pipe) throws IOException {
    Checks.requireState(file == null && !done, "only bytes held in memory can be lent");
    // Every segment but the last is full: walk back from the last to where the bytes begin.
    int index = segmentCount - 1;
    int at = lastFill;
    int back = length;
    while (back > at) {
      back -= at;
      at = segments[--index].length;
    }
    at -= back;
    while (length > 0) {
      byte[] segment = segments[index++];
      int n = Math.min(segment.length - at, length);
      pipe.lend(segment, at, n);
      length -= n;
      at = 0;
    }
  }

  /**
   * Makes the segments allocated from now on hold {@code size} bytes each, for a body known to be
   * long.
   */
  void segmentSize(int size) {
    segmentSize = size;
  }

  /**
   * Moves what is held in memory to a new owner-only file; later bytes go to the file. If the file
   * fails, it is deleted and the bytes stay in memory, all of them: a short file would send a body
   * with a hole in it.
   */
  private void spill() throws IOException {
    Path directory = buffering.directory();
    if (directory == null) return; // inMemory: memoryBytes == maxBytes, so never reached
    Path path = createOwnerOnlyFile(directory);
    FileChannel ch = null;
    long written = 0;
    ByteBuffer buffer;
    try {
      ch = FileChannel.open(path, StandardOpenOption.WRITE);
      for (int i = 0; i < segmentCount; i++) {
        int length = i == segmentCount - 1 ? lastFill : segments[i].length;
        ByteBuffer segment = ByteBuffer.wrap(segments[i], 0, length);
        while (segment.hasRemaining()) written += ch.write(segment, written);
      }
      buffer = ByteBuffer.allocate(SEGMENT_SIZE);
    } catch (IOException | RuntimeException | Error e) {
      try {
        if (ch != null) ch.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      try {
        Files.deleteIfExists(path);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    file = path;
    channel = ch;
    fileLength = written;
    fileBuffer = buffer;
    segments = new byte[0][];
    segmentCount = 0;
  }

  static Path createOwnerOnlyFile(Path directory) throws IOException {
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      FileAttribute<?> ownerOnly =
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
      return Files.createTempFile(directory, "lengthguard-", ".body", ownerOnly);
    }
    Path path = Files.createTempFile(directory, "lengthguard-", ".body");
    path.toFile().setReadable(false, false);
    path.toFile().setReadable(true, true);
    path.toFile().setWritable(false, false);
    path.toFile().setWritable(true, true);
    return path;
  }

  /**
   * Writes the pending bytes to the file. If it fails, the bytes the file did not take stay
   * pending, still counted in {@link #size}: they are sent from here, never lost.
   */
  private void flushFileBuffer() throws IOException {
    ByteBuffer buffer = fileBuffer;
    buffer.flip();
    try {
      // At the known length: a write that failed part way leaves nothing a later one skips.
      while (buffer.hasRemaining()) fileLength += channel.write(buffer, fileLength);
    } finally {
      buffer.compact();
    }
  }

  /** Returns true while the bytes are held in memory, not in a file. */
  boolean inMemory() {
    return file == null;
  }

  /**
   * Returns a stream of the bytes written so far, which later writes do not change: in memory, the
   * segments themselves; in a file, a channel of its own (it reads on even after a {@link #discard}
   * deletes the file, on file systems that allow it) to the bytes the file holds, then a copy of
   * those not yet written to it, so that a file that fails loses none of them. The caller closes
   * it.
   */
  InputStream snapshot() throws IOException {
    Checks.requireState(!done, "buffer is frozen or discarded");
    long length = size;
    if (file == null) {
      byte[][] taken = Arrays.copyOf(segments, segmentCount);
      return FrozenBody.ofSegments(taken, length).openStream();
    }
    long inFile = fileLength;
    byte[] pending = Arrays.copyOf(fileBuffer.array(), fileBuffer.position());
    FileChannel read = FileChannel.open(file, StandardOpenOption.READ);
    InputStream head =
        new java.io.FilterInputStream(java.nio.channels.Channels.newInputStream(read)) {
          private long remaining = inFile;

          @Override
          public int read() throws IOException {
            if (remaining == 0) return -1;
            int b = in.read();
            if (b != -1) remaining--;
            return b;
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            if (remaining == 0) return -1;
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n > 0) remaining -= n;
            return n;
          }
        };
    return new java.io.SequenceInputStream(head, new java.io.ByteArrayInputStream(pending));
  }

  /** Returns a frozen body holding exactly the bytes written; this buffer is then done. */
  FrozenBody freeze() throws IOException {
    Checks.requireState(!done, "buffer is frozen or discarded");
    if (overflowed) {
      discard();
      throw new BodyTooLargeException(maxBytes, size);
    }
    done = true;
    if (file != null) {
      Path path = file;
      try {
        flushFileBuffer();
        channel.close();
      } catch (IOException e) {
        try {
          channel.close(); // a failed flush left it open: a deleted file's space stays taken else
        } catch (IOException ignored) {
          // The file is deleted next; a failed close loses nothing more.
        }
        Files.deleteIfExists(path);
        throw e;
      }
      // The file now belongs to the frozen body: a later discard() must not delete it.
      file = null;
      channel = null;
      return FrozenBody.ofFile(path, size);
    }
    byte[][] frozen =
        segmentCount == segments.length ? segments : Arrays.copyOf(segments, segmentCount);
    segments = new byte[0][];
    return FrozenBody.ofSegments(frozen, size);
  }

  /** Releases the bytes and deletes the spill file, if any. Safe to call more than once. */
  void discard() {
    done = true;
    segments = new byte[0][];
    segmentCount = 0;
    Path path = file;
    file = null;
    if (path != null) {
      try {
        if (channel != null) channel.close();
      } catch (IOException ignored) {
        // The file is deleted next; a failed close loses nothing.
      }
      try {
        Files.deleteIfExists(path);
      } catch (IOException ignored) {
        // Nothing more to do; the directory is the caller's.
      }
    }
  }

  @Override
  public void close() {
    // The stream handed to a BodyWriter may be closed by the serializer; that ends nothing.
  }
}
