package io.lengthguard.jdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.testing.Payloads;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.Flow;
import org.junit.jupiter.api.Test;

class PublisherWriterTest {

  @Test
  void writesEveryBufferInOrderWithBoundedDemand() throws Exception {
    byte[] payload = Payloads.bytes(100_000);
    TestPublishers.Counts counts = new TestPublishers.Counts();
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    new PublisherWriter(TestPublishers.chunks(payload, 1000, counts), null).writeTo(out);

    assertThat(out.toByteArray()).isEqualTo(payload);
    assertThat(counts.subscriptions).hasValue(1);
    assertThat(counts.maxOutstanding.get()).isBetween(1L, (long) PublisherWriter.DEMAND);
  }

  @Test
  void writesHeapAndReadOnlyBuffers() throws Exception {
    byte[] payload = Payloads.bytes(20_000);
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    new PublisherWriter(HttpRequest.BodyPublishers.ofByteArray(payload), null).writeTo(out);
    new PublisherWriter(
            FrozenBodyPublisher.of(
                io.lengthguard.FrozenBody.read(Payloads.trickle(payload, 5000), 1 << 20)),
            null)
        .writeTo(out);

    byte[] both = new byte[40_000];
    System.arraycopy(payload, 0, both, 0, 20_000);
    System.arraycopy(payload, 0, both, 20_000, 20_000);
    assertThat(out.toByteArray()).isEqualTo(both);
  }

  @Test
  void aFailingPublisherFailsTheWriteWithItsCause() {
    IOException failure = new IOException("disk gone");
    Flow.Publisher<ByteBuffer> failing =
        subscriber -> {
          subscriber.onSubscribe(new NoOp());
          subscriber.onError(failure);
        };

    assertThatThrownBy(
            () ->
                new PublisherWriter(HttpRequest.BodyPublishers.fromPublisher(failing), null)
                    .writeTo(OutputStream.nullOutputStream()))
        .isSameAs(failure);
  }

  @Test
  void aWriteFailureCancelsTheSubscription() {
    TestPublishers.Counts counts = new TestPublishers.Counts();
    OutputStream broken =
        new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            throw new IOException("the request ended before its body");
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            write(0);
          }
        };

    assertThatThrownBy(
            () ->
                new PublisherWriter(TestPublishers.chunks(Payloads.bytes(5000), 1000, counts), null)
                    .writeTo(broken))
        .hasMessage("the request ended before its body");
    assertThat(counts.cancels).hasValue(1);
  }

  @Test
  void aPublisherSilentPastTheRequestTimeoutTimesTheWriteOut() {
    Flow.Publisher<ByteBuffer> silent = subscriber -> subscriber.onSubscribe(new NoOp());

    assertThatThrownBy(
            () ->
                new PublisherWriter(
                        HttpRequest.BodyPublishers.fromPublisher(silent), Duration.ofMillis(50))
                    .writeTo(OutputStream.nullOutputStream()))
        .isInstanceOf(HttpTimeoutException.class)
        .hasMessage(
            "request timed out: the body publisher sent nothing for 50 ms (HttpRequest.timeout)");
  }

  private static final class NoOp implements Flow.Subscription {
    @Override
    public void request(long n) {}

    @Override
    public void cancel() {}
  }
}
