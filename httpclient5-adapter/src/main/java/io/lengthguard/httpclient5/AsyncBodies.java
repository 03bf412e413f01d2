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
 * Drains an {@link AsyncEntityProducer} into a stream, for the exchange to read ahead, stream and
 * capture: in steps that never wait, as the I/O reactor would call it, then to its end on a thread
 * of the guard's (never an I/O reactor's).
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
    new Run(producer, out).drain(stallNanos, canceled);
  }

  static void drain(AsyncEntityProducer producer, OutputStream out) throws IOException {
    drain(producer, out, STALL_NANOS, () -> false);
  }

  /** One run of a producer's body into one stream: steps first, if any, then the rest. */
  static final class Run {
    private final AsyncEntityProducer producer;
    private final Collector channel;

    Run(AsyncEntityProducer producer, OutputStream out) {
      this.producer = producer;
      this.channel = new Collector(out);
    }

    boolean ended() {
      return channel.ended;
    }

    /** Returns the trailer fields the producer ended its body with, or null if none. */
    @Nullable List<? extends Header> trailers() {
      return channel.trailers;
    }

    boolean writesTo(OutputStream out) {
      return channel.out == out;
    }

    /**
     * Calls the producer once, as the I/O reactor would, on a channel that takes at most {@code
     * maxBytes}; returns true if it ended its body. The producer keeps what the channel refused, as
     * it must for the reactor's full socket.
     *
     * @throws IOException if the producer ended its body after a write the channel refused: it
     *     dropped those bytes (HttpClient's own {@code DeflatingGzipEntityProducer} does), so the
     *     body is not whole. Nothing of it was sent.
     */
    boolean step(long maxBytes) throws IOException {
      channel.room = maxBytes;
      channel.refused = 0;
      try {
        producer.produce(channel);
      } finally {
        channel.room = Long.MAX_VALUE;
      }
      if (channel.ended && channel.refused > 0) {
        throw new IOException(
            "entity producer "
                + producer
                + " ended its body after the channel refused "
                + channel.refused
                + " of its bytes, past the first "
                + channel.count
                + ": it drops bytes a channel does not take, so its body is not whole; nothing"
                + " was sent");
      }
      return channel.ended;
    }

    /** Runs the producer to the end of its body, from where the steps left it. */
    void drain(long stallNanos, BooleanSupplier canceled) throws IOException {
      AsyncBodies.drain(producer, channel, stallNanos, canceled);
    }
  }

  private static void drain(
      AsyncEntityProducer producer, Collector channel, long stallNanos, BooleanSupplier canceled)
      throws IOException {
    OutputStream out = channel.out;
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

  /** A channel that copies bytes to a stream: every byte at once, or at most its room. */
  private static final class Collector implements DataStreamChannel {
    private final OutputStream out;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition signaled = lock.newCondition();
    private int signals;
    private long count;
    private boolean ended;
    private long room = Long.MAX_VALUE;
    private long refused;
    private byte @Nullable [] chunk;
    private volatile @Nullable List<? extends Header> trailers;

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
      int n = (int) Math.min(src.remaining(), room);
      if (src.hasArray()) {
        out.write(src.array(), src.arrayOffset() + src.position(), n);
        src.position(src.position() + n);
      } else {
        byte[] buffer = chunk;
        if (buffer == null) chunk = buffer = new byte[CHUNK];
        for (int left = n; left > 0; ) {
          int step = Math.min(buffer.length, left);
          src.get(buffer, 0, step);
          out.write(buffer, 0, step);
          left -= step;
        }
      }
      room -= n;
      refused += src.remaining();
      count += n;
      return n;
    }

    @Override
    public void endStream() {
      ended = true;
    }

    @Override
    public void endStream(@Nullable List<? extends Header> trailers) {
      // Kept for the streamed send; a body sent with its Content-Length carries none (RFC 9112
      // §7.1.2), and the guard refuses to send it so rather than drop them.
      if (trailers != null && !trailers.isEmpty()) this.trailers = List.copyOf(trailers);
      ended = true;
    }
  }
}
