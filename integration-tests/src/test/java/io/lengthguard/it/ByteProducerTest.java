package io.lengthguard.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.testing.Payloads;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.junit.jupiter.api.Test;

final class ByteProducerTest {
  private final byte[] payload = Payloads.bytes(100_000);
  private final AtomicInteger writes = new AtomicInteger();

  @Test
  void producesEveryByteThroughAChannelThatTakesLittleAtATime() throws Exception {
    ByteProducer producer = ByteProducer.oneShot(payload, writes);
    Channel channel = new Channel(1000);

    int calls = drain(producer, channel);

    assertThat(channel.bytes.toByteArray()).isEqualTo(payload);
    assertThat(calls).as("calls to produce").isEqualTo(100);
    assertThat(channel.outputRequests).as("requestOutput on a full channel").isEqualTo(99);
    assertThat(writes).hasValue(1);
    assertThat(producer.getContentLength()).isEqualTo(-1);
    assertThat(producer.isRepeatable()).isFalse();
  }

  @Test
  void oneShotRefusesToProduceAfterItsEnd() throws Exception {
    ByteProducer producer = ByteProducer.oneShot(payload, writes);
    drain(producer, new Channel(Integer.MAX_VALUE));
    producer.releaseResources();

    assertThatThrownBy(() -> producer.produce(new Channel(Integer.MAX_VALUE)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("producer asked for more after its end");
    assertThat(writes).hasValue(1);
  }

  @Test
  void repeatableStartsOverAfterReleaseResourcesAndCountsEachStart() throws Exception {
    ByteProducer producer = ByteProducer.repeatable(payload, writes);
    Channel first = new Channel(30_000);
    producer.produce(first); // cut short after 30 000 bytes, as a 411 would
    producer.releaseResources();
    Channel second = new Channel(Integer.MAX_VALUE);

    drain(producer, second);

    assertThat(first.bytes.size()).isEqualTo(30_000);
    assertThat(second.bytes.toByteArray()).isEqualTo(payload);
    assertThat(writes).hasValue(2);
    assertThat(producer.isRepeatable()).isTrue();
  }

  private static int drain(ByteProducer producer, Channel channel) throws Exception {
    int calls = 0;
    while (!channel.ended) {
      producer.produce(channel);
      channel.refill();
      calls++;
    }
    return calls;
  }

  /** A channel that takes at most {@code capacity} bytes between refills. */
  private static final class Channel implements DataStreamChannel {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final int capacity;
    private int room;
    int outputRequests;
    boolean ended;

    Channel(int capacity) {
      this.capacity = capacity;
      this.room = capacity;
    }

    void refill() {
      room = capacity;
    }

    @Override
    public void requestOutput() {
      outputRequests++;
    }

    @Override
    public int write(ByteBuffer src) {
      int n = Math.min(room, src.remaining());
      byte[] taken = new byte[n];
      src.get(taken);
      bytes.write(taken, 0, n);
      room -= n;
      return n;
    }

    @Override
    public void endStream() {
      ended = true;
    }

    @Override
    public void endStream(List<? extends Header> trailers) {
      ended = true;
    }
  }
}
