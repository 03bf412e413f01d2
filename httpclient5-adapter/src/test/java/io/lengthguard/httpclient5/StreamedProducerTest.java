package io.lengthguard.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;

import io.lengthguard.GuardPolicy;
import io.lengthguard.LengthGuard;
import io.lengthguard.Origin;
import io.lengthguard.OutgoingBody;
import io.lengthguard.Transport;
import io.lengthguard.testing.Payloads;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpVersion;
import org.apache.hc.core5.http.ProtocolVersion;
import org.apache.hc.core5.http.message.BasicHttpRequest;
import org.apache.hc.core5.http.protocol.BasicHttpContext;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.junit.jupiter.api.Test;

/**
 * The async client's streamed body against core's exchange, without a wire: what a 417 to the
 * guard's {@code Expect} does where HttpCore never asked for a byte, on HTTP/1.1 and on HTTP/2,
 * where {@link Http2Framing} takes the guard's {@code Expect} off.
 */
class StreamedProducerTest {
  private static final Origin ORIGIN = Origin.of("http", "127.0.0.1", 8080);
  private static final int KIB = 1024;
  private static final byte[] PAYLOAD = Payloads.bytes(300 * KIB);

  @Test
  void a417BeforeHttpCoreAskedForAByteLeavesTheBodyForASendWithoutExpect() throws Exception {
    Sends sends = new Sends(HttpVersion.HTTP_1_1);

    assertThat(exchange(sends)).isEqualTo(200);
    assertThat(sends.expect).containsExactly(true, false);
    assertThat(sends.bodies).containsExactly(new byte[0], PAYLOAD);
  }

  @Test
  void onHttp2TheGuardsExpectIsTakenOffAndA417GoesBack() throws Exception {
    Sends sends = new Sends(HttpVersion.HTTP_2);

    assertThat(exchange(sends)).isEqualTo(417);
    assertThat(sends.expect).containsExactly(false);
  }

  private static int exchange(Sends sends) throws IOException {
    LengthGuard guard = LengthGuard.create(GuardPolicy.builder().prebufferBytes(0).build());
    return guard
        .exchange(ORIGIN, "POST")
        .execute(
            out -> {
              for (int i = 0; i < PAYLOAD.length; i += 1000) {
                out.write(PAYLOAD, i, Math.min(1000, PAYLOAD.length - i));
              }
            },
            true,
            sends);
  }

  /**
   * Sends as the async transport does: a producer per send and the guard's {@code Expect} where the
   * body asks, then {@link Http2Framing} on the protocol given. The first send gets 417 on its
   * head, before HttpCore asks for a byte; a later one is produced whole and gets 200.
   */
  private static final class Sends implements Transport<Integer> {
    private final HttpContext context = new BasicHttpContext();
    final List<Boolean> expect = Collections.synchronizedList(new ArrayList<>());
    final List<byte[]> bodies = Collections.synchronizedList(new ArrayList<>());
    private volatile StreamedProducer last;

    Sends(ProtocolVersion version) {
      context.setProtocolVersion(version);
    }

    @Override
    public Integer send(OutgoingBody body) throws IOException {
      HttpRequest request = new BasicHttpRequest("POST", "/upload");
      Framing.streamed(request, body.expectContinue());
      StreamedProducer producer =
          new StreamedProducer(body, null, null, body.expectContinue(), () -> null);
      last = producer;
      Http2Framing.INSTANCE.process(request, producer, context);
      expect.add(request.containsHeader("Expect"));
      RecordingChannel channel = new RecordingChannel(Integer.MAX_VALUE);
      if (expect.size() == 1) {
        producer.stop(); // HttpCore, on the 417
        producer.releaseResources();
        bodies.add(channel.bytes());
        return 417;
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (channel.ends == 0 && System.nanoTime() < deadline) {
        producer.produce(channel);
        Thread.onSpinWait();
      }
      bodies.add(channel.bytes());
      return 200;
    }

    @Override
    public int status(Integer response) {
      return response;
    }

    @Override
    public void discard(Integer response) {}

    @Override
    public boolean addedExpectContinue(OutgoingBody body) {
      StreamedProducer producer = last;
      return producer != null && producer.carries(body) && producer.sentExpect();
    }

    @Override
    public boolean continueBeforeStreaming() {
      return true;
    }
  }
}
