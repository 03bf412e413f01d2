package io.lengthguard.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.testing.Payloads;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.apache.hc.core5.http.nio.entity.AsyncEntityProducerWrapper;
import org.apache.hc.core5.http.nio.entity.BasicAsyncEntityProducer;
import org.junit.jupiter.api.Test;

class AsyncBodiesTest {
  @Test
  void drainsAProducerToTheEndOfItsBody() throws IOException {
    byte[] payload = Payloads.bytes(100_000);
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    AsyncBodies.drain(new Body.OneShotProducer(payload), out);

    assertThat(out.toByteArray()).isEqualTo(payload);
  }

  @Test
  void drainsDirectBuffers() throws IOException {
    byte[] payload = Payloads.bytes(20_000);
    ByteBuffer direct = ByteBuffer.allocateDirect(payload.length).put(payload).flip();
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    AsyncBodies.drain(
        new AsyncEntityProducerWrapper(new BasicAsyncEntityProducer(new byte[0])) {
          @Override
          public void produce(DataStreamChannel channel) throws IOException {
            if (direct.hasRemaining()) channel.write(direct);
            else channel.endStream();
          }
        },
        out);

    assertThat(out.toByteArray()).isEqualTo(payload);
  }

  @Test
  void waitsForAProducerThatIsMomentarilyEmpty() throws IOException {
    byte[] payload = Payloads.bytes(40_000);
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    AsyncBodies.drain(new Body.LateProducer(payload), out);

    assertThat(out.toByteArray()).isEqualTo(payload);
  }

  @Test
  void failsAProducerThatWritesNothingForTheWholeWait() {
    assertThatThrownBy(
            () ->
                AsyncBodies.drain(
                    new Body.StalledProducer(),
                    new ByteArrayOutputStream(),
                    TimeUnit.MILLISECONDS.toNanos(50),
                    () -> false))
        .isInstanceOf(IOException.class)
        .hasMessageEndingWith(
            " wrote nothing for 50 ms after 0 bytes without ending its body or asking for output");
  }

  @Test
  void stopsWaitingWhenCanceled() {
    assertThatThrownBy(
            () ->
                AsyncBodies.drain(
                    new Body.StalledProducer(),
                    new ByteArrayOutputStream(),
                    AsyncBodies.STALL_NANOS,
                    () -> true))
        .isInstanceOf(InterruptedIOException.class)
        .hasMessage("canceled");
  }
}
