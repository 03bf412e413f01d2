package io.lengthguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import io.lengthguard.FramingFinding.Severity;
import org.junit.jupiter.api.Test;

class FramingFindingTest {
  @Test
  void severityComesFromTheCode() {
    assertThat(new FramingFinding(FindingCode.LENGTH_MISMATCH, "m").severity())
        .isEqualTo(Severity.ERROR);
    assertThat(new FramingFinding(FindingCode.MISSING_LENGTH, "m").severity())
        .isEqualTo(Severity.WARNING);
  }

  @Test
  void toStringIsSeverityCodeAndMessage() {
    assertThat(new FramingFinding(FindingCode.UNFRAMED_BODY, "send Content-Length: 3"))
        .hasToString("ERROR UNFRAMED_BODY: send Content-Length: 3");
  }

  @Test
  void rejectsNulls() {
    assertThatNullPointerException()
        .isThrownBy(() -> new FramingFinding(null, "m"))
        .withMessage("code == null");
    assertThatNullPointerException()
        .isThrownBy(() -> new FramingFinding(FindingCode.UNFRAMED_BODY, null))
        .withMessage("message == null");
  }
}
