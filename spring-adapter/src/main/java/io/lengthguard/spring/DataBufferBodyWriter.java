package io.lengthguard.spring;

import io.lengthguard.BodyWriter;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.LinkedBlockingQueue;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;

/**
 * A WebClient body as the exchange's {@link BodyWriter}: it subscribes to the body's buffers on the
 * exchange's thread, asks for one at a time (so at most one waits, however fast the publisher),
 * copies each to the stream and releases it. When the stream fails (the guard stopped the body), it
 * cancels the subscription and releases every buffer that still arrives; {@link #cancel()} does so
 * at once, even while the writer waits for a buffer that never comes.
 */
final class DataBufferBodyWriter implements BodyWriter {
  private final Publisher<? extends DataBuffer> body;
  private volatile boolean canceled;
  private volatile @Nullable OneAtATime subscriber;

  DataBufferBodyWriter(Publisher<? extends DataBuffer> body) {
    this.body = body;
  }

  @Override
  public void writeTo(OutputStream out) throws IOException {
    OneAtATime current = new OneAtATime();
    subscriber = current;
    // A cancel that came before the subscriber was set found nothing to cancel: check after.
    if (canceled) throw new InterruptedIOException("canceled");
    body.subscribe(current);
    byte[] scratch = null;
    try {
      while (true) {
        Object next = current.take();
        if (next == OneAtATime.COMPLETE) return;
        if (next instanceof Throwable) throw rethrow((Throwable) next);
        DataBuffer buffer = (DataBuffer) next;
        try (DataBuffer.ByteBufferIterator buffers = buffer.readableByteBuffers()) {
          while (buffers.hasNext()) {
            ByteBuffer bytes = buffers.next();
            if (bytes.hasArray()) {
              out.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
              continue;
            }
            if (scratch == null) scratch = new byte[8192];
            while (bytes.hasRemaining()) {
              int n = Math.min(scratch.length, bytes.remaining());
              bytes.get(scratch, 0, n);
              out.write(scratch, 0, n);
            }
          }
        } finally {
          DataBufferUtils.release(buffer);
        }
        current.requestNext();
      }
    } finally {
      current.cancel();
    }
  }

  /**
   * Stops the writer for a canceled call, as the bare connector stops the body: cancels the
   * subscription to the caller's buffers, releases those that wait, and fails a wait for the next
   * one with an {@link InterruptedIOException}. A write to the canceled exchange would stop the
   * body only at its next buffer, which a stalled publisher never sends. Does nothing once the body
   * ended. Safe to call from any thread, more than once.
   */
  @Override
  public void cancel() {
    canceled = true;
    OneAtATime current = subscriber;
    if (current != null) current.cancel();
  }

  private static IOException rethrow(Throwable failure) {
    if (failure instanceof IOException) return (IOException) failure;
    if (failure instanceof RuntimeException) throw (RuntimeException) failure;
    if (failure instanceof Error) throw (Error) failure;
    return new IOException(failure);
  }

  /** Hands the publisher's signals to the writing thread, one buffer at a time. */
  private static final class OneAtATime implements Subscriber<DataBuffer> {
    static final Object COMPLETE = new Object();

    /** What a cancel leaves for the writing thread, so that a take that waits returns. */
    private static final Object CANCELED = new Object();

    private final LinkedBlockingQueue<Object> signals = new LinkedBlockingQueue<>();
    private @Nullable Subscription subscription;
    private boolean canceled;

    @Override
    public void onSubscribe(Subscription s) {
      boolean cancelNow;
      synchronized (this) {
        subscription = s;
        cancelNow = canceled;
      }
      if (cancelNow) {
        s.cancel();
      } else {
        s.request(1);
      }
    }

    @Override
    public void onNext(DataBuffer buffer) {
      synchronized (this) {
        if (!canceled) {
          signals.add(buffer);
          return;
        }
      }
      DataBufferUtils.release(buffer);
    }

    @Override
    public void onError(Throwable failure) {
      signals.add(failure);
    }

    @Override
    public void onComplete() {
      signals.add(COMPLETE);
    }

    /** Returns the next buffer, the publisher's failure or {@link #COMPLETE}; waits for it. */
    Object take() throws InterruptedIOException {
      Object next;
      try {
        next = signals.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for the body");
      }
      if (next == CANCELED) throw new InterruptedIOException("canceled");
      return next;
    }

    void requestNext() {
      Subscription s;
      synchronized (this) {
        if (canceled) return;
        s = subscription;
      }
      if (s != null) s.request(1);
    }

    /**
     * Cancels the subscription, releases whatever buffers it left behind and wakes a take that
     * waits, which then throws. Any thread may call it, more than once.
     */
    void cancel() {
      Subscription s;
      synchronized (this) {
        if (canceled) return;
        canceled = true;
        s = subscription;
      }
      // Not serialized with the writer's request: a cancel from the caller's thread must not wait
      // for a publisher that reads in request(), and Reactive Streams rule 3.5 makes cancel
      // thread-safe.
      try {
        if (s != null) s.cancel();
      } finally {
        // From here onNext releases what it gets: only buffers queued before remain to release.
        Object left;
        while ((left = signals.poll()) != null) {
          if (left instanceof DataBuffer) DataBufferUtils.release((DataBuffer) left);
        }
        signals.add(CANCELED);
      }
    }
  }
}
