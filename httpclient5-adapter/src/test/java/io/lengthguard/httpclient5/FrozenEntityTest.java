package io.lengthguard.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.FrozenBody;
import io.lengthguard.testing.Payloads;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import org.apache.hc.core5.http.ContentType;
import org.junit.jupiter.api.Test;

class FrozenEntityTest {
  private final byte[] payload = Payloads.bytes(10_000);
  private final FrozenBody body = FrozenBody.of(payload);

  @Test
  void isRepeatableExactAndNeverChunked() {
    FrozenEntity entity = FrozenEntity.of(body, ContentType.APPLICATION_JSON);

    assertThat(entity.isRepeatable()).isTrue();
    assertThat(entity.isChunked()).isFalse();
    assertThat(entity.isStreaming()).isFalse();
    assertThat(entity.getContentLength()).isEqualTo(10_000);
    assertThat(entity.getContentType()).isEqualTo("application/json; charset=UTF-8");
    assertThat(entity.getContentEncoding()).isNull();
    assertThat(entity.getTrailers()).isNull();
    assertThat(entity.getTrailerNames()).isEmpty();
    assertThat(entity.frozenBody()).isSameAs(body);
  }

  @Test
  void writesTheSameBytesEveryTime() throws IOException {
    FrozenEntity entity = FrozenEntity.of(body, null);

    for (int i = 0; i < 2; i++) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      entity.writeTo(out);
      assertThat(out.toByteArray()).isEqualTo(payload);
      try (InputStream in = entity.getContent()) {
        assertThat(in.readAllBytes()).isEqualTo(payload);
      }
    }
  }

  @Test
  void closeLeavesTheBodyToItsOwner() throws IOException {
    FrozenEntity entity = FrozenEntity.of(body, null);

    entity.close();

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    entity.writeTo(out);
    assertThat(out.toByteArray()).isEqualTo(payload);
  }

  @Test
  void aFrozenCopyOfAOneShotEntityStaysOneShot() {
    assertThat(FrozenEntity.of(body, null, null, true).isRepeatable()).isFalse();
  }

  @Test
  void keepsTheContentCodingOfTheEntityItWasFrozenFrom() {
    FrozenEntity entity = FrozenEntity.of(body, "text/plain", "gzip", false);

    assertThat(entity.isRepeatable()).isTrue();
    assertThat(entity.getContentType()).isEqualTo("text/plain");
    assertThat(entity.getContentEncoding()).isEqualTo("gzip");
    assertThat(entity)
        .hasToString("FrozenEntity{length=10000, contentType=text/plain, contentEncoding=gzip}");
  }

  @Test
  void rejectsNull() {
    assertThatThrownBy(() -> FrozenEntity.of(null, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("body == null");
    FrozenEntity entity = FrozenEntity.of(body, null);
    assertThatThrownBy(() -> entity.writeTo(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("out == null");
  }
}
