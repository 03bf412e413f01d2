package io.lengthguard.jdk;

import io.lengthguard.BodyWriter;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.Flow;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The caller's body publisher as a {@link BodyWriter}: subscribes to it once and writes each buffer
 * it publishes, in order, to the stream the guard gives. At most {@value #DEMAND} buffers are
 * requested ahead of the writer, so a publisher faster than the wire waits for it; only the writing
 * thread blocks, never the publisher's.
 */
final class PublisherWriter implements BodyWriter {
  static final int DEMAND = 4;
  private static final int COPY_BYTES = 8 * 1024;

  /** What {@code take} returns when the publisher has published nothing more yet. */
  private static final ByteBuffer PENDING = ByteBuffer.allocate(0);

  private final HttpRequest.BodyPublisher publisher;
  private final @Nullable Duration timeout;
  private volatile boolean canceled;
  private volatile @Nullable Reader reader;

  /**
   * @param timeout the request's timeout: the longest the writer waits for the publisher's next
   *     buffer, as the client would have timed the request out without the guard; null for none
   */
  PublisherWriter(HttpRequest.BodyPublisher publisher, @Nullable Duration timeout) {
    this.publisher = publisher;
    this.timeout = timeout;
  }

  @Override
  public void writeTo(OutputStream out) throws IOException {
    Reader current = new Reader();
    reader = current;
    publisher.subscribe(current);
    current.drainTo(out);
  }

  /**
   * Stops the writer, also while it waits for the publisher: it cancels its subscription and throws
   * an {@link InterruptedIOException}. A write to the canceled exchange would stop it only at its
   * next buffer, which a stalled publisher never sends.
   */
  @Override
  public void cancel() {
    canceled = true;
    Reader current = reader;
    if (current != null) current.wake();
  }

  @Override
  public String toString() {
    return "PublisherWriter{" + publisher + "}";
  }

  /** Receives the publisher's signals on any thread and hands them to the writing thread. */
  private final class Reader implements Flow.Subscriber<ByteBuffer> {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<ByteBuffer> buffers = new ArrayDeque<>();
    private Flow.@Nullable Subscription subscription;
    private boolean complete;
    private @Nullable Throwable failure;

    @Override
    public void onSubscribe(Flow.Subscription s) {
      lock.lock();
      try {
        if (subscription != null) {
          s.cancel(); // Reactive Streams rule 2.5: one subscription only
          return;
        }
        subscription = s;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void onNext(ByteBuffer item) {
      lock.lock();
      try {
        buffers.add(item);
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void onError(Throwable throwable) {
      lock.lock();
      try {
        failure = throwable;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void onComplete() {
      lock.lock();
      try {
        complete = true;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    void wake() {
      lock.lock();
      try {
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    void drainTo(OutputStream out) throws IOException {
      Flow.Subscription s = awaitSubscription();
      try {
        s.request(DEMAND);
        byte[] copy = null;
        ByteBuffer next;
        while (true) {
          next = take(false);
          if (next == PENDING) {
            // The publisher is slower than the wire: what it published so far goes out now, as
            // the client would send each buffer, before waiting for more.
            out.flush();
            next = take(true);
          }
          if (next == null) break;
          if (next.hasArray()) {
            out.write(next.array(), next.arrayOffset() + next.position(), next.remaining());
          } else {
            if (copy == null) copy = new byte[COPY_BYTES];
            while (next.hasRemaining()) {
              int n = Math.min(copy.length, next.remaining());
              next.get(copy, 0, n);
              out.write(copy, 0, n);
            }
          }
          // Requested outside the lock: a publisher may signal onNext from within request().
          s.request(1);
        }
      } catch (IOException | RuntimeException | Error e) {
        // The guard stopped the body (the response came, the wire failed, a cancel), or it failed.
        s.cancel();
        throw e;
      }
    }

    private Flow.Subscription awaitSubscription() throws IOException {
      lock.lock();
      try {
        long left = waitNanos();
        while (subscription == null) {
          if (failure != null) throw failure(failure);
          left = await(left);
        }
        return subscription;
      } finally {
        lock.unlock();
      }
    }

    /**
     * Returns the next buffer, or null at the end; throws the publisher's failure. Waits for it if
     * {@code wait}, else returns {@link #PENDING} if there is none yet.
     */
    private @Nullable ByteBuffer take(boolean wait) throws IOException {
      lock.lock();
      try {
        long left = waitNanos();
        while (true) {
          ByteBuffer next = buffers.poll();
          if (next != null) return next;
          if (failure != null) throw failure(failure);
          if (complete) return null;
          if (!wait) return PENDING;
          left = await(left);
        }
      } finally {
        lock.unlock();
      }
    }

    private long waitNanos() {
      return timeout == null ? Long.MAX_VALUE : timeout.toNanos();
    }

    /** Waits for a signal at most {@code left} nanoseconds; returns what is left of them. */
    private long await(long left) throws IOException {
      if (canceled) throw new InterruptedIOException("canceled");
      if (left <= 0) {
        throw new HttpTimeoutException(
            "request timed out: the body publisher sent nothing for "
                + timeout.toMillis()
                + " ms (HttpRequest.timeout)");
      }
      try {
        if (timeout == null) {
          changed.await();
          return left;
        }
        return changed.awaitNanos(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for the request body");
      }
    }
  }

  private static IOException failure(Throwable failure) {
    if (failure instanceof IOException) return (IOException) failure;
    if (failure instanceof UncheckedIOException) return ((UncheckedIOException) failure).getCause();
    return new IOException("the request body publisher failed: " + failure, failure);
  }
}
