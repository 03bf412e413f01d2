package io.lengthguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class FramingViolationExceptionTest {
  @Test
  void messageNamesEveryFindingAndKeepsTheReport() {
    FramingReport report =
        FramingCheck.request("POST")
            .target("/upload")
            .header("Transfer-Encoding", "chunked")
            .header("Transfer-Encoding", "chunked")
            .check();

    FramingViolationException e = new FramingViolationException(report);

    assertThat(e)
        .isInstanceOf(IOException.class)
        .hasMessage(
            "bad framing in POST /upload: ERROR CHUNKED_MORE_THAN_ONCE: Transfer-Encoding"
                + " \"chunked, chunked\" applies chunked 2 times; RFC 9112 §6.1 allows it once;"
                + " send Transfer-Encoding: chunked");
    assertThat(e.report()).isSameAs(report);
  }

  @Test
  void namesWarningsTooForAStrictCaller() {
    FramingReport report = FramingCheck.request("PATCH").bodyBytes(0).check();

    assertThat(new FramingViolationException(report))
        .hasMessage(
            "bad framing in PATCH: WARNING MISSING_LENGTH: PATCH with neither Content-Length nor"
                + " Transfer-Encoding: servers that want a length answer 411 Length Required;"
                + " send Content-Length: 0 (RFC 9110 §8.6)");
  }

  @Test
  void rejectsCleanReportAndNull() {
    FramingReport clean = FramingCheck.request("GET").target("/").check();

    assertThatIllegalArgumentException()
        .isThrownBy(() -> new FramingViolationException(clean))
        .withMessage("report has no findings: FramingReport{GET /, clean}");
    assertThatNullPointerException()
        .isThrownBy(() -> new FramingViolationException(null))
        .withMessage("report == null");
  }
}
