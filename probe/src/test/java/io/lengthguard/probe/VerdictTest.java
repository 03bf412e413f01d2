package io.lengthguard.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.GuardMode;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VerdictTest {
  private static final Outcome OK = Outcome.answered(200, "OK", false, true);
  private static final Outcome LENGTH_REQUIRED = Outcome.answered(411, "", false, true);
  private static final Outcome EARLY_411 = Outcome.answered(411, "", false, false);
  private static final Outcome EMPTY_OK = Outcome.answered(200, "OK", false, false);

  @Test
  void chunkedAcceptedMeansAdaptiveAndExitZero() {
    Verdict verdict = Verdict.of(outcomes(OK, OK, OK, EMPTY_OK));

    assertThat(verdict.kind()).isEqualTo(Verdict.Kind.ACCEPTS_CHUNKED);
    assertThat(verdict.summary()).isEqualTo("accepts chunked bodies");
    assertThat(verdict.mode()).isEqualTo(GuardMode.ADAPTIVE);
    assertThat(verdict.expectContinue()).isFalse();
    assertThat(verdict.expect()).isEqualTo(Verdict.Expect.IGNORED);
    assertThat(verdict.emptyWithoutLength()).isEqualTo(Verdict.Empty.ACCEPTED);
    assertThat(verdict.exitCode()).isZero();
    assertThat(verdict.advice()).hasSize(1);
  }

  @Test
  void chunked411MeansPrebufferAndExitThree() {
    Verdict verdict = Verdict.of(outcomes(OK, LENGTH_REQUIRED, LENGTH_REQUIRED, LENGTH_REQUIRED));

    assertThat(verdict.kind()).isEqualTo(Verdict.Kind.REQUIRES_LENGTH);
    assertThat(verdict.mode()).isEqualTo(GuardMode.PREBUFFER);
    assertThat(verdict.expectContinue()).isFalse();
    assertThat(verdict.emptyWithoutLength()).isEqualTo(Verdict.Empty.REJECTED);
    assertThat(verdict.exitCode()).isEqualTo(3);
    assertThat(verdict.advice())
        .containsExactly(
            "It requires Content-Length: chunked bodies get 411 Length Required. Use"
                + " GuardMode.PREBUFFER: each body of unknown length is frozen and sent with its"
                + " exact length, with no wasted round trip. ADAPTIVE also works: one 411 per"
                + " origin, then prebuffered.",
            "It ignores Expect: 100-continue (no answer within 1s), so expectContinue(true)"
                + " would only add a wait.",
            "An empty body without a length header gets 411 (as stock lighttpd answers): send"
                + " Content-Length: 0 with an empty POST, PUT or PATCH (RFC 9110 §8.6).");
  }

  @Test
  void a411BeforeTheBodyRecommendsExpectContinue() {
    Verdict verdict = Verdict.of(outcomes(OK, LENGTH_REQUIRED, EARLY_411, EMPTY_OK));

    assertThat(verdict.expect()).isEqualTo(Verdict.Expect.ANSWERED_BEFORE_BODY);
    assertThat(verdict.expectContinue()).isTrue();
  }

  @Test
  void a100BeforeThe411DoesNotRecommendExpectContinue() {
    Outcome continuedThen411 = Outcome.answered(411, "", true, true);

    Verdict verdict = Verdict.of(outcomes(OK, LENGTH_REQUIRED, continuedThen411, EMPTY_OK));

    assertThat(verdict.expect()).isEqualTo(Verdict.Expect.CONTINUED);
    assertThat(verdict.expectContinue()).isFalse();
    assertThat(verdict.advice())
        .contains(
            "It sends 100 Continue even to a chunked body it then refuses, so expectContinue(true) does not save a one-shot body here.");
  }

  @Test
  void anotherErrorOnlyForChunkedStillMeansItRequiresLength() {
    Outcome notImplemented = Outcome.answered(501, "Not Implemented", false, true);

    Verdict verdict = Verdict.of(outcomes(OK, notImplemented, notImplemented, EMPTY_OK));

    assertThat(verdict.kind()).isEqualTo(Verdict.Kind.REQUIRES_LENGTH);
    assertThat(verdict.advice().get(0))
        .startsWith("It requires Content-Length: chunked bodies get 501 Not Implemented.");
  }

  @Test
  void noAnswerToChunkedMeansItRequiresLength() {
    Outcome timedOut = Outcome.failed("timed out after 5s waiting for a response from h:80");

    Verdict verdict = Verdict.of(outcomes(OK, timedOut, timedOut, EMPTY_OK));

    assertThat(verdict.kind()).isEqualTo(Verdict.Kind.REQUIRES_LENGTH);
    assertThat(verdict.expect()).isEqualTo(Verdict.Expect.FAILED);
  }

  @Test
  void a411ToTheExactLengthGivesNoVerdict() {
    Verdict verdict =
        Verdict.of(outcomes(LENGTH_REQUIRED, LENGTH_REQUIRED, LENGTH_REQUIRED, LENGTH_REQUIRED));

    assertThat(verdict.kind()).isEqualTo(Verdict.Kind.NO_VERDICT);
    assertThat(verdict.summary()).isEqualTo("no verdict: 411 even with Content-Length");
    assertThat(verdict.mode()).isNull();
    assertThat(verdict.exitCode()).isEqualTo(4);
    // The empty body's 411 says nothing here: the exact length got one too.
    assertThat(verdict.advice())
        .containsExactly(
            "It answered 411 even to an exact Content-Length, so no framing helps (LengthGuard"
                + " hands such a 411 back as LENGTH_REFUSED): check the URL, --method and"
                + " --header.");
  }

  @Test
  void a411BeforeTheBodyAndACloseIsNamedWithTheSetupsThatRecover() {
    Outcome closed = Outcome.answeredBeforeBody(411, "", false);

    Verdict verdict = Verdict.of(outcomes(OK, closed, EARLY_411, EMPTY_OK));

    assertThat(verdict.kind()).isEqualTo(Verdict.Kind.REQUIRES_LENGTH);
    assertThat(verdict.closesWithoutReading()).isTrue();
    assertThat(verdict.summary())
        .isEqualTo("requires Content-Length; closes without reading the body");
    assertThat(verdict.mode()).isEqualTo(GuardMode.PREBUFFER);
    assertThat(verdict.expectContinue()).isTrue();
    assertThat(verdict.advice().get(0))
        .endsWith("ADAPTIVE works only where the client reads the 411 (below).");
    assertThat(verdict.advice().get(1))
        .startsWith("It answers 411 on the request head and closes the connection")
        .contains("java.net.http loses some such calls under RETRY_ON_411 and ADAPTIVE")
        .contains("HttpClient 5, classic and async, in every mode, which asks for 100 (Continue)")
        .contains("These recover: PREBUFFER; expectContinue(true)")
        .contains("the default read-ahead, which sends bodies up to 1 MiB");
  }

  @Test
  void a411BeforeTheBodyThatIsThenReadIsTheUsualAdvice() {
    Outcome read = Outcome.answeredBeforeBody(411, "", true);

    Verdict verdict = Verdict.of(outcomes(OK, read, EARLY_411, EMPTY_OK));

    assertThat(verdict.closesWithoutReading()).isFalse();
    assertThat(verdict.summary()).isEqualTo("requires Content-Length");
    assertThat(verdict.advice().get(0))
        .endsWith("ADAPTIVE also works: one 411 per origin, then prebuffered.");
    assertThat(verdict.advice()).noneMatch(a -> a.contains("closes the connection"));
  }

  @Test
  void a2xxBeforeTheChunkedBodyIsAWarning() {
    Outcome early = Outcome.answeredBeforeBody(200, "OK", false);

    Verdict verdict = Verdict.of(outcomes(OK, early, OK, EMPTY_OK));

    assertThat(verdict.kind()).isEqualTo(Verdict.Kind.ACCEPTS_CHUNKED);
    assertThat(verdict.advice())
        .contains(
            "It answered 200 OK to the chunked request before any byte of its body was sent,"
                + " and closed without reading it: it may drop chunked bodies unread (as servers"
                + " that read only Content-Length bytes do). Check what it received; if the body"
                + " is lost, use GuardMode.PREBUFFER.");
  }

  @Test
  void aFailingBaselineWithout411GivesNoVerdict() {
    Outcome notFound = Outcome.answered(404, "Not Found", false, true);

    Verdict verdict = Verdict.of(outcomes(notFound, notFound, notFound, notFound));

    assertThat(verdict.kind()).isEqualTo(Verdict.Kind.NO_VERDICT);
    assertThat(verdict.summary())
        .isEqualTo("no verdict: the Content-Length request got 404 Not Found");
    assertThat(verdict.exitCode()).isEqualTo(4);
  }

  @Test
  void aFailingBaselineWithChunked411StillRequiresLengthWithANote() {
    Outcome unauthorized = Outcome.answered(401, "Unauthorized", false, true);

    Verdict verdict =
        Verdict.of(outcomes(unauthorized, LENGTH_REQUIRED, LENGTH_REQUIRED, unauthorized));

    assertThat(verdict.kind()).isEqualTo(Verdict.Kind.REQUIRES_LENGTH);
    assertThat(verdict.advice())
        .last()
        .isEqualTo(
            "Note: even the Content-Length request got 401 Unauthorized; the verdict compares"
                + " framings only, so check the URL, --method and --header.");
  }

  @Test
  void expectationFailedIsNamed() {
    Outcome refused = Outcome.answered(417, "", false, false);

    Verdict verdict = Verdict.of(outcomes(OK, OK, refused, EMPTY_OK));

    assertThat(verdict.expect()).isEqualTo(Verdict.Expect.REFUSED);
    assertThat(verdict.advice())
        .contains(
            "It refuses Expect: 100-continue with 417: keep expectContinue(false). With it, the"
                + " guard sends the body once more without Expect and remembers the origin.");
  }

  @Test
  void needsEveryFraming() {
    Map<Framing, Outcome> three = outcomes(OK, OK, OK, OK);
    three.remove(Framing.EMPTY_WITHOUT_LENGTH);

    assertThatThrownBy(() -> Verdict.of(three))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("an outcome is missing: [CONTENT_LENGTH, CHUNKED, CHUNKED_EXPECT_CONTINUE]");
  }

  private static Map<Framing, Outcome> outcomes(
      Outcome length, Outcome chunked, Outcome expect, Outcome empty) {
    Map<Framing, Outcome> outcomes = new EnumMap<>(Framing.class);
    outcomes.put(Framing.CONTENT_LENGTH, length);
    outcomes.put(Framing.CHUNKED, chunked);
    outcomes.put(Framing.CHUNKED_EXPECT_CONTINUE, expect);
    outcomes.put(Framing.EMPTY_WITHOUT_LENGTH, empty);
    return outcomes;
  }
}
