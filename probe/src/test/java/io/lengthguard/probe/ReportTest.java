package io.lengthguard.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportTest {
  private static final String TIMED_OUT =
      "timed out after 5s waiting for a response from gateway.example:443";

  @Test
  void wrapsALongAnswerUnderItsColumn() throws Exception {
    String text = Report.text(result());

    assertThat(text)
        .contains(
            "  Transfer-Encoding: chunked     no response: timed out after 5s waiting for a\n"
                + "                                 response from gateway.example:443\n");
    assertThat(text.lines()).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(80));
  }

  @Test
  void jsonGivesAFailedFramingANullStatusAndItsError() throws Exception {
    String json = Report.json(result());

    assertThat(json)
        .contains(
            "{\"framing\": \"chunked\", \"status\": null, \"reason\": null,"
                + " \"continueReceived\": false, \"bodySent\": false, \"earlyAnswer\": null,"
                + " \"error\": \""
                + TIMED_OUT
                + "\"},\n")
        .contains("\"verdict\": \"requires-length\",\n")
        .contains("\"summary\": \"requires Content-Length\",\n")
        .contains("\"expectContinue\": \"failed\",\n")
        .contains("\"origin\": \"https://gateway.example:443\",\n")
        .contains("\"closesWithoutReadingBody\": false,\n")
        .contains(
            "\"lengthRequired\": \"Origin.of(\\\"https\\\", \\\"gateway.example\\\", 443)\",\n");
  }

  @Test
  void jsonGivesNoOriginToPinWhenChunkedBodiesAreAccepted() throws Exception {
    Map<Framing, Outcome> outcomes = new EnumMap<>(Framing.class);
    outcomes.put(Framing.CONTENT_LENGTH, Outcome.answered(200, "OK", false, true));
    outcomes.put(Framing.CHUNKED, Outcome.answered(200, "OK", false, true));
    outcomes.put(Framing.CHUNKED_EXPECT_CONTINUE, Outcome.answered(200, "OK", true, true));
    outcomes.put(Framing.EMPTY_WITHOUT_LENGTH, Outcome.answered(200, "OK", false, false));
    Options options = Options.parse(new String[] {"http://[::1]:8080/v1/orders"});

    String json = Report.json(new ProbeResult(options, 74, outcomes, Verdict.of(outcomes)));

    assertThat(json)
        .contains("\"origin\": \"http://[::1]:8080\",\n")
        .contains("\"lengthRequired\": null,\n");
  }

  @Test
  void textNamesAnAnswerBeforeTheBodyAndWhatBecameOfTheBody() throws Exception {
    Map<Framing, Outcome> outcomes = new EnumMap<>(Framing.class);
    outcomes.put(Framing.CONTENT_LENGTH, Outcome.answered(200, "OK", false, true));
    outcomes.put(Framing.CHUNKED, Outcome.answeredBeforeBody(411, "Length Required", false));
    outcomes.put(Framing.CHUNKED_EXPECT_CONTINUE, Outcome.answered(411, "", false, false));
    outcomes.put(Framing.EMPTY_WITHOUT_LENGTH, Outcome.answered(200, "OK", false, false));
    Options options = Options.parse(new String[] {"http://127.0.0.1:8080/"});

    String text = Report.text(new ProbeResult(options, 74, outcomes, Verdict.of(outcomes)));

    assertThat(text)
        .contains(
            "  Transfer-Encoding: chunked     411 Length Required, before the body; closed\n"
                + "                                 without reading the body\n")
        .contains("Verdict: requires Content-Length; closes without reading the body\n");
    assertThat(text.lines()).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(80));
  }

  @Test
  void jsonErrorEscapesTheMessage() {
    assertThat(Report.jsonError("bad \"thing\"", 1))
        .isEqualTo("{\n  \"error\": \"bad \\\"thing\\\"\",\n  \"exitCode\": 1\n}\n");
  }

  private static ProbeResult result() throws Exception {
    Options options =
        Options.parse(new String[] {"https://gateway.example/v1/orders", "--timeout", "5s"});
    Map<Framing, Outcome> outcomes = new EnumMap<>(Framing.class);
    outcomes.put(Framing.CONTENT_LENGTH, Outcome.answered(200, "OK", false, true));
    outcomes.put(Framing.CHUNKED, Outcome.failed(TIMED_OUT));
    outcomes.put(Framing.CHUNKED_EXPECT_CONTINUE, Outcome.failed(TIMED_OUT));
    outcomes.put(Framing.EMPTY_WITHOUT_LENGTH, Outcome.answered(200, "OK", false, false));
    return new ProbeResult(options, 74, outcomes, Verdict.of(outcomes));
  }
}
