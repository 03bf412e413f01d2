package io.lengthguard.jdk;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Request body publishers of unknown length, as callers build them, counting their subscriptions.
 */
final class TestPublishers {
  private TestPublishers() {}

  /** How a test body reports to its test. */
  static final class Counts {
    final AtomicInteger subscriptions = new AtomicInteger();
    final AtomicInteger cancels = new AtomicInteger();
    final AtomicLong maxOutstanding = new AtomicLong();
  }

  /** The JDK's {@code ofInputStream}: each subscription opens a new stream of {@code payload}. */
  static HttpRequest.BodyPublisher ofInputStream(byte[] payload, Counts counts) {
    return HttpRequest.BodyPublishers.ofInputStream(
        () -> {
          counts.subscriptions.incrementAndGet();
          return new ByteArrayInputStream(payload);
        });
  }

  /**
   * A hand-written {@code Flow.Publisher} of {@code payload} in {@code chunk}-byte direct buffers,
   * honouring demand, wrapped with {@code fromPublisher} (no length).
   */
  static HttpRequest.BodyPublisher chunks(byte[] payload, int chunk, Counts counts) {
    return HttpRequest.BodyPublishers.fromPublisher(new ChunkPublisher(payload, chunk, counts));
  }

  /** Publishes a byte array in chunks; each subscription from the start. */
  static final class ChunkPublisher implements Flow.Publisher<ByteBuffer> {
    private final byte[] payload;
    private final int chunk;
    private final Counts counts;

    ChunkPublisher(byte[] payload, int chunk, Counts counts) {
      this.payload = payload;
      this.chunk = chunk;
      this.counts = counts;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
      counts.subscriptions.incrementAndGet();
      subscriber.onSubscribe(
          new Flow.Subscription() {
            private final AtomicLong demand = new AtomicLong();
            private final AtomicInteger work = new AtomicInteger();
            private int offset;
            private volatile boolean done;

            @Override
            public void request(long n) {
              long now = demand.addAndGet(n);
              counts.maxOutstanding.accumulateAndGet(now, Math::max);
              if (work.getAndIncrement() != 0) return;
              do {
                while (!done && demand.get() > 0 && offset < payload.length) {
                  int n2 = Math.min(chunk, payload.length - offset);
                  ByteBuffer buffer = ByteBuffer.allocateDirect(n2);
                  buffer.put(payload, offset, n2).flip();
                  offset += n2;
                  demand.decrementAndGet();
                  subscriber.onNext(buffer);
                }
                if (!done && offset == payload.length) {
                  done = true;
                  subscriber.onComplete();
                }
              } while (work.decrementAndGet() != 0);
            }

            @Override
            public void cancel() {
              done = true;
              counts.cancels.incrementAndGet();
            }
          });
    }
  }
}
