package io.lengthguard.jdk;

import io.lengthguard.OutgoingBody;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A streamed body as the client's body publisher, of unknown length (chunked on HTTP/1.1). The
 * first subscription publishes the body as the caller writes it: the bytes the guard keeps in its
 * copy go as read-only buffers over that copy, with no copy of their own. The client subscribes
 * again for a redirect, an authentication or a retry of its own: a later subscription publishes the
 * same bytes from the guard's copy, once the caller's body ended, or fails with the guard's {@code
 * IOException} where no copy was kept.
 */
final class StreamedBodyPublisher implements HttpRequest.BodyPublisher {
  private final OutgoingBody body;
  private final AtomicBoolean subscribed = new AtomicBoolean();

  StreamedBodyPublisher(OutgoingBody body) {
    this.body = body;
  }

  @Override
  public long contentLength() {
    return -1;
  }

  @Override
  public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
    if (subscribed.compareAndSet(false, true)) {
      new FirstWrite(subscriber, body.openSource()).start();
    } else {
      HttpRequest.BodyPublishers.ofInputStream(this::replay).subscribe(subscriber);
    }
  }

  private InputStream replay() {
    try {
      return body.openStream();
    } catch (IOException e) {
      return failing(e);
    }
  }

  private static InputStream failing(IOException failure) {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        throw failure;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        throw failure;
      }
    };
  }

  /**
   * The first subscription: publishes what the source has whenever there is demand, from whichever
   * thread asks (the client's, requesting; the caller's or a guard thread, waking it when bytes are
   * queued), one at a time.
   */
  private static final class FirstWrite implements Flow.Subscription, OutgoingBody.Sink {
    private final Flow.Subscriber<? super ByteBuffer> subscriber;
    private final OutgoingBody.Source source;
    private final AtomicLong demand = new AtomicLong();
    private final AtomicInteger pending = new AtomicInteger();
    private final Runnable wake = this::drain;
    private volatile boolean done;
    private volatile @Nullable IllegalArgumentException rejected;

    FirstWrite(Flow.Subscriber<? super ByteBuffer> subscriber, OutgoingBody.Source source) {
      this.subscriber = subscriber;
      this.source = source;
    }

    void start() {
      subscriber.onSubscribe(this);
    }

    @Override
    public void request(long n) {
      if (n <= 0) {
        // Reactive Streams rule 3.9, signaled from the drain so that signals never overlap.
        rejected = new IllegalArgumentException("non-positive request: " + n);
      } else {
        demand.getAndAccumulate(
            n,
            (current, more) -> {
              long sum = current + more;
              return sum < 0 ? Long.MAX_VALUE : sum;
            });
      }
      drain();
    }

    @Override
    public void cancel() {
      done = true;
      source.close();
    }

    /** Publishes while there is demand and something to publish; one thread at a time. */
    private void drain() {
      if (pending.getAndIncrement() != 0) return;
      do {
        try {
          IllegalArgumentException invalid = rejected;
          if (invalid != null) fail(invalid);
          while (!done && demand.get() > 0) {
            if (source.writeTo(this, wake)) {
              done = true;
              subscriber.onComplete();
            } else if (source.available() == 0) {
              break; // the wake comes once bytes are queued
            }
          }
        } catch (Throwable e) {
          // The body failed, or the subscriber threw: the source closes, the writer stops waiting.
          fail(e);
          if (e instanceof Error) throw (Error) e;
        }
      } while (pending.decrementAndGet() != 0);
    }

    private void fail(Throwable failure) {
      if (done) return;
      done = true;
      source.close();
      subscriber.onError(failure);
    }

    @Override
    public int write(byte[] bytes, int offset, int length) {
      return publish(bytes, offset, length, true);
    }

    @Override
    public int lend(byte[] bytes, int offset, int length) {
      return publish(bytes, offset, length, false);
    }

    private int publish(byte[] bytes, int offset, int length, boolean copy) {
      if (done || demand.get() == 0) return 0;
      demand.decrementAndGet();
      ByteBuffer buffer =
          copy
              ? ByteBuffer.wrap(Arrays.copyOfRange(bytes, offset, offset + length))
              // The guard's copy, which the resend also sends: nothing may change it.
              : ByteBuffer.wrap(bytes, offset, length).slice().asReadOnlyBuffer();
      subscriber.onNext(buffer);
      return length;
    }
  }
}
