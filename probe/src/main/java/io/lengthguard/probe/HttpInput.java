package io.lengthguard.probe;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A buffered reader of a socket's bytes with a deadline: every read waits no longer than what is
 * left of it, so a server that trickles bytes cannot hold the probe past its timeout.
 */
final class HttpInput {
  private final Socket socket;
  private final InputStream in;
  private final byte[] buffer = new byte[8192];
  private int pos;
  private int limit;
  private boolean eof;
  private long deadline;

  HttpInput(Socket socket, long deadlineNanos) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.deadline = deadlineNanos;
  }

  /** Sets the {@link System#nanoTime()} after which reads fail with a timeout. */
  void deadline(long deadlineNanos) {
    this.deadline = deadlineNanos;
  }

  long deadline() {
    return deadline;
  }

  /**
   * Returns true once a byte or the end of the stream is there, false if {@code waitNanos} (or the
   * deadline) passed with nothing. Nothing read is lost either way.
   */
  boolean await(long waitNanos) throws IOException {
    if (pos < limit || eof) return true;
    long wait = Math.min(waitNanos, deadline - System.nanoTime());
    if (wait <= 0) return false;
    try {
      fill(wait);
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    }
  }

  /**
   * Returns the next line without its CR LF, decoded as ISO-8859-1, or null at the end of the
   * stream before the line's first byte.
   *
   * @throws ProtocolException if the line is longer than {@code maxBytes}
   */
  @Nullable String readLine(int maxBytes) throws IOException {
    StringBuilder line = new StringBuilder();
    while (true) {
      if (pos == limit && !fill(deadline - System.nanoTime())) {
        if (line.length() == 0) return null;
        throw new EOFException("end of stream in the middle of a line");
      }
      byte b = buffer[pos++];
      if (b == '\n') {
        int end = line.length();
        if (end > 0 && line.charAt(end - 1) == '\r') line.setLength(end - 1);
        return line.toString();
      }
      if (line.length() == maxBytes) {
        throw new ProtocolException("a response line over " + maxBytes + " bytes");
      }
      line.append((char) (b & 0xff));
    }
  }

  /**
   * Reads and drops bytes until the end of the stream, and returns true; returns false if {@code
   * waitNanos} (or the deadline) passed first. A connection reset also ends the stream.
   */
  boolean awaitEnd(long waitNanos) {
    long until = System.nanoTime() + Math.min(waitNanos, deadline - System.nanoTime());
    while (!eof) {
      long left = until - System.nanoTime();
      if (left <= 0) return false;
      pos = limit;
      try {
        fill(left);
      } catch (SocketTimeoutException e) {
        return false;
      } catch (IOException e) {
        eof = true;
      }
    }
    return true;
  }

  /** Reads and discards up to {@code count} bytes; returns how many, fewer at end of stream. */
  long skip(long count) throws IOException {
    long skipped = 0;
    while (skipped < count) {
      if (pos == limit && !fill(deadline - System.nanoTime())) break;
      int n = (int) Math.min(limit - pos, count - skipped);
      pos += n;
      skipped += n;
    }
    return skipped;
  }

  /** Reads once into the empty buffer; false at end of stream. */
  private boolean fill(long waitNanos) throws IOException {
    if (eof) return false;
    if (waitNanos <= 0) throw new SocketTimeoutException("deadline passed");
    // SO_TIMEOUT of 0 means forever, so round up to at least one millisecond.
    long millis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos + 999_999));
    socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, millis));
    int n = in.read(buffer, 0, buffer.length);
    if (n == -1) {
      eof = true;
      return false;
    }
    pos = 0;
    limit = n;
    return true;
  }
}
