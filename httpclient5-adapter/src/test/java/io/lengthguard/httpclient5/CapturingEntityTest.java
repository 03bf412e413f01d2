package io.lengthguard.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.BodyCapture;
import io.lengthguard.Buffering;
import io.lengthguard.FrozenBody;
import io.lengthguard.GuardPolicy;
import io.lengthguard.LengthGuard;
import io.lengthguard.Origin;
import io.lengthguard.testing.Payloads;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.junit.jupiter.api.Test;

class CapturingEntityTest {
  private static final Origin ORIGIN = Origin.of("http", "example.com", 80);

  @Test
  void sendsTheBodyAndKeepsACopy() throws IOException {
    LengthGuard guard = LengthGuard.create(GuardPolicy.defaults());
    byte[] payload = Payloads.bytes(50_000);
    CapturingEntity entity = new CapturingEntity(oneShot(payload), guard.newCapture());
    ByteArrayOutputStream wire = new ByteArrayOutputStream();

    assertThat(entity.started()).isFalse();
    entity.writeTo(wire);

    assertThat(entity.started()).isTrue();
    assertThat(entity.isRepeatable()).isFalse();
    assertThat(wire.toByteArray()).isEqualTo(payload);
    assertThat(frozen(guard, entity.capture())).isEqualTo(payload);
  }

  @Test
  void keepsCopyingTheSourceAfterTheConnectionFails() throws IOException {
    LengthGuard guard = LengthGuard.create(GuardPolicy.defaults());
    byte[] payload = Payloads.bytes(50_000);
    CapturingEntity entity = new CapturingEntity(oneShot(payload), guard.newCapture());

    assertThatThrownBy(() -> entity.writeTo(new FailingWire(10_000)))
        .isInstanceOf(SocketException.class)
        .hasMessage("Broken pipe");

    // An early 411 made the write fail: the whole body is still there for the resend.
    assertThat(entity.capture().complete()).isTrue();
    assertThat(frozen(guard, entity.capture())).isEqualTo(payload);
  }

  @Test
  void stopsReadingAtTheLimitOnceTheConnectionFailed() {
    LengthGuard guard =
        LengthGuard.create(GuardPolicy.builder().buffering(Buffering.inMemory(16_384)).build());
    CountingStream source = new CountingStream(Payloads.zeros(1L << 30));
    CapturingEntity entity =
        new CapturingEntity(
            new InputStreamEntity(source, -1, ContentType.APPLICATION_OCTET_STREAM),
            guard.newCapture());

    assertThatThrownBy(() -> entity.writeTo(new FailingWire(4096)))
        .isInstanceOf(SocketException.class);

    assertThat(entity.capture().overflowed()).isTrue();
    assertThat(source.read).isLessThan(64 * 1024);
  }

  private static InputStreamEntity oneShot(byte[] payload) {
    return new InputStreamEntity(
        Payloads.trickle(payload, 4096), -1, ContentType.APPLICATION_OCTET_STREAM);
  }

  private static byte[] frozen(LengthGuard guard, BodyCapture capture) throws IOException {
    FrozenBody body = guard.freezeForResend(ORIGIN, null, capture);
    assertThat(body).isNotNull();
    return body.toByteArray();
  }

  /** A connection that takes {@code accepted} bytes, then fails like a closed socket. */
  private static final class FailingWire extends OutputStream {
    private long remaining;

    FailingWire(long accepted) {
      this.remaining = accepted;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (len > remaining) throw new SocketException("Broken pipe");
      remaining -= len;
    }
  }

  private static final class CountingStream extends FilterInputStream {
    long read;

    CountingStream(InputStream in) {
      super(in);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) read += n;
      return n;
    }
  }
}
