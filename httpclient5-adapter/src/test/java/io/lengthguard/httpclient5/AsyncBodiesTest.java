package io.lengthguard.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.testing.Payloads;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
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
  void refusesAProducerThatWaitsForDataFromElsewhere() {
    assertThatThrownBy(
            () -> AsyncBodies.drain(new Body.StalledProducer(), new ByteArrayOutputStream()))
        .isInstanceOf(IOException.class)
        .hasMessageEndingWith(
            " stopped after 0 bytes without ending its body, so it cannot be frozen before"
                + " sending; send a body of known length, or use a producer that writes when"
                + " asked");
  }
}
