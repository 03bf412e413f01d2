package io.lengthguard;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Hands a body of unknown length from the thread that writes it (the caller's, running the caller's
 * body) to the thread that sends it (the client's, writing to the wire): first the bytes read
 * ahead, then the rest as they are written. At most {@value #WINDOW} bytes wait in between, so a
 * writer faster than the wire waits for it.
 *
 * <p>Either side may end it: the wire when it failed or a response came ({@link #closeWire}), the
 * writer when the body ended ({@link #finish}) or failed ({@link #failBody}). After the wire
 * closed, writes no longer wait; {@link #abort} makes the next one throw.
 *
 * <p>This class is thread-safe.
 */
final class BodyPipe {
  static final int WINDOW = 64 * 1024;
  private static final int CHUNK = SegmentBuffer.SEGMENT_SIZE;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
  private final ArrayDeque<Integer> lengths = new ArrayDeque<>();
  private @Nullable InputStream prefix;
  private long prefixBytes;
  private int queued;
  private byte @Nullable [] tail;
  private int tailFill;

  private long taken;
  private boolean opened;
  private boolean finished;
  private @Nullable Throwable bodyFailure;
  private boolean wireClosed;
  private @Nullable IOException abort;
  private volatile int status = -1;

  /**
   * Starts with {@code prefix}, the {@code prefixBytes} bytes read ahead, which the wire reads
   * before anything written later.
   */
  BodyPipe(InputStream prefix, long prefixBytes) {
    this.prefix = prefix;
    this.prefixBytes = prefixBytes;
  }

  // Writer side.

  /** Queues a copy of {@code bytes} for the wire; waits while the window is full. */
  void write(byte[] bytes, int offset, int length) throws IOException {
    lock.lock();
    try {
      while (length > 0) {
        checkAbort();
        if (wireClosed) return;
        if (queued >= WINDOW) {
          await();
          continue;
        }
        byte[] chunk = tail;
        if (chunk == null) {
          chunk = tail = new byte[CHUNK];
          tailFill = 0;
        }
        int n = Math.min(length, CHUNK - tailFill);
        System.arraycopy(bytes, offset, chunk, tailFill, n);
        tailFill += n;
        offset += n;
        length -= n;
        if (tailFill == CHUNK) handTail();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Passes what was written so far to the wire, full chunk or not. */
  void flush() throws IOException {
    lock.lock();
    try {
      checkAbort();
      if (tail != null && tailFill > 0) handTail();
    } finally {
      lock.unlock();
    }
  }

  /** Ends the body: the wire reads what is queued, then its end. */
  void finish() {
    lock.lock();
    try {
      if (tail != null && tailFill > 0) handTail();
      finished = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Ends the body with the caller's own failure, which the wire then throws. */
  void failBody(Throwable failure) {
    lock.lock();
    try {
      bodyFailure = failure;
      finished = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Makes the writer's next write throw {@code reason}: nothing more is wanted of the body. */
  void abort(IOException reason) {
    lock.lock();
    try {
      if (abort == null) abort = reason;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Records the status of the response to the first send. */
  void responded(int status) {
    this.status = status;
  }

  /** Returns the status of the response to the first send, or -1 if none came (yet). */
  int status() {
    return status;
  }

  /** Returns true once the wire will read no more. */
  boolean wireClosed() {
    lock.lock();
    try {
      return wireClosed;
    } finally {
      lock.unlock();
    }
  }

  /** Returns how many bytes the wire took: the read-ahead's and those written later. */
  long taken() {
    lock.lock();
    try {
      return taken;
    } finally {
      lock.unlock();
    }
  }

  private void handTail() {
    chunks.add(tail);
    lengths.add(tailFill);
    queued += tailFill;
    tail = null;
    tailFill = 0;
    changed.signalAll();
  }

  private void checkAbort() throws IOException {
    IOException reason = abort;
    if (reason != null) throw reason;
  }

  private void await() throws InterruptedIOException {
    try {
      changed.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while the body was handed to the wire");
    }
  }

  // Wire side.

  /** Marks the wire as done: it failed, or the response came. Writes no longer wait. */
  void closeWire() {
    InputStream closing;
    lock.lock();
    try {
      wireClosed = true;
      chunks.clear();
      lengths.clear();
      queued = 0;
      closing = prefix;
      prefix = null;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    closeQuietly(closing);
  }

  /** Writes the whole body to {@code out}, as it comes; once. */
  void drainTo(OutputStream out) throws IOException {
    open();
    try {
      InputStream head = takePrefix();
      if (head != null) {
        try (InputStream in = head) {
          long n = in.transferTo(new CountingStream(out));
          if (n != prefixBytes) {
            throw new IOException("read-ahead held " + n + " bytes, not " + prefixBytes);
          }
        }
      }
      byte[] chunk;
      while ((chunk = nextChunk()) != null) {
        int length = lastLength;
        out.write(chunk, 0, length);
        took(length);
      }
    } catch (IOException | RuntimeException | Error e) {
      closeWire();
      throw e;
    }
  }

  /** Returns the body as a stream, for clients that pull it; once. */
  InputStream openStream() {
    open();
    return new PipeStream();
  }

  private void open() {
    lock.lock();
    try {
      Checks.requireState(!opened, "a streamed body can be written only once");
      opened = true;
    } finally {
      lock.unlock();
    }
  }

  private @Nullable InputStream takePrefix() {
    lock.lock();
    try {
      InputStream head = prefix;
      prefix = null;
      return head;
    } finally {
      lock.unlock();
    }
  }

  private int lastLength;

  /** Returns the next chunk to send (its length in {@link #lastLength}), or null at the end. */
  private byte @Nullable [] nextChunk() throws IOException {
    lock.lock();
    try {
      while (true) {
        if (wireClosed) throw new IOException("the request's body was abandoned");
        byte[] chunk = chunks.poll();
        if (chunk != null) {
          lastLength = lengths.remove();
          queued -= lastLength;
          changed.signalAll();
          return chunk;
        }
        if (finished) {
          Throwable failure = bodyFailure;
          if (failure == null) return null;
          if (failure instanceof IOException) throw (IOException) failure;
          if (failure instanceof RuntimeException) throw (RuntimeException) failure;
          if (failure instanceof Error) throw (Error) failure;
          throw new IOException(failure);
        }
        await();
      }
    } finally {
      lock.unlock();
    }
  }

  private void took(long n) {
    lock.lock();
    try {
      taken += n;
    } finally {
      lock.unlock();
    }
  }

  private static void closeQuietly(@Nullable InputStream in) {
    if (in == null) return;
    try {
      in.close();
    } catch (IOException ignored) {
      // A read-ahead snapshot: nothing to lose.
    }
  }

  /** Counts the read-ahead's bytes as the wire takes them. */
  private final class CountingStream extends OutputStream {
    private final OutputStream out;

    CountingStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      took(1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      took(len);
    }
  }

  /** The pipe as a stream, for clients that pull the body. */
  private final class PipeStream extends InputStream {
    private @Nullable InputStream head = takePrefix();
    private byte @Nullable [] chunk;
    private int position;
    private int limit;
    private boolean ended;

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) return 0;
      try {
        if (head != null) {
          int n = head.read(b, off, len);
          if (n != -1) {
            took(n);
            return n;
          }
          head.close();
          head = null;
        }
        if (ended) return -1;
        if (chunk == null || position == limit) {
          chunk = nextChunk();
          if (chunk == null) {
            ended = true;
            return -1;
          }
          position = 0;
          limit = lastLength;
        }
        int n = Math.min(len, limit - position);
        System.arraycopy(chunk, position, b, off, n);
        position += n;
        took(n);
        return n;
      } catch (IOException | RuntimeException e) {
        closeWire();
        throw e;
      }
    }

    @Override
    public void close() {
      // A client that closes before the end abandons the body: the writer stops waiting.
      if (!ended) closeWire();
    }
  }
}
