package io.lengthguard.it;

import io.lengthguard.GuardPolicy;
import io.lengthguard.jdk.LengthGuardHttpClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** The JDK's own {@code HttpClient}, wrapped with {@link LengthGuardHttpClient}. */
final class GuardedJdk implements GuardedClient {
  private static final int CHUNK = 16 * 1024;

  private final GuardPolicy policy;
  private LengthGuardHttpClient client;

  private GuardedJdk(GuardPolicy policy) {
    this.policy = policy;
    this.client = wrap(policy);
  }

  static GuardedJdk open(GuardPolicy policy) {
    return new GuardedJdk(policy);
  }

  private static LengthGuardHttpClient wrap(GuardPolicy policy) {
    return LengthGuardHttpClient.wrap(
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build(),
        policy);
  }

  @Override
  public Reply post(URI uri, BodyKind kind, byte[] payload, AtomicInteger writes)
      throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .POST(body(kind, payload, writes))
            .header("Content-Type", "application/octet-stream")
            .timeout(Duration.ofSeconds(60))
            .build();
    HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    return new Reply(
        response.statusCode(),
        response.headers().firstValue(RecordingBackend.RECEIVED_LENGTH).orElse(null),
        response.headers().firstValue(RecordingBackend.RECEIVED_SHA256).orElse(null));
  }

  /**
   * A known length is {@code ofByteArray}; an unknown one a publisher that starts again from the
   * first byte on each subscription, as {@code fromPublisher} of a replayable source; a one-shot
   * one {@code ofInputStream} of one stream, which a second subscription finds drained.
   */
  private static HttpRequest.BodyPublisher body(
      BodyKind kind, byte[] payload, AtomicInteger writes) {
    return switch (kind) {
      case KNOWN -> HttpRequest.BodyPublishers.ofByteArray(payload);
      case UNKNOWN -> HttpRequest.BodyPublishers.fromPublisher(new Replayable(payload, writes));
      case ONE_SHOT -> {
        ByteArrayInputStream stream = new ByteArrayInputStream(payload);
        yield HttpRequest.BodyPublishers.ofInputStream(
            () -> {
              writes.incrementAndGet();
              return stream;
            });
      }
    };
  }

  /**
   * The JDK's client has no way to close its idle connections: the next request starts on a new
   * connection of a new client, wrapped with the same policy (and so the same listener).
   */
  @Override
  public void closeIdleConnections() {
    client.close(); // Java 21+: closes the old client's connections; earlier, the collector does
    client = wrap(policy);
  }

  @Override
  public void close() {
    client.close();
  }

  /** Publishes the payload in chunks, from the first byte for each subscription, on demand. */
  private static final class Replayable implements Flow.Publisher<ByteBuffer> {
    private final byte[] payload;
    private final AtomicInteger writes;

    Replayable(byte[] payload, AtomicInteger writes) {
      this.payload = payload;
      this.writes = writes;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
      writes.incrementAndGet();
      subscriber.onSubscribe(
          new Flow.Subscription() {
            private final AtomicLong demand = new AtomicLong();
            private final AtomicInteger work = new AtomicInteger();
            private int offset;
            private volatile boolean done;

            @Override
            public void request(long n) {
              demand.getAndUpdate(d -> d + n < 0 ? Long.MAX_VALUE : d + n);
              if (work.getAndIncrement() != 0) return;
              do {
                while (!done && demand.get() > 0 && offset < payload.length) {
                  int length = Math.min(CHUNK, payload.length - offset);
                  ByteBuffer chunk = ByteBuffer.wrap(payload, offset, length).slice();
                  offset += length;
                  demand.decrementAndGet();
                  subscriber.onNext(chunk);
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
            }
          });
    }
  }
}
