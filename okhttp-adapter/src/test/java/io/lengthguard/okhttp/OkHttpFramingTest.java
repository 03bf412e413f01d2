package io.lengthguard.okhttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.FindingCode;
import io.lengthguard.FramingReport;
import io.lengthguard.testing.Payloads;
import java.io.IOException;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.Test;

class OkHttpFramingTest {
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
  private static final String URL = "http://127.0.0.1:8080/orders?dry-run=true";

  @Test
  void knownLengthCountsEncodedBytes() throws IOException {
    // 15 characters (16 Java chars), 19 bytes in UTF-8: the length counts bytes.
    Request request = post(RequestBody.create("{\"name\":\"Zoë😀\"}", JSON));

    FramingReport report = OkHttpFraming.check(request);

    assertThat(report.isClean()).isTrue();
    assertThat(report.declaredLength()).isEqualTo(19);
    assertThat(report.bodyBytes()).isEqualTo(19);
    assertThat(report.target()).isEqualTo("/orders?dry-run=true");
    assertThatCode(() -> OkHttpFraming.assertFramedCorrectly(request)).doesNotThrowAnyException();
  }

  @Test
  void unknownLengthIsFramedChunked() throws IOException {
    Request request = post(UnknownLengthBody.replayable(Payloads.bytes(2500)));

    FramingReport report = OkHttpFraming.check(request);

    assertThat(report.isClean()).isTrue();
    assertThat(report.declaredLength()).isEqualTo(-1);
    assertThat(report.bodyBytes()).isEqualTo(2500);
    assertThat(report.render())
        .contains("declared length  none: Transfer-Encoding frames the body");
    assertThatCode(() -> OkHttpFraming.assertFramedCorrectly(request)).doesNotThrowAnyException();
  }

  @Test
  void bodylessGetIsClean() throws IOException {
    Request request = new Request.Builder().url(URL).build();

    FramingReport report = OkHttpFraming.check(request);

    assertThat(report.isClean()).isTrue();
    assertThat(report.bodyBytes()).isZero();
  }

  @Test
  void bodyThatWritesMoreThanItDeclaresFailsWithTheRenderedReport() throws IOException {
    Request request = post(LyingBody.of(5, Payloads.bytes(7)));
    String rendered = OkHttpFraming.check(request).render();

    assertThatThrownBy(() -> OkHttpFraming.assertFramedCorrectly(request))
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
  void callerLengthThatDiffersFromTheBodyFails() throws IOException {
    // OkHttp would send Content-Length: 5 in its place; the caller's count is still wrong.
    Request request =
        post(RequestBody.create(Payloads.bytes(5), JSON))
            .newBuilder()
            .header("Content-Length", "4")
            .build();

    FramingReport report = OkHttpFraming.check(request);

    assertThat(report.findings())
        .extracting(f -> f.code())
        .containsExactly(FindingCode.LENGTH_MISMATCH);
    assertThatThrownBy(() -> OkHttpFraming.assertFramedCorrectly(request))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(
            "ERROR LENGTH_MISMATCH: Content-Length declares 4 bytes but the"
                + " body has 5 (1 more)");
  }

  @Test
  void callerLengthOfABodyOfUnknownLengthIsComparedWithItsBytes() throws IOException {
    Request wrong =
        post(UnknownLengthBody.replayable(Payloads.bytes(300)))
            .newBuilder()
            .header("Content-Length", "299")
            .build();
    Request right = wrong.newBuilder().header("Content-Length", "300").build();

    assertThat(OkHttpFraming.check(wrong).has(FindingCode.LENGTH_MISMATCH)).isTrue();
    assertThat(OkHttpFraming.check(right).isClean()).isTrue();
  }

  @Test
  void callerLengthWithTransferEncodingFails() {
    Request request =
        post(RequestBody.create(Payloads.bytes(5), JSON))
            .newBuilder()
            .header("Content-Length", "5")
            .header("Transfer-Encoding", "chunked")
            .build();

    assertThatThrownBy(() -> OkHttpFraming.assertFramedCorrectly(request))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("ERROR CONTENT_LENGTH_WITH_TRANSFER_ENCODING: ");
  }

  @Test
  void checkRejectsNullRequest() {
    assertThatThrownBy(() -> OkHttpFraming.check(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("request == null");
  }

  private static Request post(RequestBody body) {
    return new Request.Builder().url(URL).post(body).build();
  }
}
