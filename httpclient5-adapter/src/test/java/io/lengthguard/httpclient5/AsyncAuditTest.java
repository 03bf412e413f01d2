package io.lengthguard.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;

import io.lengthguard.GuardCounters;
import io.lengthguard.GuardCounters.Event;
import io.lengthguard.Origin;
import io.lengthguard.testing.Payloads;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.message.BasicHttpRequest;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.junit.jupiter.api.Test;

class AsyncAuditTest {
  private final GuardCounters counters = GuardCounters.create();

  @Test
  void declaredBytesPassExactlyWhateverTheChannelTakes() throws IOException {
    byte[] payload = Payloads.bytes(20_000);
    AsyncAudit.AuditedProducer producer = audited(LyingBody.honest(payload));
    Channel channel = new Channel(7);

    for (int calls = 0; channel.ends == 0 && calls < 10_000; calls++) {
      channel.room = 7;
      producer.produce(channel);
    }

    assertThat(channel.taken.toByteArray()).isEqualTo(payload);
    assertThat(channel.ends).isEqualTo(1);
    assertThat(counters.snapshot().count(Event.FRAMING_FINDING)).isZero();
  }

  @Test
  void heldLastByteWaitsForRoomThenTheStreamEnds() throws IOException {
    byte[] payload = Payloads.bytes(100);
    AsyncAudit.AuditedProducer producer = audited(LyingBody.honest(payload));
    Channel channel = new Channel(99);

    producer.produce(channel);

    // The producer ended, but the channel had no room left for the byte held back.
    assertThat(channel.taken.toByteArray()).hasSize(99);
    assertThat(channel.ends).isZero();
    assertThat(channel.outputRequests).isEqualTo(1);
    assertThat(producer.available()).isEqualTo(1);

    channel.room = 1;
    producer.produce(channel);

    assertThat(channel.taken.toByteArray()).isEqualTo(payload);
    assertThat(channel.ends).isEqualTo(1);
  }

  private AsyncAudit.AuditedProducer audited(LyingBody body) throws IOException {
    HttpClientFramingAudit audit = HttpClientFramingAudit.strict(counters);
    RequestAudit requestAudit =
        new RequestAudit(audit, Origin.of("http", "example.com", 80), "entity producer");
    AsyncAudit.AuditedProducer producer =
        new AsyncAudit.AuditedProducer(body.producer(), requestAudit);
    HttpRequest head = new BasicHttpRequest("POST", "/upload");
    head.addHeader("Content-Length", String.valueOf(body.declared()));
    producer.headSent(head, HttpClientContext.create());
    return producer;
  }

  /** A channel that takes at most {@code room} bytes until it is given more. */
  private static final class Channel implements DataStreamChannel {
    final ByteArrayOutputStream taken = new ByteArrayOutputStream();
    int room;
    int ends;
    int outputRequests;

    Channel(int room) {
      this.room = room;
    }

    @Override
    public void requestOutput() {
      outputRequests++;
    }

    @Override
    public int write(ByteBuffer src) {
      int n = Math.min(src.remaining(), room);
      for (int i = 0; i < n; i++) taken.write(src.get());
      room -= n;
      return n;
    }

    @Override
    public void endStream() {
      ends++;
    }

    @Override
    public void endStream(List<? extends Header> trailers) {
      ends++;
    }
  }
}
