package io.lengthguard.okhttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.BodyCapture;
import io.lengthguard.Buffering;
import io.lengthguard.FrozenBody;
import io.lengthguard.GuardPolicy;
import io.lengthguard.LengthGuard;
import io.lengthguard.Origin;
import io.lengthguard.testing.Payloads;
import java.io.IOException;
import okio.Buffer;
import okio.BufferedSink;
import okio.Okio;
import okio.Sink;
import okio.Timeout;
import org.junit.jupiter.api.Test;

class CapturingRequestBodyTest {
  private static final Origin ORIGIN = Origin.of("http", "127.0.0.1", 8080);

  private final LengthGuard guard = LengthGuard.create(GuardPolicy.defaults());

  @Test
  void reportsUnknownLengthOneShotAndTheDelegatesType() {
    CapturingRequestBody body =
        new CapturingRequestBody(UnknownLengthBody.oneShot(new byte[1]), guard.newCapture());

    assertThat(body.contentLength()).isEqualTo(-1L);
    assertThat(body.isOneShot()).isTrue();
    assertThat(body.isDuplex()).isFalse();
    assertThat(body.contentType()).isEqualTo(UnknownLengthBody.OCTET_STREAM);
    assertThat(body.started()).isFalse();
  }

  @Test
  void capturesEveryByteSentToTheWire() throws Exception {
    byte[] payload = Payloads.bytes(70_000);
    BodyCapture capture = guard.newCapture();
    CapturingRequestBody body =
        new CapturingRequestBody(UnknownLengthBody.oneShot(payload), capture);
    Buffer wire = new Buffer();

    body.writeTo(wire);

    assertThat(body.started()).isTrue();
    assertThat(wire.readByteArray()).isEqualTo(payload);
    assertThat(capture.complete()).isTrue();
    FrozenBody frozen = guard.freezeForResend(ORIGIN, null, capture);
    assertThat(frozen).isNotNull();
    assertThat(frozen.toByteArray()).isEqualTo(payload);
  }

  @Test
  void keepsCapturingAfterTheWireFailsThenRethrowsTheWireFailure() throws Exception {
    byte[] payload = Payloads.bytes(200_000);
    BodyCapture capture = guard.newCapture();
    UnknownLengthBody delegate = UnknownLengthBody.oneShot(payload);
    CapturingRequestBody body = new CapturingRequestBody(delegate, capture);
    IOException brokenPipe = new IOException("Broken pipe");
    BufferedSink wire = Okio.buffer(new FailingSink(20_000, brokenPipe));

    assertThatThrownBy(() -> body.writeTo(wire)).isSameAs(brokenPipe);

    assertThat(delegate.writes()).isEqualTo(1);
    assertThat(capture.complete()).isTrue();
    assertThat(capture.bytesSeen()).isEqualTo(payload.length);
    FrozenBody frozen = guard.freezeForResend(ORIGIN, null, capture);
    assertThat(frozen).isNotNull();
    assertThat(frozen.toByteArray()).isEqualTo(payload);
  }

  @Test
  void bodyOverTheLimitStillGoesToTheWireButCannotBeResent() throws Exception {
    LengthGuard small =
        LengthGuard.create(GuardPolicy.builder().buffering(Buffering.inMemory(1000)).build());
    byte[] payload = Payloads.bytes(5000);
    BodyCapture capture = small.newCapture();
    CapturingRequestBody body =
        new CapturingRequestBody(UnknownLengthBody.oneShot(payload), capture);
    Buffer wire = new Buffer();

    body.writeTo(wire);

    assertThat(wire.readByteArray()).isEqualTo(payload);
    assertThat(capture.overflowed()).isTrue();
    assertThat(small.freezeForResend(ORIGIN, null, capture)).isNull();
  }

  /** A socket that accepts {@code limit} bytes and then fails, as one closed by the peer does. */
  private static final class FailingSink implements Sink {
    private final long limit;
    private final IOException failure;
    private long written;

    FailingSink(long limit, IOException failure) {
      this.limit = limit;
      this.failure = failure;
    }

    @Override
    public void write(Buffer source, long byteCount) throws IOException {
      if (written + byteCount > limit) throw failure;
      written += byteCount;
      source.skip(byteCount);
    }

    @Override
    public void flush() {}

    @Override
    public Timeout timeout() {
      return Timeout.NONE;
    }

    @Override
    public void close() {}
  }
}
