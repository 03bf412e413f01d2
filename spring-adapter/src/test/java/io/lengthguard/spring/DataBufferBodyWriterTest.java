package io.lengthguard.spring;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.testing.Payloads;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.NettyDataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import reactor.core.publisher.Flux;

@Timeout(60)
class DataBufferBodyWriterTest {
  private final NettyDataBufferFactory factory =
      new NettyDataBufferFactory(UnpooledByteBufAllocator.DEFAULT);
  private final List<DataBuffer> made = new ArrayList<>();
  private final AtomicInteger subscriptions = new AtomicInteger();
  private final AtomicInteger cancels = new AtomicInteger();
  private final CountDownLatch canceled = new CountDownLatch(1);

  @Test
  void writesEveryBufferInOrderAndReleasesItWithoutCanceling() throws Exception {
    byte[] payload = Payloads.bytes(100_000);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DataBufferBodyWriter writer = new DataBufferBodyWriter(watched(chunks(payload)));

    writer.writeTo(out);
    writer.cancel(); // after the end: nothing to stop

    assertThat(out.toByteArray()).isEqualTo(payload);
    assertThat(subscriptions).hasValue(1);
    assertThat(cancels).hasValue(0);
    assertAllReleased();
  }

  @Test
  void cancelWhileWaitingForTheNextBufferCancelsTheBodyAndFailsTheWrite() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DataBufferBodyWriter writer =
        new DataBufferBodyWriter(
            watched(Flux.concat(Flux.just(buffer(Payloads.bytes(5))), Flux.never())));
    CompletableFuture<Void> writing = writeOnAnotherThread(writer, out);
    while (out.size() < 5) Thread.sleep(10);
    Thread.sleep(100); // the writer waits for a buffer that never comes

    writer.cancel();

    assertThat(canceled.await(5, SECONDS)).as("the body's subscription canceled").isTrue();
    assertCanceled(writing);
    assertThat(cancels).hasValue(1);
    assertAllReleased();
  }

  @Test
  void cancelWhileABufferIsWrittenStopsBeforeTheNext() throws Exception {
    CountDownLatch writing = new CountDownLatch(1);
    CountDownLatch goOn = new CountDownLatch(1);
    OutputStream slow =
        new OutputStream() {
          @Override
          public void write(int b) {
            throw new UnsupportedOperationException();
          }

          @Override
          public void write(byte[] b, int off, int len) {
            writing.countDown();
            try {
              goOn.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        };
    DataBufferBodyWriter writer = new DataBufferBodyWriter(watched(chunks(Payloads.bytes(40_000))));
    CompletableFuture<Void> written = writeOnAnotherThread(writer, slow);
    assertThat(writing.await(5, SECONDS)).isTrue();

    writer.cancel();
    goOn.countDown();

    assertCanceled(written);
    assertThat(cancels).hasValue(1);
    assertThat(made).hasSize(1); // the next buffer was never asked for
    assertAllReleased();
  }

  @Test
  void cancelBeforeTheWriteNeverSubscribes() {
    DataBufferBodyWriter writer = new DataBufferBodyWriter(watched(chunks(Payloads.bytes(10))));

    writer.cancel();

    assertThatThrownBy(() -> writer.writeTo(OutputStream.nullOutputStream()))
        .isInstanceOf(InterruptedIOException.class)
        .hasMessage("canceled");
    assertThat(subscriptions).hasValue(0);
    assertThat(made).isEmpty();
  }

  @Test
  void aFailedWriteCancelsTheBodyAndReleasesItsBuffer() {
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
    DataBufferBodyWriter writer = new DataBufferBodyWriter(watched(chunks(Payloads.bytes(40_000))));

    assertThatThrownBy(() -> writer.writeTo(broken))
        .isInstanceOf(IOException.class)
        .hasMessage("the request ended before its body");
    assertThat(cancels).hasValue(1);
    assertAllReleased();
  }

  /** Returns {@code payload} in 8 KiB buffers, made as they are asked for. */
  private Flux<DataBuffer> chunks(byte[] payload) {
    return Flux.range(0, (payload.length + 8191) / 8192)
        .map(
            i -> {
              int from = i * 8192;
              byte[] chunk = new byte[Math.min(8192, payload.length - from)];
              System.arraycopy(payload, from, chunk, 0, chunk.length);
              return buffer(chunk);
            });
  }

  private DataBuffer buffer(byte[] bytes) {
    DataBuffer buffer = factory.allocateBuffer(bytes.length);
    buffer.write(bytes);
    made.add(buffer);
    return buffer;
  }

  private Flux<DataBuffer> watched(Flux<DataBuffer> body) {
    return body.doOnSubscribe(s -> subscriptions.incrementAndGet())
        .doOnCancel(
            () -> {
              cancels.incrementAndGet();
              canceled.countDown();
            });
  }

  private static CompletableFuture<Void> writeOnAnotherThread(
      DataBufferBodyWriter writer, OutputStream out) {
    return CompletableFuture.runAsync(
        () -> {
          try {
            writer.writeTo(out);
          } catch (IOException e) {
            throw new java.util.concurrent.CompletionException(e);
          }
        });
  }

  private static void assertCanceled(CompletableFuture<Void> writing) {
    assertThatThrownBy(() -> writing.get(5, SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(InterruptedIOException.class)
        .hasMessage("canceled");
  }

  private void assertAllReleased() {
    for (DataBuffer buffer : made) {
      assertThat(((NettyDataBuffer) buffer).getNativeBuffer().refCnt()).isZero();
    }
  }
}
