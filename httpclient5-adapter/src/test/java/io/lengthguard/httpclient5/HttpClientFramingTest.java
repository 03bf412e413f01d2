package io.lengthguard.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.FindingCode;
import io.lengthguard.FramingFinding;
import io.lengthguard.FramingReport;
import io.lengthguard.testing.Payloads;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.junit.jupiter.api.Test;

class HttpClientFramingTest {
  private static final String URL = "http://127.0.0.1:8080/orders?dry-run=true";

  @Test
  void knownLengthCountsEncodedBytes() throws IOException {
    // 15 characters (16 Java chars), 19 bytes in UTF-8: the length counts bytes.
    ClassicHttpRequest request =
        post(new StringEntity("{\"name\":\"Zoë😀\"}", ContentType.APPLICATION_JSON));

    FramingReport report = HttpClientFraming.check(request);

    assertThat(report.isClean()).isTrue();
    assertThat(report.declaredLength()).isEqualTo(19);
    assertThat(report.bodyBytes()).isEqualTo(19);
    assertThat(report.target()).isEqualTo("/orders?dry-run=true");
    assertThat(report.render())
        .contains("  header section   69 bytes (2 fields and the blank line)\n");
    assertThatCode(() -> HttpClientFraming.assertFramedCorrectly(request))
        .doesNotThrowAnyException();
  }

  @Test
  void chunkedEntityIsFramedChunked() throws IOException {
    ClassicHttpRequest request = post(new ByteArrayEntity(Payloads.bytes(2500), null, true));

    FramingReport report = HttpClientFraming.check(request);

    assertThat(report.isClean()).isTrue();
    assertThat(report.declaredLength()).isEqualTo(-1);
    assertThat(report.bodyBytes()).isEqualTo(2500);
    assertThat(report.render())
        .contains("declared length  none: Transfer-Encoding frames the body");
  }

  @Test
  void bodylessPostGetsContentLengthZero() throws IOException {
    FramingReport report = HttpClientFraming.check(new HttpPost(URL));

    assertThat(report.isClean()).isTrue();
    assertThat(report.declaredLength()).isZero();
    assertThat(report.bodyBytes()).isZero();
  }

  @Test
  void entityThatWritesMoreThanItDeclaresFailsWithTheRenderedReport() throws IOException {
    ClassicHttpRequest request = post(LyingBody.of(5, Payloads.bytes(7)).entity());
    String rendered = HttpClientFraming.check(request).render();

    assertThatThrownBy(() -> HttpClientFraming.assertFramedCorrectly(request))
        .isInstanceOf(AssertionError.class)
        .hasMessage(rendered);
    assertThat(rendered)
        .startsWith("POST /orders?dry-run=true HTTP/1.1\n")
        .contains("  declared length  5 bytes (Content-Length)\n")
        .contains("  body             7 bytes\n")
        .contains(
            "  ERROR LENGTH_MISMATCH: Content-Length declares 5 bytes but the body has 7 (2 more)");
  }

  @Test
  void callerLengthThatDiffersFromTheEntityFails() throws IOException {
    ClassicHttpRequest request = post(new ByteArrayEntity(Payloads.bytes(5), null));
    request.addHeader("Content-Length", "4");

    FramingReport report = HttpClientFraming.check(request);

    assertThat(report.findings())
        .extracting(FramingFinding::code)
        .containsExactly(FindingCode.LENGTH_MISMATCH);
    assertThatThrownBy(() -> HttpClientFraming.assertFramedCorrectly(request))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(
            "ERROR LENGTH_MISMATCH: Content-Length declares 4 bytes but the body has 5 (1 more)");
  }

  @Test
  void callerLengthWithTransferEncodingFails() {
    ClassicHttpRequest request = post(new ByteArrayEntity(Payloads.bytes(5), null));
    request.addHeader("Content-Length", "5");
    request.addHeader("Transfer-Encoding", "chunked");

    assertThatThrownBy(() -> HttpClientFraming.assertFramedCorrectly(request))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("ERROR CONTENT_LENGTH_WITH_TRANSFER_ENCODING: ");
  }

  @Test
  void nonRepeatableEntityIsNotReadAndItsByteCountIsUnknown() throws IOException {
    ByteArrayInputStream source = new ByteArrayInputStream(Payloads.bytes(100));
    ClassicHttpRequest request = post(new InputStreamEntity(source, 100, null));

    FramingReport report = HttpClientFraming.check(request);

    assertThat(report.isClean()).isTrue();
    assertThat(report.declaredLength()).isEqualTo(100);
    assertThat(report.bodyBytes()).isEqualTo(-1);
    assertThat(report.render()).contains("  body             unknown\n");
    assertThat(source.available()).as("bytes left in the caller's stream").isEqualTo(100);
  }

  @Test
  void checkRejectsNullRequest() {
    assertThatThrownBy(() -> HttpClientFraming.check(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("request == null");
  }

  private static ClassicHttpRequest post(HttpEntity entity) {
    HttpPost post = new HttpPost(URL);
    post.setEntity(entity);
    return post;
  }
}
