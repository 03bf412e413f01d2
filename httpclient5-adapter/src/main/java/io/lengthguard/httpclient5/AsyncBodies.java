package io.lengthguard.httpclient5;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.jspecify.annotations.Nullable;

/**
 * Drains an {@link AsyncEntityProducer} into a stream, on a thread of the guard's (never an I/O
 * reactor's), for the exchange to read ahead, stream and capture.
 */
final class AsyncBodies {
  /** How long a producer may write nothing, having asked for no output, before draining fails. */
  static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(60);

  /** How long to wait for a signal before asking a silent producer again. */
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private static final int CHUNK = 8192;

  private AsyncBodies() {}

  /**
   * Runs {@code producer} to the end of its body into {@code out}. A producer that writes nothing
   * is called again when it asks for output ({@link DataStreamChannel#requestOutput()}), as the I/O
   * reactor would call it, or after a short wait if it does not ask.
   *
   * @throws InterruptedIOException if {@code canceled} turns true while the producer is silent
   * @throws IOException if the producer writes nothing for {@code stallNanos}
   */
  static void drain(
      AsyncEntityProducer producer, OutputStream out, long stallNanos, BooleanSupplier canceled)
      throws IOException {
    Collector channel = new Collector(out);
    long idleSince = System.nanoTime();
    while (!channel.ended) {
      long before = channel.count;
      int signals = channel.signals();
      producer.produce(channel);
      if (channel.count != before || channel.ended) {
        idleSince = System.nanoTime();
        continue;
      }
      if (canceled.getAsBoolean()) throw new InterruptedIOException("canceled");
      if (System.nanoTime() - idleSince >= stallNanos) {
        throw new IOException(
            "entity producer "
                + producer
                + " wrote nothing for "
                + TimeUnit.NANOSECONDS.toMillis(stallNanos)
                + " ms after "
                + channel.count
                + " bytes without ending its body or asking for output");
      }
      // What the producer wrote so far goes out while it is silent.
      out.flush();
      channel.awaitSignal(signals, POLL_NANOS);
    }
  }

  static void drain(AsyncEntityProducer producer, OutputStream out) throws IOException {
    drain(producer, out, STALL_NANOS, () -> false);
  }

  /** A channel that takes every byte at once and copies it to a stream. */
  private static final class Collector implements DataStreamChannel {
    private final OutputStream out;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition signaled = lock.newCondition();
    private int signals;
    private long count;
    private boolean ended;
    private byte @Nullable [] chunk;

    Collector(OutputStream out) {
      this.out = out;
    }

    int signals() {
      lock.lock();
      try {
        return signals;
      } finally {
        lock.unlock();
      }
    }

    /** Waits until {@link #requestOutput()} was called after {@code seen} signals, or the time. */
    void awaitSignal(int seen, long nanos) throws InterruptedIOException {
      lock.lock();
      try {
        long left = nanos;
        while (signals == seen && left > 0) left = signaled.awaitNanos(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for the request body");
      } finally {
        lock.unlock();
      }
    }

    /** Called by the producer, from any thread, when it has more to write. */
    @Override
    public void requestOutput() {
      lock.lock();
      try {
        signals++;
        signaled.signalAll();
      } finally {
        lock.unlock();
      }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      int n = src.remaining();
      if (src.hasArray()) {
        out.write(src.array(), src.arrayOffset() + src.position(), n);
        src.position(src.limit());
      } else {
        byte[] buffer = chunk;
        if (buffer == null) chunk = buffer = new byte[CHUNK];
        while (src.hasRemaining()) {
          int step = Math.min(buffer.length, src.remaining());
          src.get(buffer, 0, step);
          out.write(buffer, 0, step);
        }
      }
      count += n;
      return n;
    }

    @Override
    public void endStream() {
      ended = true;
    }

    @Override
    public void endStream(@Nullable List<? extends Header> trailers) {
      // Content-Length framing carries no trailers (RFC 9112 §7.1.2).
      ended = true;
    }
  }
}
