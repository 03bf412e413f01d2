package io.lengthguard.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.FrozenBody;
import io.lengthguard.GuardPolicy;
import io.lengthguard.LengthGuard;
import io.lengthguard.Origin;
import io.lengthguard.testing.Payloads;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.apache.hc.core5.http.nio.entity.AsyncEntityProducerWrapper;
import org.apache.hc.core5.http.nio.entity.BasicAsyncEntityProducer;
import org.junit.jupiter.api.Test;

class FirstSendProducerTest {
  @Test
  void firstCallPassesAtMost64KiB() throws IOException {
    byte[] payload = Payloads.bytes(1 << 20);
    FirstSendProducer producer =
        new FirstSendProducer(
            new BasicAsyncEntityProducer(payload, ContentType.APPLICATION_OCTET_STREAM, true),
            null);
    RecordingChannel channel = new RecordingChannel(Integer.MAX_VALUE);

    producer.produce(channel);

    // HttpClient flushes right after this call, before it can read an early 411.
    assertThat(channel.bytes()).hasSize(FirstSendProducer.FIRST_CALL_BYTES);
    assertThat(channel.outputRequests).isEqualTo(1);
    assertThat(producer.started()).isTrue();
    producer.produce(channel);
    assertThat(channel.bytes()).isEqualTo(payload);
    assertThat(channel.ends).isEqualTo(1);
    assertThat(producer.isRepeatable()).isTrue();
  }

  @Test
  void smallWritesPassTheFirstCallLimit() throws IOException {
    // HttpClient's gzip producer writes its 8-byte trailer without looking at what was taken.
    byte[] big = Payloads.bytes(70_000);
    byte[] trailer = {1, 2, 3, 4, 5, 6, 7, 8};
    AsyncEntityProducer ignoresResults =
        new AsyncEntityProducerWrapper(new BasicAsyncEntityProducer(big)) {
          @Override
          public void produce(DataStreamChannel channel) throws IOException {
            channel.write(ByteBuffer.wrap(big));
            channel.write(ByteBuffer.wrap(trailer));
          }
        };
    RecordingChannel channel = new RecordingChannel(Integer.MAX_VALUE);

    new FirstSendProducer(ignoresResults, null).produce(channel);

    assertThat(channel.bytes()).hasSize(FirstSendProducer.FIRST_CALL_BYTES + trailer.length);
  }

  @Test
  void writeFailureIsPutOffToTheNextCall() throws IOException {
    byte[] payload = Payloads.bytes(10_000);
    BasicAsyncEntityProducer source =
        new BasicAsyncEntityProducer(payload, ContentType.APPLICATION_OCTET_STREAM, true);
    FirstSendProducer producer = new FirstSendProducer(source, null);
    IOException brokenPipe = new IOException("Broken pipe");
    DataStreamChannel closed = new FailingChannel(brokenPipe);

    producer.produce(closed);

    // HttpClient reads before it calls again: an early 411 waiting on the socket is read first.
    assertThat(producer.writeFailure()).isSameAs(brokenPipe);
    assertThat(source.available()).isEqualTo(Integer.MAX_VALUE);
    assertThatThrownBy(() -> producer.produce(closed)).isSameAs(brokenPipe);
  }

  @Test
  void capturesExactlyTheBytesTheChannelTook() throws IOException {
    LengthGuard guard = LengthGuard.create(GuardPolicy.defaults());
    byte[] payload = Payloads.bytes(100_000);
    FirstSendProducer producer =
        new FirstSendProducer(new Body.OneShotProducer(payload), guard.newCapture());
    RecordingChannel channel = new RecordingChannel(1000);

    while (channel.ends == 0) producer.produce(channel);

    assertThat(producer.isRepeatable()).isFalse();
    assertThat(producer.capture().complete()).isTrue();
    FrozenBody body =
        guard.freezeForResend(Origin.of("http", "example.com", 80), null, producer.capture());
    assertThat(body.toByteArray()).isEqualTo(payload);
  }

  /** A channel whose connection is gone: every write fails. */
  private static final class FailingChannel implements DataStreamChannel {
    private final IOException failure;

    FailingChannel(IOException failure) {
      this.failure = failure;
    }

    @Override
    public void requestOutput() {}

    @Override
    public int write(ByteBuffer src) throws IOException {
      // Like HttpClient's chunk encoder: it takes bytes into its buffer before the socket fails.
      src.position(src.position() + Math.min(src.remaining(), 100));
      throw failure;
    }

    @Override
    public void endStream() throws IOException {
      throw failure;
    }

    @Override
    public void endStream(List<? extends Header> trailers) throws IOException {
      throw failure;
    }
  }
}
