package io.lengthguard.jdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.Buffering;
import io.lengthguard.FrozenBody;
import io.lengthguard.testing.Payloads;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Flow;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FrozenBodyPublisherTest {
  private static final byte[] PAYLOAD = Payloads.bytes(20_000);

  @Test
  void ofRejectsNull() {
    assertThatThrownBy(() -> FrozenBodyPublisher.of(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("body == null");
  }

  @Test
  void contentLengthIsExact() {
    FrozenBody body = FrozenBody.of(PAYLOAD);
    FrozenBodyPublisher publisher = FrozenBodyPublisher.of(body);

    assertThat(publisher.contentLength()).isEqualTo(20_000);
    assertThat(publisher.frozenBody()).isSameAs(body);
  }

  @Test
  void publishesTheFrozenSegmentsAsReadOnlyViews() throws Exception {
    FrozenBody body = FrozenBody.read(Payloads.trickle(PAYLOAD, 3000), 1 << 20);
    Recorder recorder = new Recorder();

    FrozenBodyPublisher.of(body).subscribe(recorder);
    recorder.request(Long.MAX_VALUE);

    // One buffer per segment, each a view of the segment rather than a copy into one array.
    assertThat(recorder.buffers).hasSize(body.asReadOnlyBuffers().size()).hasSizeGreaterThan(1);
    assertThat(recorder.buffers).allSatisfy(b -> assertThat(b.isReadOnly()).isTrue());
    assertThat(recorder.bytes()).isEqualTo(PAYLOAD);
    assertThat(recorder.completed).isTrue();
  }

  @Test
  void eachSubscriptionPublishesTheWholeBodyAgain() throws Exception {
    FrozenBodyPublisher publisher =
        FrozenBodyPublisher.of(FrozenBody.read(Payloads.trickle(PAYLOAD, 5000), 1 << 20));
    Recorder first = new Recorder();
    Recorder second = new Recorder();

    publisher.subscribe(first);
    first.request(Long.MAX_VALUE);
    publisher.subscribe(second);
    second.request(Long.MAX_VALUE);

    assertThat(first.bytes()).isEqualTo(PAYLOAD);
    assertThat(second.bytes()).isEqualTo(PAYLOAD);
  }

  @Test
  void honoursDemand() throws Exception {
    FrozenBody body = FrozenBody.read(Payloads.trickle(PAYLOAD, 5000), 1 << 20);
    int segments = body.asReadOnlyBuffers().size();
    Recorder recorder = new Recorder();
    FrozenBodyPublisher.of(body).subscribe(recorder);

    assertThat(recorder.buffers).isEmpty();
    recorder.request(1);
    assertThat(recorder.buffers).hasSize(1);
    recorder.request(1);
    assertThat(recorder.buffers).hasSize(2);
    assertThat(recorder.completed).isFalse();
    recorder.request(segments);
    assertThat(recorder.buffers).hasSize(segments);
    assertThat(recorder.completed).isTrue();
    assertThat(recorder.bytes()).isEqualTo(PAYLOAD);
  }

  @Test
  void cancelStopsPublishing() throws Exception {
    Recorder recorder = new Recorder();
    FrozenBodyPublisher.of(FrozenBody.read(Payloads.trickle(PAYLOAD, 5000), 1 << 20))
        .subscribe(recorder);

    recorder.request(1);
    recorder.subscription.cancel();
    recorder.request(10);

    assertThat(recorder.buffers).hasSize(1);
    assertThat(recorder.completed).isFalse();
    assertThat(recorder.failure).isNull();
  }

  @Test
  void aNonPositiveRequestFailsTheSubscription() {
    Recorder recorder = new Recorder();
    FrozenBodyPublisher.of(FrozenBody.of(PAYLOAD)).subscribe(recorder);

    recorder.request(0);

    assertThat(recorder.failure)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("non-positive request: 0");
    assertThat(recorder.buffers).isEmpty();
  }

  @Test
  void anEmptyBodyCompletesWithNoBuffer() {
    Recorder recorder = new Recorder();
    FrozenBodyPublisher.of(FrozenBody.of(new byte[0])).subscribe(recorder);

    recorder.request(1);

    assertThat(recorder.buffers).isEmpty();
    assertThat(recorder.completed).isTrue();
  }

  @Test
  void aBodyInAFileIsPublishedFromTheFile(@TempDir Path dir) throws Exception {
    byte[] payload = Payloads.bytes(3 * 1024 * 1024);
    try (FrozenBody body =
        FrozenBody.read(
            new java.io.ByteArrayInputStream(payload), Buffering.spillToDisk(1024, 1 << 24, dir))) {
      try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dir)) {
        assertThat(files).as("spill files").hasSize(1);
      }
      Recorder recorder = new Recorder();

      FrozenBodyPublisher.of(body).subscribe(recorder);
      recorder.request(Long.MAX_VALUE);

      assertThat(recorder.bytes()).isEqualTo(payload);
    }
  }

  @Test
  void aClosedBodyFailsTheSubscription(@TempDir Path dir) throws Exception {
    FrozenBody body =
        FrozenBody.read(
            new java.io.ByteArrayInputStream(PAYLOAD), Buffering.spillToDisk(1024, 1 << 20, dir));
    body.close();
    Recorder recorder = new Recorder();

    FrozenBodyPublisher.of(body).subscribe(recorder);

    assertThat(recorder.subscription).isNotNull();
    assertThat(recorder.failure).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void subscribeRejectsNull() {
    assertThatThrownBy(() -> FrozenBodyPublisher.of(FrozenBody.of(PAYLOAD)).subscribe(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("subscriber == null");
  }

  /** Records every signal, on the thread that makes it. */
  private static final class Recorder implements Flow.Subscriber<ByteBuffer> {
    final List<ByteBuffer> buffers = new ArrayList<>();
    Flow.@Nullable Subscription subscription;
    boolean completed;
    @Nullable Throwable failure;

    void request(long n) {
      subscription.request(n);
    }

    byte[] bytes() {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (ByteBuffer buffer : buffers) {
        ByteBuffer copy = buffer.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        out.writeBytes(bytes);
      }
      return out.toByteArray();
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      this.subscription = subscription;
    }

    @Override
    public void onNext(ByteBuffer item) {
      buffers.add(item);
    }

    @Override
    public void onError(Throwable throwable) {
      failure = throwable;
    }

    @Override
    public void onComplete() {
      completed = true;
    }
  }
}
