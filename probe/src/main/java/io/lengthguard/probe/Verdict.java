package io.lengthguard.probe;

import io.lengthguard.GuardMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What the four answers say about an endpoint, and which {@link GuardMode} suits it.
 *
 * @param kind whether the endpoint accepts chunked bodies
 * @param summary the verdict in a few words, such as {@code requires Content-Length}
 * @param expect how it answered {@code Expect: 100-continue}
 * @param emptyWithoutLength how it answered an empty body without a length header
 * @param mode the recommended mode, or null when no mode helps
 * @param expectContinue whether {@code GuardPolicy.expectContinue(true)} is worth setting
 * @param closesWithoutReading whether it answered the chunked request on its head alone and closed
 *     the connection without reading the body
 * @param advice sentences that explain the recommendation
 */
record Verdict(
    Kind kind,
    String summary,
    Expect expect,
    Empty emptyWithoutLength,
    @Nullable GuardMode mode,
    boolean expectContinue,
    boolean closesWithoutReading,
    List<String> advice) {

  /** What the endpoint accepts. */
  enum Kind {
    ACCEPTS_CHUNKED("accepts-chunked", "accepts chunked bodies", Probe.EXIT_ACCEPTS_CHUNKED),
    REQUIRES_LENGTH("requires-length", "requires Content-Length", Probe.EXIT_REQUIRES_LENGTH),
    NO_VERDICT("no-verdict", "no verdict", Probe.EXIT_NO_VERDICT);

    final String id;
    final String summary;
    final int exitCode;

    Kind(String id, String summary, int exitCode) {
      this.id = id;
      this.summary = summary;
      this.exitCode = exitCode;
    }
  }

  /** How the endpoint answered {@code Expect: 100-continue} (RFC 9110 §10.1.1). */
  enum Expect {
    /** {@code 100 Continue}, then the final status after the body. */
    CONTINUED("continued"),
    /** A final status before the body, which was never sent. */
    ANSWERED_BEFORE_BODY("answered-before-body"),
    /** Nothing within the wait, so the body went anyway. */
    IGNORED("ignored"),
    /** 417 Expectation Failed. */
    REFUSED("refused"),
    /** No response at all. */
    FAILED("failed");

    final String id;

    Expect(String id) {
      this.id = id;
    }
  }

  /** How the endpoint answered an empty body with neither Content-Length nor chunked. */
  enum Empty {
    ACCEPTED("accepted"),
    REJECTED("rejected"),
    FAILED("failed");

    final String id;

    Empty(String id) {
      this.id = id;
    }
  }

  Verdict {
    advice = List.copyOf(advice);
  }

  /** Returns the exit code of this verdict. */
  int exitCode() {
    return kind.exitCode;
  }

  /** Returns the verdict on {@code outcomes}, which hold an answer for every framing. */
  static Verdict of(Map<Framing, Outcome> outcomes) {
    Outcome length = outcomes.get(Framing.CONTENT_LENGTH);
    Outcome chunked = outcomes.get(Framing.CHUNKED);
    Outcome expectOutcome = outcomes.get(Framing.CHUNKED_EXPECT_CONTINUE);
    Outcome emptyOutcome = outcomes.get(Framing.EMPTY_WITHOUT_LENGTH);
    if (length == null || chunked == null || expectOutcome == null || emptyOutcome == null) {
      throw new IllegalArgumentException("an outcome is missing: " + outcomes.keySet());
    }

    Kind kind;
    if (length.failed() || length.status() == 411) {
      kind = Kind.NO_VERDICT;
    } else if (chunked.failed() || chunked.status() == 411) {
      kind = Kind.REQUIRES_LENGTH;
    } else if (length.status() >= 400) {
      // The baseline itself failed: only a 411 would say something about framing.
      kind = Kind.NO_VERDICT;
    } else if (chunked.status() >= 400) {
      // Some servers refuse a transfer coding with 400 or 501 rather than 411.
      kind = Kind.REQUIRES_LENGTH;
    } else {
      kind = Kind.ACCEPTS_CHUNKED;
    }
    Expect expect = expect(expectOutcome);
    Empty empty =
        emptyOutcome.failed()
            ? Empty.FAILED
            : emptyOutcome.status() == 411 ? Empty.REJECTED : Empty.ACCEPTED;
    boolean closes = chunked.early() == Outcome.Early.CLOSED_WITHOUT_READING;
    // Only a 411 that arrives before the body saves a one-shot body for the resend.
    boolean expectContinue =
        kind == Kind.REQUIRES_LENGTH
            && expect == Expect.ANSWERED_BEFORE_BODY
            && expectOutcome.status() == 411;

    List<String> advice = new ArrayList<>();
    GuardMode mode = null;
    switch (kind) {
      case ACCEPTS_CHUNKED:
        mode = GuardMode.ADAPTIVE;
        advice.add(
            "It accepts chunked bodies, so GuardMode.ADAPTIVE (the default) is free insurance:"
                + " bodies keep streaming chunked, and if anything in front of it ever answers"
                + " 411, one resend with the exact length recovers the call and the origin is"
                + " remembered.");
        break;
      case REQUIRES_LENGTH:
        mode = GuardMode.PREBUFFER;
        advice.add(
            "It requires Content-Length: chunked bodies get "
                + chunked.statusLine()
                + ". Use GuardMode.PREBUFFER: each body of unknown length is frozen and sent"
                + " with its exact length, with no wasted round trip."
                + (closes
                    ? " ADAPTIVE works only where the client reads the 411 (below)."
                    : " ADAPTIVE also works: one 411 per origin, then prebuffered."));
        if (closes && chunked.status() == 411) {
          advice.add(
              "It answers 411 on the request head and closes the connection without reading"
                  + " the body (as haproxy's deny rule does). A client that writes a body of"
                  + " unknown length before it reads the response meets a broken pipe once the"
                  + " socket buffers are full (past about 1 MiB) and may never see the 411:"
                  + " java.net.http loses some such calls under RETRY_ON_411 and ADAPTIVE,"
                  + " and nothing reaches the server. These recover: PREBUFFER;"
                  + " expectContinue(true), which gets the 411 before any byte of the body;"
                  + " the default read-ahead, which sends bodies up to 1 MiB (prebufferBytes)"
                  + " with their length at once; OkHttp in every mode, which reads the 411"
                  + " after its write fails; and HttpClient 5, classic and async, in every"
                  + " mode, which asks for 100 (Continue) before a body past the read-ahead.");
        }
        break;
      case NO_VERDICT:
        advice.add(
            length.status() == 411
                ? "It answered 411 even to an exact Content-Length, so no framing helps"
                    + " (LengthGuard hands such a 411 back as LENGTH_REFUSED): check the URL,"
                    + " --method and --header."
                : "Even the request with Content-Length got "
                    + length.statusLine()
                    + ", and no framing got 411, so the answers say nothing about framing: fix"
                    + " the URL, --method or --header until it succeeds, then probe again.");
        break;
    }
    String expectAdvice = expectAdvice(kind, expect, expectOutcome, expectContinue);
    if (expectAdvice != null) advice.add(expectAdvice);
    if (kind == Kind.ACCEPTS_CHUNKED && chunked.early() != Outcome.Early.NONE) {
      advice.add(
          "It answered "
              + chunked.statusLine()
              + " to the chunked request before any byte of its body was sent"
              + (closes ? ", and closed without reading it" : "")
              + ": it may drop chunked bodies unread (as servers that read only Content-Length"
              + " bytes do). Check what it received; if the body is lost, use"
              + " GuardMode.PREBUFFER.");
    }
    // When even the exact length got 411, an empty body's 411 says nothing about framing.
    if (empty == Empty.REJECTED && length.status() != 411) {
      advice.add(
          "An empty body without a length header gets 411 (as stock lighttpd answers): send"
              + " Content-Length: 0 with an empty POST, PUT or PATCH (RFC 9110 §8.6).");
    }
    if (kind != Kind.NO_VERDICT
        && !length.failed()
        && (length.status() < 200 || length.status() > 299)) {
      advice.add(
          "Note: even the Content-Length request got "
              + length.statusLine()
              + "; the verdict compares framings only, so check the URL, --method and --header.");
    }
    String summary =
        kind != Kind.NO_VERDICT
            ? kind.summary + (closes ? "; closes without reading the body" : "")
            : length.status() == 411
                ? "no verdict: 411 even with Content-Length"
                : "no verdict: the Content-Length request got " + length.statusLine();
    return new Verdict(kind, summary, expect, empty, mode, expectContinue, closes, advice);
  }

  private static Expect expect(Outcome outcome) {
    if (outcome.failed()) return Expect.FAILED;
    if (outcome.status() == 417) return Expect.REFUSED;
    if (outcome.continueReceived()) return Expect.CONTINUED;
    if (!outcome.bodySent()) return Expect.ANSWERED_BEFORE_BODY;
    return Expect.IGNORED;
  }

  private static @Nullable String expectAdvice(
      Kind kind, Expect expect, Outcome outcome, boolean expectContinue) {
    if (expectContinue) {
      return "With Expect: 100-continue it answers 411 before the body is sent: with ADAPTIVE or"
          + " RETRY_ON_411, set expectContinue(true) and a one-shot body is still whole for the"
          + " resend.";
    }
    switch (expect) {
      case CONTINUED:
        return kind == Kind.REQUIRES_LENGTH && outcome.status() == 411
            ? "It sends 100 Continue even to a chunked body it then refuses, so"
                + " expectContinue(true) does not save a one-shot body here."
            : null;
      case IGNORED:
        return kind == Kind.REQUIRES_LENGTH
            ? "It ignores Expect: 100-continue (no answer within "
                + Options.format(Exchange.CONTINUE_WAIT)
                + "), so expectContinue(true) would only add a wait."
            : null;
      case REFUSED:
        return "It refuses Expect: 100-continue with 417: keep expectContinue(false). With it,"
            + " the guard sends the body once more without Expect and remembers the origin.";
      case FAILED:
        return "A chunked body with Expect: 100-continue got no response: keep"
            + " expectContinue(false).";
      default:
        return null;
    }
  }
}
