package io.lengthguard.benchmarks;

import java.io.InputStream;
import java.util.Objects;

/**
 * A stream of unknown length over a prepared array that returns at most {@link #PIECE} bytes per
 * read, as a socket or a decompressor does. {@link #rewind()} starts it over without allocating, so
 * a benchmark measures only what reads it.
 */
final class PieceStream extends InputStream {
  /** The most bytes one read returns: the JDK's and Okio's buffer size. */
  static final int PIECE = 8192;

  private final byte[] bytes;
  private int position;

  PieceStream(byte[] bytes) {
    this.bytes = bytes;
  }

  /** Starts the stream over from its first byte. */
  void rewind() {
    position = 0;
  }

  @Override
  public int read() {
    return position < bytes.length ? bytes[position++] & 0xff : -1;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) return 0;
    int remaining = bytes.length - position;
    if (remaining == 0) return -1;
    int n = Math.min(Math.min(len, PIECE), remaining);
    System.arraycopy(bytes, position, b, off, n);
    position += n;
    return n;
  }

  // available() stays 0 (InputStream's default): the length is unknown until the end.
}
