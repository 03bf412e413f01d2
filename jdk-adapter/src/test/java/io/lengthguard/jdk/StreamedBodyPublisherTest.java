package io.lengthguard.jdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.BodyWriter;
import io.lengthguard.Buffering;
import io.lengthguard.GuardPolicy;
import io.lengthguard.LengthGuard;
import io.lengthguard.Origin;
import io.lengthguard.OutgoingBody;
import io.lengthguard.Transport;
import io.lengthguard.testing.Payloads;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The streamed body as java.net.http subscribes to it, against a subscriber that asks for what it
 * likes; the adapter's tests send it on the wire.
 */
@Timeout(30)
class StreamedBodyPublisherTest {
  private static final Origin ORIGIN = Origin.of("http", "127.0.0.1", 8080);

  /** Streams every body (no read-ahead), keeping a copy of up to 8 MiB for a resend. */
  private final LengthGuard guard =
      LengthGuard.create(
          GuardPolicy.builder().prebufferBytes(0).buffering(Buffering.inMemory(8 << 20)).build());

  @Test
  void publishesTheBodyExactlyUnderAnyDemandInReadOnlyViewsOfTheGuardsCopy() throws Exception {
    for (long seed = 0; seed < 4; seed++) {
      byte[] payload = Payloads.bytes(3 * 1024 * 1024 + 5, seed);
      Recorder recorder = new Recorder(new SplittableRandom(seed));

      int status = send(payload, recorder);

      assertThat(status).isEqualTo(200);
      assertThat(recorder.received.toByteArray()).isEqualTo(payload);
      // Every byte was lent from the guard's copy: none copied again, none writable.
      assertThat(recorder.writable).isEmpty();
    }
  }

  @Test
  void aNonPositiveRequestFailsTheSubscriptionAndStopsTheBody() {
    Flow.Subscriber<ByteBuffer> asksForNothing =
        new Recorder(new SplittableRandom(0)) {
          @Override
          public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(0);
          }
        };

    assertThatThrownBy(() -> send(Payloads.bytes(1024 * 1024), asksForNothing))
        .isInstanceOf(IOException.class)
        .hasRootCauseInstanceOf(IllegalArgumentException.class)
        .hasRootCauseMessage("non-positive request: 0");
  }

  @Test
  void aCanceledSubscriptionReleasesTheCallersBody() {
    Flow.Subscriber<ByteBuffer> cancels =
        new Recorder(new SplittableRandom(0)) {
          @Override
          public void onNext(ByteBuffer item) {
            subscription.cancel();
            done.completeExceptionally(new IOException("canceled by the client"));
          }
        };

    // 4 MiB: many times the pipe's window, so a body nobody reads would wait forever.
    assertThatThrownBy(() -> send(Payloads.bytes(4 * 1024 * 1024), cancels))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("canceled by the client");
  }

  @Test
  void aSlowPublishersBytesGoOutBeforeItPublishesMore() throws Exception {
    byte[] first = Payloads.bytes(1024, 1);
    byte[] second = Payloads.bytes(1024, 2);
    byte[] rest = Payloads.bytes(64 * 1024, 3);
    // Asks for everything at once: it then waits for the wire's wake, never polls.
    Recorder recorder =
        new Recorder(new SplittableRandom(0)) {
          @Override
          public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(Long.MAX_VALUE);
          }

          @Override
          void requestMore() {}
        };
    CompletableFuture<Boolean> secondArrived = new CompletableFuture<>();
    // Each buffer only once the one before reached the subscriber (or 5 s passed). By the second,
    // the subscriber has taken all there was and waits: only a flush hands it over.
    Flow.Publisher<ByteBuffer> slow =
        subscriber ->
            subscriber.onSubscribe(
                new Flow.Subscription() {
                  private int requests;

                  @Override
                  public synchronized void request(long n) {
                    switch (++requests) {
                      case 1 -> subscriber.onNext(ByteBuffer.wrap(first));
                      case 2 ->
                          CompletableFuture.runAsync(
                              () -> {
                                awaitReceived(recorder, first.length);
                                // The subscriber's drain ends, and waits for a wake.
                                java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
                                subscriber.onNext(ByteBuffer.wrap(second));
                              });
                      case 3 ->
                          CompletableFuture.runAsync(
                              () -> {
                                secondArrived.complete(
                                    awaitReceived(recorder, first.length + second.length));
                                subscriber.onNext(ByteBuffer.wrap(rest));
                                subscriber.onComplete();
                              });
                      default -> {}
                    }
                  }

                  @Override
                  public void cancel() {}
                });

    int status =
        send(
            out ->
                new PublisherWriter(HttpRequest.BodyPublishers.fromPublisher(slow), null)
                    .writeTo(out),
            recorder);

    assertThat(status).isEqualTo(200);
    assertThat(secondArrived.get(10, TimeUnit.SECONDS)).as("sent before more came").isTrue();
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.write(first);
    expected.write(second);
    expected.write(rest);
    assertThat(recorder.received.toByteArray()).isEqualTo(expected.toByteArray());
  }

  /** Waits up to 5 s until {@code recorder} received {@code bytes}; returns whether it did. */
  private static boolean awaitReceived(Recorder recorder, int bytes) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (recorder.size() < bytes) {
      if (System.nanoTime() > deadline) return false;
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
    }
    return true;
  }

  private int send(byte[] payload, Flow.Subscriber<ByteBuffer> subscriber) throws IOException {
    return send(
        out -> {
          // The caller's body, in pieces of 1 to 64 KiB.
          SplittableRandom random = new SplittableRandom(payload.length);
          for (int i = 0; i < payload.length; ) {
            int n = Math.min(1 + random.nextInt(64 * 1024), payload.length - i);
            out.write(payload, i, n);
            i += n;
          }
        },
        subscriber);
  }

  /** Runs an exchange whose one send subscribes {@code subscriber} to the streamed body. */
  private int send(BodyWriter body, Flow.Subscriber<ByteBuffer> subscriber) throws IOException {
    Transport<Integer> transport =
        new Transport<>() {
          @Override
          public Integer send(OutgoingBody body) throws IOException {
            assertThat(body.contentLength()).isEqualTo(-1);
            StreamedBodyPublisher publisher = new StreamedBodyPublisher(body);
            assertThat(publisher.contentLength()).isEqualTo(-1);
            publisher.subscribe(subscriber);
            try {
              ((Recorder) subscriber).done.get(20, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
              throw new IOException(e.getCause());
            } catch (Exception e) {
              throw new IOException(e);
            }
            return 200;
          }

          @Override
          public int status(Integer response) {
            return response;
          }

          @Override
          public void discard(Integer response) {}
        };
    return guard.exchange(ORIGIN, "POST").execute(body, false, transport);
  }

  /** Asks for 1 to 3 buffers at a time, now or from another thread; keeps what it got. */
  private static class Recorder implements Flow.Subscriber<ByteBuffer> {
    final ByteArrayOutputStream received = new ByteArrayOutputStream();
    final List<ByteBuffer> writable = new CopyOnWriteArrayList<>();
    final CompletableFuture<Void> done = new CompletableFuture<>();
    private final SplittableRandom random;
    Flow.Subscription subscription;

    Recorder(SplittableRandom random) {
      this.random = random;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      this.subscription = subscription;
      subscription.request(1);
    }

    synchronized int size() {
      return received.size();
    }

    @Override
    public void onNext(ByteBuffer item) {
      if (!item.isReadOnly()) writable.add(item);
      byte[] bytes = new byte[item.remaining()];
      item.get(bytes);
      synchronized (this) {
        received.write(bytes, 0, bytes.length);
      }
      requestMore();
    }

    void requestMore() {
      long more = 1 + random.nextInt(3);
      if (random.nextBoolean()) {
        subscription.request(more);
      } else {
        CompletableFuture.runAsync(() -> subscription.request(more));
      }
    }

    @Override
    public void onError(Throwable throwable) {
      done.completeExceptionally(throwable);
    }

    @Override
    public void onComplete() {
      done.complete(null);
    }
  }
}
