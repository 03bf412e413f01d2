package io.lengthguard;

import static java.util.Objects.requireNonNull;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A request body frozen into immutable bytes, with an exact {@linkplain #contentLength() length}.
 * The bytes are taken once: from an array or buffer (copied, so the caller may reuse it), from a
 * string (encoded once), from a stream, or from a serializer run once. Every later use (the length,
 * each send, each digest) reads those same bytes.
 *
 * <p>A body read from a stream may be held in a file (see {@link Buffering#spillToDisk}); {@link
 * #close()} deletes that file. Reading a closed body throws {@link IllegalStateException}.
 *
 * <p>This class is immutable and thread-safe.
 */
public final class FrozenBody implements Closeable {
  private static final Cleaner CLEANER = Cleaner.create();
  private static final byte[][] NO_SEGMENTS = new byte[0][];
  private static final long MAX_MAPPING = 1L << 30;

  /** Full segments then one last, possibly partial, segment; empty when the body is in a file. */
  private final byte[][] segments;

  private final long length;
  private final @Nullable Path file;
  private final Cleaner.@Nullable Cleanable cleanable;
  private volatile boolean closed;
  private volatile @Nullable String sha256;
  private volatile @Nullable String sha512;

  private FrozenBody(byte[][] segments, long length, @Nullable Path file) {
    this.segments = segments;
    this.length = length;
    this.file = file;
    this.cleanable = file == null ? null : CLEANER.register(this, new DeleteFile(file));
  }

  static FrozenBody ofSegments(byte[][] segments, long length) {
    return new FrozenBody(length == 0 ? NO_SEGMENTS : segments, length, null);
  }

  static FrozenBody ofFile(Path file, long length) {
    return new FrozenBody(NO_SEGMENTS, length, file);
  }

  private static FrozenBody ofOwnedArray(byte[] bytes) {
    // Never a shared empty instance: closing one body must not close another.
    byte[][] segments = bytes.length == 0 ? NO_SEGMENTS : new byte[][] {bytes};
    return new FrozenBody(segments, bytes.length, null);
  }

  /** Returns a body of a copy of {@code bytes}. */
  public static FrozenBody of(byte[] bytes) {
    requireNonNull(bytes, "bytes == null");
    return ofOwnedArray(bytes.clone());
  }

  /** Returns a body of a copy of {@code length} bytes of {@code bytes} from {@code offset}. */
  public static FrozenBody of(byte[] bytes, int offset, int length) {
    requireNonNull(bytes, "bytes == null");
    if (offset < 0 || length < 0 || offset > bytes.length - length) {
      throw new IndexOutOfBoundsException(
          "offset=" + offset + ", length=" + length + ", array length=" + bytes.length);
    }
    byte[] copy = new byte[length];
    System.arraycopy(bytes, offset, copy, 0, length);
    return ofOwnedArray(copy);
  }

  /**
   * Returns a body of a copy of the remaining bytes of {@code buffer}; its position is unchanged.
   */
  public static FrozenBody of(ByteBuffer buffer) {
    requireNonNull(buffer, "buffer == null");
    byte[] copy = new byte[buffer.remaining()];
    buffer.duplicate().get(copy);
    return ofOwnedArray(copy);
  }

  /** Returns a body of {@code text} encoded once as UTF-8. */
  public static FrozenBody ofUtf8(CharSequence text) {
    requireNonNull(text, "text == null");
    if (text instanceof String) {
      // String.getBytes allocates the encoded array; it is ours, so no copy follows.
      return ofOwnedArray(((String) text).getBytes(StandardCharsets.UTF_8));
    }
    return ofOwnedArray(Utf8.encode(text));
  }

  /** Returns a body of {@code text} encoded once in {@code charset}. */
  public static FrozenBody of(CharSequence text, Charset charset) {
    requireNonNull(text, "text == null");
    requireNonNull(charset, "charset == null");
    if (charset.equals(StandardCharsets.UTF_8)) return ofUtf8(text);
    return ofOwnedArray(text.toString().getBytes(charset));
  }

  /**
   * Reads {@code in} to its end into a body held in memory, up to {@code maxBytes} (0 accepts only
   * an empty stream). Does not close {@code in}.
   *
   * @throws BodyTooLargeException if the stream has more than {@code maxBytes}; it is read no
   *     further than one byte past the limit
   * @throws IOException from {@code in}
   * @throws IllegalArgumentException if {@code maxBytes} is negative
   */
  public static FrozenBody read(InputStream in, long maxBytes) throws IOException {
    return read(in, Buffering.limit(maxBytes));
  }

  /**
   * Reads {@code in} to its end, held as {@code buffering} says. Does not close {@code in}.
   *
   * @throws BodyTooLargeException if the stream has more than {@link Buffering#maxBytes()}; it is
   *     read no further than one byte past the limit, and a spill file is deleted
   * @throws IOException from {@code in}, or if the spill file cannot be created or written in the
   *     buffering's directory (nothing is kept)
   */
  public static FrozenBody read(InputStream in, Buffering buffering) throws IOException {
    requireNonNull(in, "in == null");
    requireNonNull(buffering, "buffering == null");
    SegmentBuffer buffer = new SegmentBuffer(buffering);
    try {
      buffer.readFrom(in);
      return buffer.freeze();
    } catch (IOException | RuntimeException | Error e) {
      buffer.discard();
      throw e;
    }
  }

  /**
   * Runs {@code writer} once into a body held in memory, up to {@code maxBytes} (0 accepts only an
   * empty body).
   *
   * @throws BodyTooLargeException if the writer writes more than {@code maxBytes}
   * @throws IOException from {@code writer}
   * @throws IllegalArgumentException if {@code maxBytes} is negative
   */
  public static FrozenBody write(BodyWriter writer, long maxBytes) throws IOException {
    return write(writer, Buffering.limit(maxBytes));
  }

  /**
   * Runs {@code writer} once into a body held as {@code buffering} says.
   *
   * @throws BodyTooLargeException if the writer writes more than {@link Buffering#maxBytes()}, even
   *     if the writer caught the exception that its write raised
   * @throws IOException from {@code writer}, or if the spill file cannot be created or written in
   *     the buffering's directory (nothing is kept)
   */
  public static FrozenBody write(BodyWriter writer, Buffering buffering) throws IOException {
    requireNonNull(writer, "writer == null");
    requireNonNull(buffering, "buffering == null");
    SegmentBuffer buffer = new SegmentBuffer(buffering);
    try {
      writer.writeTo(buffer);
    } catch (Throwable e) {
      // Throwable: a checked exception thrown sneakily (Kotlin, Lombok) must not leave a file.
      boolean overflowed = buffer.overflowed();
      long size = buffer.size();
      buffer.discard();
      // A serializer may wrap the exception we threw (Jackson does); the caller still learns why.
      if (overflowed && !(e instanceof BodyTooLargeException)) {
        BodyTooLargeException tooLarge = new BodyTooLargeException(buffering.maxBytes(), size);
        tooLarge.addSuppressed(e);
        throw tooLarge;
      }
      throw e;
    }
    return buffer.freeze();
  }

  /** Returns the exact number of bytes in this body: the value of its {@code Content-Length}. */
  public long contentLength() {
    return length;
  }

  /**
   * Writes this body's bytes to {@code out}, without copying them. Does not close {@code out}.
   *
   * @throws IOException from {@code out}, or if the body is held in a file and reading it fails
   * @throws IllegalStateException if the body was closed
   */
  public void writeTo(OutputStream out) throws IOException {
    requireNonNull(out, "out == null");
    checkOpen();
    if (file != null) {
      try (InputStream in = openFile()) {
        in.transferTo(out);
      } finally {
        // The Cleaner deletes the file once this body is unreachable, which may be mid-method.
        Reference.reachabilityFence(this);
      }
      return;
    }
    long remaining = length;
    for (byte[] segment : segments) {
      int n = (int) Math.min(segment.length, remaining);
      out.write(segment, 0, n);
      remaining -= n;
    }
  }

  /**
   * Writes this body's bytes to {@code out} in writes of {@code minWriteBytes} each (the last may
   * be shorter), for sinks that copy or send small writes one by one. A body held in one array is
   * written as it is; one held in segments or in a file is gathered through a single buffer of at
   * most {@code minWriteBytes}. Does not close {@code out}.
   *
   * @throws IOException from {@code out}, or if the body is held in a file and reading it fails
   * @throws IllegalArgumentException if {@code minWriteBytes} is not positive
   * @throws IllegalStateException if the body was closed
   */
  public void writeTo(OutputStream out, int minWriteBytes) throws IOException {
    requireNonNull(out, "out == null");
    Checks.requireArgument(minWriteBytes > 0, "minWriteBytes <= 0: %s", minWriteBytes);
    checkOpen();
    if (file == null && (segments.length <= 1 || segments[0].length >= minWriteBytes)) {
      writeTo(out);
      return;
    }
    byte[] gather = new byte[(int) Math.min(length, minWriteBytes)];
    if (file != null) {
      try (InputStream in = openFile()) {
        int n;
        while ((n = in.readNBytes(gather, 0, gather.length)) > 0) out.write(gather, 0, n);
      } finally {
        Reference.reachabilityFence(this);
      }
      return;
    }
    int filled = 0;
    long remaining = length;
    for (byte[] segment : segments) {
      int n = (int) Math.min(segment.length, remaining);
      remaining -= n;
      for (int offset = 0; offset < n; ) {
        int step = Math.min(n - offset, gather.length - filled);
        System.arraycopy(segment, offset, gather, filled, step);
        filled += step;
        offset += step;
        if (filled == gather.length) {
          out.write(gather, 0, filled);
          filled = 0;
        }
      }
    }
    if (filled > 0) out.write(gather, 0, filled);
  }

  /**
   * Returns a new stream of this body's bytes, independent of any other. The caller closes it.
   *
   * @throws IOException if the body is held in a file and reading it fails
   * @throws IllegalStateException if the body was closed
   */
  public InputStream openStream() throws IOException {
    checkOpen();
    if (file != null) {
      try {
        return openFile();
      } finally {
        Reference.reachabilityFence(this);
      }
    }
    return new SegmentInputStream(segments, length);
  }

  /** Returns true if this body is held in a spill file. */
  boolean inFile() {
    return file != null;
  }

  /**
   * Opens the spill file for exactly {@link #length} bytes: a file that changed size since it was
   * written (truncated, or appended to by someone else) fails here or on the read that meets the
   * difference, never sends other bytes under this body's length.
   */
  private void requireUnchanged(Path path, long size) throws IOException {
    if (size != length) {
      throw new IOException(
          "spill file "
              + path
              + " holds "
              + size
              + " bytes, not the "
              + length
              + " frozen: it was"
              + " changed outside LengthGuard; nothing was sent from it");
    }
  }

  private InputStream openFile() throws IOException {
    Path path = file;
    requireUnchanged(path, Files.size(path));
    return new ExactLengthStream(Files.newInputStream(path), length, path);
  }

  /**
   * Returns read-only views of this body's bytes, in order, without copying them: for non-blocking
   * writers that hand buffers to a channel. A body held in a file is mapped, read-only.
   *
   * @throws IOException if the body is held in a file and reading it fails
   * @throws IllegalStateException if the body was closed
   */
  public List<ByteBuffer> asReadOnlyBuffers() throws IOException {
    checkOpen();
    List<ByteBuffer> result = new ArrayList<>();
    if (file != null) {
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
        // As every other read: a file changed outside LengthGuard is refused, not mapped.
        requireUnchanged(file, channel.size());
        for (long position = 0; position < length; position += MAX_MAPPING) {
          long size = Math.min(MAX_MAPPING, length - position);
          result.add(channel.map(FileChannel.MapMode.READ_ONLY, position, size));
        }
      } finally {
        Reference.reachabilityFence(this);
      }
      return result;
    }
    long remaining = length;
    for (byte[] segment : segments) {
      int n = (int) Math.min(segment.length, remaining);
      result.add(ByteBuffer.wrap(segment, 0, n).slice().asReadOnlyBuffer());
      remaining -= n;
    }
    return result;
  }

  /**
   * Returns a new array holding a copy of this body's bytes.
   *
   * @throws IOException if the body is held in a file and reading it fails
   * @throws IllegalStateException if the body was closed
   */
  public byte[] toByteArray() throws IOException {
    checkOpen();
    if (length > Integer.MAX_VALUE - 8) {
      throw new IOException("body of " + length + " bytes does not fit in an array");
    }
    if (file != null) {
      // Through openFile, as every other read: a file changed outside LengthGuard is refused.
      try (InputStream in = openFile()) {
        return in.readNBytes((int) length);
      } finally {
        Reference.reachabilityFence(this);
      }
    }
    byte[] result = new byte[(int) length];
    int position = 0;
    for (byte[] segment : segments) {
      int n = Math.min(segment.length, result.length - position);
      System.arraycopy(segment, 0, result, position, n);
      position += n;
    }
    return result;
  }

  /**
   * Returns this body's RFC 9530 {@code Content-Digest} value, such as {@code
   * sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:}, computed from these bytes once per
   * algorithm and then cached.
   *
   * @param algorithm {@code sha-256} or {@code sha-512} (RFC 9530 §5)
   * @throws IllegalArgumentException if {@code algorithm} is neither
   * @throws IOException if the body is held in a file and reading it fails
   * @throws IllegalStateException if the body was closed
   */
  public String contentDigest(String algorithm) throws IOException {
    requireNonNull(algorithm, "algorithm == null");
    checkOpen(); // also when cached: a closed body answers the same way every time
    String key = algorithm.toLowerCase(Locale.ROOT);
    switch (key) {
      case "sha-256":
        {
          String value = sha256;
          if (value == null) sha256 = value = digest(key, "SHA-256");
          return value;
        }
      case "sha-512":
        {
          String value = sha512;
          if (value == null) sha512 = value = digest(key, "SHA-512");
          return value;
        }
      default:
        throw new IllegalArgumentException(
            "unsupported digest algorithm: " + algorithm + "; use sha-256 or sha-512");
    }
  }

  /** Returns the canonical name of a supported digest algorithm, or throws. */
  static String checkDigestAlgorithm(String algorithm) {
    String key = algorithm.toLowerCase(Locale.ROOT);
    Checks.requireArgument(
        key.equals("sha-256") || key.equals("sha-512"),
        "unsupported digest algorithm: %s; use sha-256 or sha-512",
        algorithm);
    return key;
  }

  private String digest(String name, String jcaName) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance(jcaName);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e); // every Java platform has SHA-256 and SHA-512
    }
    writeTo(new DigestSink(digest));
    return name + "=:" + Base64.getEncoder().encodeToString(digest.digest()) + ":";
  }

  /** Deletes a spill file, if any. Reading afterwards throws {@link IllegalStateException}. */
  @Override
  public void close() {
    closed = true;
    // Never throws: callers close a body on completion paths (a response, a callback) that must go
    // on. A spill file that cannot be deleted is logged; it holds no secret beyond its owner.
    if (cleanable != null) {
      try {
        cleanable.clean();
      } catch (RuntimeException e) {
        System.getLogger("io.lengthguard")
            .log(System.Logger.Level.WARNING, "could not delete spill file " + file, e);
      }
    }
  }

  private void checkOpen() {
    Checks.requireState(!closed, "body is closed");
  }

  @Override
  public String toString() {
    return "FrozenBody{length="
        + length
        + ", storage="
        + (file != null ? "file" : "memory")
        + (closed ? ", closed" : "")
        + "}";
  }

  private static final class DigestSink extends OutputStream {
    private final MessageDigest digest;

    DigestSink(MessageDigest digest) {
      this.digest = digest;
    }

    @Override
    public void write(int b) {
      digest.update((byte) b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      digest.update(b, off, len);
    }
  }

  /** Deletes a spill file; holds no reference to the body, so the body can be collected. */
  private static final class DeleteFile implements Runnable {
    private final Path file;

    DeleteFile(Path file) {
      this.file = file;
    }

    @Override
    public void run() {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Reads exactly {@code length} bytes of a file: fewer or more is an error, never a body. */
  private static final class ExactLengthStream extends java.io.FilterInputStream {
    private final Path path;
    private final long length;
    private long remaining;

    ExactLengthStream(InputStream in, long length, Path path) {
      super(in);
      this.length = length;
      this.remaining = length;
      this.path = path;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) return 0;
      if (remaining == 0) {
        if (in.read() != -1) throw changed("more");
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, remaining));
      if (n == -1) throw changed("fewer");
      remaining -= n;
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      // Through read, so that the count of bytes left, and the check at the end, hold.
      long skipped = 0;
      byte[] buffer = new byte[(int) Math.min(8192, Math.max(1, Math.min(n, remaining)))];
      while (skipped < n && remaining > 0) {
        int k = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
        if (k == -1) break;
        skipped += k;
      }
      return skipped;
    }

    @Override
    public long transferTo(OutputStream out) throws IOException {
      byte[] buffer = new byte[8192];
      long total = 0;
      int n;
      while ((n = read(buffer, 0, buffer.length)) != -1) {
        out.write(buffer, 0, n);
        total += n;
      }
      return total;
    }

    private IOException changed(String what) {
      return new IOException(
          "spill file "
              + path
              + " holds "
              + what
              + " than the "
              + length
              + " bytes frozen: it"
              + " was changed outside LengthGuard while it was read");
    }
  }

  static final class SegmentInputStream extends InputStream {
    private final byte[][] segments;
    private long remaining;
    private int index;
    private int position;

    SegmentInputStream(byte[][] segments, long length) {
      this.segments = segments;
      this.remaining = length;
    }

    @Override
    public int read() {
      if (remaining == 0) return -1;
      byte[] one = new byte[1];
      read(one, 0, 1);
      return one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      java.util.Objects.checkFromIndexSize(off, len, b.length);
      if (len == 0) return 0;
      if (remaining == 0) return -1;
      byte[] segment = segments[index];
      int n = (int) Math.min(Math.min(len, segment.length - position), remaining);
      System.arraycopy(segment, position, b, off, n);
      advance(n);
      return n;
    }

    @Override
    public long skip(long n) {
      long skipped = 0;
      while (skipped < n && remaining > 0) {
        byte[] segment = segments[index];
        int step = (int) Math.min(Math.min(n - skipped, segment.length - position), remaining);
        advance(step);
        skipped += step;
      }
      return skipped;
    }

    @Override
    public int available() {
      return (int) Math.min(remaining, Integer.MAX_VALUE);
    }

    /** Moves past {@code n} bytes of the current segment, to the next one at its end. */
    private void advance(int n) {
      position += n;
      remaining -= n;
      if (position == segments[index].length) {
        index++;
        position = 0;
      }
    }

    /**
     * Lends {@code sink} the rest of the current segment itself, no intermediate buffer; returns
     * how many bytes it took, or -1 at the end.
     */
    int offerTo(OutgoingBody.Sink sink) throws IOException {
      if (remaining == 0) return -1;
      byte[] segment = segments[index];
      int n = (int) Math.min(segment.length - position, remaining);
      int took = Checks.requireTaken(sink.lend(segment, position, n), n);
      advance(took);
      return took;
    }

    /** Writes the segments themselves: no intermediate buffer. */
    @Override
    public long transferTo(OutputStream out) throws IOException {
      long total = 0;
      while (remaining > 0) {
        byte[] segment = segments[index];
        int n = (int) Math.min(segment.length - position, remaining);
        out.write(segment, position, n);
        advance(n);
        total += n;
      }
      return total;
    }
  }
}
