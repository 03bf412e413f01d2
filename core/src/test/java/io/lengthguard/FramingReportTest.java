package io.lengthguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FramingReportTest {
  private static final Origin ORIGIN = Origin.of("https", "api.example.com", 443);

  @Test
  void rendersByteBreakdownAndFindings() {
    FramingReport report =
        FramingCheck.request("POST")
            .target("/upload")
            .header("Host", "example.com")
            .header("Content-Length", "5")
            .bodyBytes(7)
            .check();

    // "POST /upload HTTP/1.1\r\n" is 23 bytes; "Host: example.com\r\n" 19,
    // "Content-Length: 5\r\n" 19 and the blank line 2.
    assertThat(report.render())
        .isEqualTo(
            "POST /upload HTTP/1.1\n"
                + "  request line     23 bytes\n"
                + "  header section   40 bytes (2 fields and the blank line)\n"
                + "  declared length  5 bytes (Content-Length)\n"
                + "  body             7 bytes\n"
                + "  1 error, 0 warnings\n"
                + "  ERROR LENGTH_MISMATCH: Content-Length declares 5 bytes but the body has 7"
                + " (2 more): the server reads 5 bytes and takes the other 2 as the start of the"
                + " next request; send Content-Length: 7, counting encoded bytes, not characters\n");
    assertThat(report.requestLineBytes()).isEqualTo(23);
    assertThat(report.headerBytes()).isEqualTo(40);
    assertThat(report.declaredLength()).isEqualTo(5);
    assertThat(report.bodyBytes()).isEqualTo(7);
  }

  @Test
  void rendersCleanRequestWithoutTarget() {
    FramingReport report = FramingCheck.request("GET").check();

    assertThat(report.render())
        .isEqualTo(
            "GET (target not given)\n"
                + "  request line     unknown\n"
                + "  header section   2 bytes (0 fields and the blank line)\n"
                + "  declared length  none: neither Content-Length nor Transfer-Encoding\n"
                + "  body             unknown\n"
                + "  no findings\n");
    assertThat(report.requestLineBytes()).isEqualTo(-1);
    assertThat(report.target()).isNull();
  }

  @Test
  void rendersConflictingFramingAsIgnoredLength() {
    FramingReport report =
        FramingCheck.request("PUT")
            .target("/a")
            .header("Content-Length", "1")
            .header("Transfer-Encoding", "chunked")
            .bodyBytes(1)
            .check();

    assertThat(report.render())
        .isEqualTo(
            "PUT /a HTTP/1.1\n"
                + "  request line     17 bytes\n"
                + "  header section   49 bytes (2 fields and the blank line)\n"
                + "  declared length  ignored: Transfer-Encoding overrides Content-Length\n"
                + "  body             1 byte\n"
                + "  1 error, 0 warnings\n"
                + "  ERROR CONTENT_LENGTH_WITH_TRANSFER_ENCODING: Content-Length (\"1\") sent with"
                + " Transfer-Encoding (\"chunked\"): RFC 9112 §6.2 forbids both; a server rejects"
                + " the request or ignores the length, and a proxy that reads the other header is"
                + " open to request smuggling; remove Content-Length to send chunked, or remove"
                + " Transfer-Encoding and send Content-Length: 1\n");
  }

  @Test
  void rendersChunkedAndInvalidLengthsAndCountsWarnings() {
    FramingReport chunked =
        FramingCheck.request("DELETE").target("/x").header("Transfer-Encoding", "chunked").check();
    FramingReport invalid =
        FramingCheck.request("POST").target("/").header("Content-Length", "x").check();

    assertThat(chunked.render())
        .contains("  declared length  none: Transfer-Encoding frames the body\n")
        .contains("  0 errors, 1 warning\n  WARNING CONTENT_WITHOUT_SEMANTICS: DELETE carries");
    assertThat(invalid.render())
        .contains(
            "  declared length  unknown: Content-Length is invalid or repeated with other"
                + " values\n");
  }

  @Test
  void countsHeaderBytesAsUtf8AndEscapesTheRequestLine() {
    // "X-Name: é\r\n" is 12 bytes: é takes 2 in UTF-8.
    FramingReport report =
        FramingCheck.request("GET").target("/a\r\nb").header("X-Name", "é").check();

    assertThat(report.headerBytes()).isEqualTo(14);
    assertThat(report.requestLineBytes()).isEqualTo(3 + 1 + 5 + 1 + 10);
    assertThat(report.render()).startsWith("GET /a\\r\\nb HTTP/1.1\n");
  }

  @Test
  void hasErrorsOnlyForErrorFindings() {
    FramingReport warning = FramingCheck.request("POST").check();
    FramingReport error = FramingCheck.request("POST").bodyBytes(1).check();

    assertThat(warning.isClean()).isFalse();
    assertThat(warning.hasErrors()).isFalse();
    assertThat(warning.has(FindingCode.MISSING_LENGTH)).isTrue();
    assertThat(warning.has(FindingCode.UNFRAMED_BODY)).isFalse();
    assertThat(error.hasErrors()).isTrue();
    assertThat(error.has(FindingCode.UNFRAMED_BODY)).isTrue();
  }

  @Test
  void requireNoErrorsPassesWarningsAndThrowsOnErrors() throws Exception {
    FramingReport warning = FramingCheck.request("POST").check();
    FramingReport error =
        FramingCheck.request("POST").target("/").header("Content-Length", "-1").check();

    assertThat(warning.requireNoErrors()).isSameAs(warning);
    assertThatExceptionOfType(FramingViolationException.class)
        .isThrownBy(error::requireNoErrors)
        .withMessage(
            "bad framing in POST /: ERROR INVALID_CONTENT_LENGTH: Content-Length \"-1\" is not a"
                + " decimal number: RFC 9110 §8.6 allows ASCII digits only (no sign, whitespace,"
                + " hex or fraction) and a server must reject the request (RFC 9112 §6.3); send"
                + " one Content-Length with the body's byte count")
        .satisfies(e -> assertThat(e.report()).isSameAs(error));
  }

  @Test
  void findingsCannotBeChanged() {
    FramingReport report = FramingCheck.request("POST").check();

    assertThatExceptionOfType(UnsupportedOperationException.class)
        .isThrownBy(() -> report.findings().clear());
  }

  @Test
  void publishesEachFindingToTheListenerInOrder() {
    List<String> seen = new ArrayList<>();
    GuardListener listener =
        new GuardListener() {
          @Override
          public void framingFinding(Origin origin, FramingFinding finding) {
            seen.add(origin + " " + finding.code());
          }
        };
    FramingReport report =
        FramingCheck.request("GET")
            .header("Content-Length", "5")
            .header("Content-Length", "6")
            .check();

    report.publish(ORIGIN, listener);

    assertThat(seen)
        .containsExactly(
            "https://api.example.com:443 DUPLICATE_CONTENT_LENGTH",
            "https://api.example.com:443 CONTENT_WITHOUT_SEMANTICS");
  }

  @Test
  void publishGoesOnWhenTheListenerThrows() {
    List<FindingCode> seen = new ArrayList<>();
    GuardListener listener =
        new GuardListener() {
          @Override
          public void framingFinding(Origin origin, FramingFinding finding) {
            seen.add(finding.code());
            throw new IllegalStateException("listener bug");
          }
        };
    FramingReport report = FramingCheck.request("GET").bodyBytes(2).check();

    report.publish(ORIGIN, listener);

    assertThat(seen)
        .containsExactly(FindingCode.UNFRAMED_BODY, FindingCode.CONTENT_WITHOUT_SEMANTICS);
  }

  @Test
  void publishGoesOnWhenTheListenerThrowsAnError() {
    List<FindingCode> seen = new ArrayList<>();
    GuardListener listener =
        new GuardListener() {
          @Override
          public void framingFinding(Origin origin, FramingFinding finding) {
            seen.add(finding.code());
            throw new NoClassDefFoundError("io/micrometer/core/instrument/Counter");
          }
        };
    FramingReport report = FramingCheck.request("GET").bodyBytes(2).check();

    report.publish(ORIGIN, listener);

    assertThat(seen)
        .containsExactly(FindingCode.UNFRAMED_BODY, FindingCode.CONTENT_WITHOUT_SEMANTICS);
  }

  @Test
  void publishRejectsNulls() {
    FramingReport report = FramingCheck.request("GET").check();

    assertThatNullPointerException()
        .isThrownBy(() -> report.publish(null, GuardListener.NONE))
        .withMessage("origin == null");
    assertThatNullPointerException()
        .isThrownBy(() -> report.publish(ORIGIN, null))
        .withMessage("listener == null");
    assertThatNullPointerException().isThrownBy(() -> report.has(null)).withMessage("code == null");
  }

  @Test
  void toStringNamesRequestAndCodes() {
    assertThat(FramingCheck.request("POST").target("/a").bodyBytes(0).check())
        .hasToString("FramingReport{POST /a, [MISSING_LENGTH]}");
    assertThat(FramingCheck.request("GET").check()).hasToString("FramingReport{GET, clean}");
  }
}
