package io.lengthguard.jdk;

import static java.util.Objects.requireNonNull;

import io.lengthguard.FrozenBody;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A body publisher of {@linkplain FrozenBody frozen bytes}: its {@link #contentLength()} is exact,
 * so the client sends it with {@code Content-Length} (HTTP/1.1) or {@code content-length} (HTTP/2)
 * and never chunked.
 *
 * <p>Each subscription publishes the whole body again, from its first byte, so the client may send
 * it for a redirect or a retry of its own. The bytes go out as read-only views of the frozen
 * segments ({@link FrozenBody#asReadOnlyBuffers()}), never gathered into one array; a body held in
 * a file is mapped. Demand is honoured: a subscriber gets no more buffers than it requested.
 *
 * <p>The frozen body stays the caller's: this class does not close it. A subscription to a closed
 * body fails with {@link IllegalStateException} through {@code onError}.
 *
 * <p>This class is immutable and thread-safe.
 */
public final class FrozenBodyPublisher implements HttpRequest.BodyPublisher {
  private final FrozenBody body;

  private FrozenBodyPublisher(FrozenBody body) {
    this.body = body;
  }

  /** Returns a publisher of {@code body}'s bytes. */
  public static FrozenBodyPublisher of(FrozenBody body) {
    return new FrozenBodyPublisher(requireNonNull(body, "body == null"));
  }

  /** Returns the frozen bytes this publisher sends. */
  public FrozenBody frozenBody() {
    return body;
  }

  /** Returns the exact number of bytes each subscription publishes. */
  @Override
  public long contentLength() {
    return body.contentLength();
  }

  @Override
  public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
    requireNonNull(subscriber, "subscriber == null"); // Reactive Streams rule 1.9
    List<ByteBuffer> buffers;
    try {
      buffers = body.asReadOnlyBuffers();
    } catch (IOException | RuntimeException e) {
      subscriber.onSubscribe(Segments.NONE);
      subscriber.onError(e);
      return;
    }
    subscriber.onSubscribe(new Segments(subscriber, buffers));
  }

  @Override
  public String toString() {
    return "FrozenBodyPublisher{" + body + "}";
  }

  /** One subscription: the segments in order, as many as requested, then completion. */
  private static final class Segments implements Flow.Subscription {
    static final Flow.Subscription NONE =
        new Flow.Subscription() {
          @Override
          public void request(long n) {}

          @Override
          public void cancel() {}
        };

    private final Flow.Subscriber<? super ByteBuffer> subscriber;
    private final List<ByteBuffer> buffers;
    private final AtomicLong demand = new AtomicLong();

    /** Serializes signals: whoever raises it from 0 emits, for every thread that requested. */
    private final AtomicInteger work = new AtomicInteger();

    private int next;
    private volatile boolean done;
    private volatile @Nullable IllegalArgumentException badRequest;

    Segments(Flow.Subscriber<? super ByteBuffer> subscriber, List<ByteBuffer> buffers) {
      this.subscriber = subscriber;
      this.buffers = buffers;
    }

    @Override
    public void request(long n) {
      if (n <= 0) {
        // Reactive Streams rule 3.9.
        badRequest = new IllegalArgumentException("non-positive request: " + n);
      } else {
        demand.getAndUpdate(d -> d + n < 0 ? Long.MAX_VALUE : d + n);
      }
      drain();
    }

    @Override
    public void cancel() {
      done = true;
    }

    private void drain() {
      if (work.getAndIncrement() != 0) return;
      int missed = 1;
      do {
        if (done) return;
        IllegalArgumentException bad = badRequest;
        if (bad != null) {
          done = true;
          subscriber.onError(bad);
          return;
        }
        long wanted = demand.get();
        long emitted = 0;
        while (emitted != wanted && next < buffers.size() && !done) {
          subscriber.onNext(buffers.get(next++));
          emitted++;
        }
        if (next == buffers.size() && !done) {
          done = true;
          subscriber.onComplete();
          return;
        }
        if (emitted != 0 && wanted != Long.MAX_VALUE) demand.addAndGet(-emitted);
        missed = work.addAndGet(-missed);
      } while (missed != 0);
    }
  }
}
