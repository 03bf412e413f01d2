package io.lengthguard.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.FindingCode;
import io.lengthguard.FramingViolationException;
import io.lengthguard.GuardCounters;
import io.lengthguard.Origin;
import io.lengthguard.testing.Payloads;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;
import org.apache.hc.core5.http.message.BasicHttpRequest;
import org.junit.jupiter.api.Test;

class ClassicAuditTest {
  private final GuardCounters counters = GuardCounters.create();

  @Test
  void entityWrittenByteByByteReachesTheWireWhole() throws IOException {
    byte[] payload = Payloads.bytes(300);
    ByteArrayOutputStream wire = new ByteArrayOutputStream();

    audited(byteByByte(300, payload)).writeTo(wire);

    assertThat(wire.toByteArray()).isEqualTo(payload);
    assertThat(counters.snapshot().findings(FindingCode.LENGTH_MISMATCH)).isZero();
  }

  @Test
  void entityThatWritesMoreNeverGivesTheWireItsLastDeclaredByte() throws IOException {
    byte[] payload = Payloads.bytes(310);
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    HttpEntity entity = audited(byteByByte(300, payload));

    assertThatThrownBy(() -> entity.writeTo(wire))
        .isInstanceOf(FramingViolationException.class)
        .hasMessageContaining("Content-Length declares 300 bytes but the body has 310 (10 more)");

    assertThat(wire.toByteArray()).isEqualTo(Arrays.copyOf(payload, 299));
    assertThat(counters.snapshot().findings(FindingCode.LENGTH_MISMATCH)).isEqualTo(1);
  }

  private ClassicAudit.AuditedEntity audited(HttpEntity entity) throws IOException {
    RequestAudit audit =
        new RequestAudit(
            HttpClientFramingAudit.strict(counters),
            Origin.of("http", "example.com", 80),
            "entity");
    ClassicAudit.AuditedEntity audited = new ClassicAudit.AuditedEntity(entity, audit);
    HttpRequest head = new BasicHttpRequest("POST", "/upload");
    head.addHeader("Content-Length", String.valueOf(entity.getContentLength()));
    audited.headSent(head, HttpClientContext.create());
    return audited;
  }

  /** Returns an entity that declares {@code declared} bytes and writes {@code bytes} one by one. */
  private static HttpEntity byteByByte(long declared, byte[] bytes) {
    return new AbstractHttpEntity((String) null, null) {
      @Override
      public long getContentLength() {
        return declared;
      }

      @Override
      public InputStream getContent() {
        return new ByteArrayInputStream(bytes);
      }

      @Override
      public boolean isRepeatable() {
        return true;
      }

      @Override
      public boolean isStreaming() {
        return false;
      }

      @Override
      public void writeTo(OutputStream out) throws IOException {
        for (byte b : bytes) out.write(b);
      }

      @Override
      public void close() {}
    };
  }
}
