package io.lengthguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.lengthguard.GuardCounters.Event;
import io.lengthguard.GuardCounters.Snapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GuardCountersTest {
  private static final Origin A = Origin.of("https", "a.example", 443);
  private static final Origin B = Origin.of("http", "b.example", 8080);
  private static final FramingFinding MISMATCH =
      new FramingFinding(FindingCode.LENGTH_MISMATCH, "m");

  @Test
  void countsEachEventInTotalAndPerOrigin() {
    GuardCounters counters = GuardCounters.create();

    counters.lengthRequired(A, false);
    counters.bodyFrozen(A, 10, FreezeReason.LENGTH_REQUIRED);
    counters.resent(A, 10);
    counters.recovered(A, 200);
    counters.lengthRequired(B, true);
    counters.gaveUp(B, GiveUpReason.LENGTH_REFUSED, "detail");
    counters.bodyTooLarge(B, 100, 101);
    counters.framingFinding(B, MISMATCH);
    Snapshot snapshot = counters.snapshot();

    assertThat(snapshot.count(Event.LENGTH_REQUIRED)).isEqualTo(2);
    for (Event event : Event.values()) {
      assertThat(snapshot.count(A, event) + snapshot.count(B, event))
          .as("%s", event)
          .isEqualTo(snapshot.count(event));
    }
    assertThat(snapshot.count(A, Event.RESENT)).isEqualTo(1);
    assertThat(snapshot.count(B, Event.RESENT)).isZero();
    assertThat(snapshot.count(B, Event.BODY_TOO_LARGE)).isEqualTo(1);
    assertThat(snapshot.count(B, Event.FRAMING_FINDING)).isEqualTo(1);
    assertThat(snapshot.origins()).containsExactlyInAnyOrder(A, B);
    assertThat(snapshot.count(Origin.of("https", "c.example", 443), Event.RESENT)).isZero();
  }

  @Test
  void countsReasonsAndFindingCodes() {
    GuardCounters counters = GuardCounters.create();

    counters.bodyFrozen(A, 1, FreezeReason.PREBUFFER);
    counters.bodyFrozen(A, 1, FreezeReason.PREBUFFER);
    counters.bodyFrozen(A, 1, FreezeReason.LEARNED_ORIGIN);
    counters.gaveUp(A, GiveUpReason.TOO_LARGE, "d");
    counters.framingFinding(A, MISMATCH);
    counters.framingFinding(A, MISMATCH);
    counters.framingFinding(A, new FramingFinding(FindingCode.MISSING_LENGTH, "m"));
    Snapshot snapshot = counters.snapshot();

    assertThat(snapshot.frozen(FreezeReason.PREBUFFER)).isEqualTo(2);
    assertThat(snapshot.frozen(FreezeReason.LEARNED_ORIGIN)).isEqualTo(1);
    assertThat(snapshot.frozen(FreezeReason.LENGTH_REQUIRED)).isZero();
    assertThat(snapshot.gaveUp(GiveUpReason.TOO_LARGE)).isEqualTo(1);
    assertThat(snapshot.gaveUp(GiveUpReason.BODY_LOST)).isZero();
    assertThat(snapshot.findings(FindingCode.LENGTH_MISMATCH)).isEqualTo(2);
    assertThat(snapshot.findings(FindingCode.MISSING_LENGTH)).isEqualTo(1);
    assertThat(snapshot.count(Event.FRAMING_FINDING)).isEqualTo(3);
  }

  @Test
  void countsWhatTheGuardReportsThroughThePolicy() {
    GuardCounters counters = GuardCounters.create();
    LengthGuard guard =
        LengthGuard.create(
            GuardPolicy.builder().mode(GuardMode.RETRY_ON_411).listener(counters).build());

    boolean resend = guard.shouldResend(A, 411, false);
    guard.resendAnswered(A, 201);
    guard.shouldResend(B, 411, true);
    FramingCheck.request("POST")
        .header("Content-Length", "5")
        .bodyBytes(4)
        .check()
        .publish(B, counters);
    Snapshot snapshot = counters.snapshot();

    assertThat(resend).isTrue();
    assertThat(snapshot.count(A, Event.LENGTH_REQUIRED)).isEqualTo(1);
    assertThat(snapshot.count(A, Event.RECOVERED)).isEqualTo(1);
    assertThat(snapshot.count(B, Event.GAVE_UP)).isEqualTo(1);
    assertThat(snapshot.gaveUp(GiveUpReason.LENGTH_REFUSED)).isEqualTo(1);
    assertThat(snapshot.findings(FindingCode.LENGTH_MISMATCH)).isEqualTo(1);
  }

  @Test
  void originsPastTheBoundAreCountedTogether() {
    GuardCounters counters = GuardCounters.create(2);
    Origin c = Origin.of("https", "c.example", 443);
    Origin d = Origin.of("https", "d.example", 443);

    counters.lengthRequired(A, false);
    counters.lengthRequired(B, false);
    counters.lengthRequired(c, false);
    counters.lengthRequired(d, false);
    counters.resent(A, 1);
    counters.resent(d, 1);
    Snapshot snapshot = counters.snapshot();

    assertThat(snapshot.origins()).containsExactlyInAnyOrder(A, B);
    assertThat(snapshot.otherOrigins(Event.LENGTH_REQUIRED)).isEqualTo(2);
    assertThat(snapshot.otherOrigins(Event.RESENT)).isEqualTo(1);
    assertThat(snapshot.count(A, Event.RESENT)).isEqualTo(1);
    assertThat(snapshot.count(d, Event.RESENT)).isZero();
    assertThat(snapshot.count(Event.LENGTH_REQUIRED)).isEqualTo(4);
  }

  @Test
  void zeroOriginsCountsEveryOriginTogether() {
    GuardCounters counters = GuardCounters.create(0);

    counters.recovered(A, 200);

    assertThat(counters.snapshot().origins()).isEmpty();
    assertThat(counters.snapshot().otherOrigins(Event.RECOVERED)).isEqualTo(1);
    assertThat(counters.maxOrigins()).isZero();
  }

  @Test
  void snapshotKeepsItsCounts() {
    GuardCounters counters = GuardCounters.create();
    counters.resent(A, 1);
    Snapshot before = counters.snapshot();

    counters.resent(A, 1);
    counters.resent(B, 1);

    assertThat(before.count(Event.RESENT)).isEqualTo(1);
    assertThat(before.count(A, Event.RESENT)).isEqualTo(1);
    assertThat(before.origins()).containsExactly(A);
    assertThat(counters.snapshot().count(Event.RESENT)).isEqualTo(3);
  }

  @Test
  void countsExactlyUnderConcurrentEventsAndKeepsTheOriginBound() throws Exception {
    int threads = 4;
    int perThread = 5_000;
    GuardCounters counters = GuardCounters.create(5);
    List<Origin> origins = new ArrayList<>();
    for (int i = 0; i < 12; i++) origins.add(Origin.of("https", "h" + i + ".example", 443));
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    try {
      for (int t = 0; t < threads; t++) {
        int offset = t;
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < perThread; i++) {
                    Origin origin = origins.get((i + offset) % origins.size());
                    counters.lengthRequired(origin, false);
                    counters.framingFinding(origin, MISMATCH);
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> future : done) future.get(30, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    Snapshot snapshot = counters.snapshot();

    long total = (long) threads * perThread;
    assertThat(snapshot.count(Event.LENGTH_REQUIRED)).isEqualTo(total);
    assertThat(snapshot.findings(FindingCode.LENGTH_MISMATCH)).isEqualTo(total);
    assertThat(snapshot.origins()).hasSize(5);
    long perOrigin = 0;
    for (Origin origin : snapshot.origins())
      perOrigin += snapshot.count(origin, Event.LENGTH_REQUIRED);
    assertThat(perOrigin + snapshot.otherOrigins(Event.LENGTH_REQUIRED)).isEqualTo(total);
  }

  @Test
  void rejectsNegativeMaxOrigins() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> GuardCounters.create(-1))
        .withMessage("maxOrigins < 0: -1");
    assertThat(GuardCounters.create().maxOrigins()).isEqualTo(GuardCounters.DEFAULT_MAX_ORIGINS);
  }

  @Test
  void defaultCountsAsManyOriginsAsThePolicyRemembers() {
    assertThat(GuardCounters.DEFAULT_MAX_ORIGINS)
        .isEqualTo(GuardPolicy.defaults().maxOrigins())
        .isEqualTo(1024);
  }

  @Test
  void toStringShowsCountsThatAreNotZero() {
    GuardCounters counters = GuardCounters.create(1);
    counters.lengthRequired(A, false);
    counters.gaveUp(A, GiveUpReason.BODY_LOST, "d");
    counters.framingFinding(B, MISMATCH);

    assertThat(counters.snapshot())
        .hasToString(
            "{LENGTH_REQUIRED=1, GAVE_UP=1, FRAMING_FINDING=1, gaveUp.BODY_LOST=1,"
                + " finding.LENGTH_MISMATCH=1, origins=1}");
    assertThat(GuardCounters.create(3)).hasToString("GuardCounters{maxOrigins=3, {origins=0}}");
  }
}
