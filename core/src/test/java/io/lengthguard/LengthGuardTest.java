package io.lengthguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LengthGuardTest {
  private static final Origin STRICT = Origin.of("https", "strict.example", 443);
  private static final Origin OTHER = Origin.of("https", "strict.example", 8443);

  private final AtomicLong clock = new AtomicLong(1_000);
  private final Recorder events = new Recorder();

  private LengthGuard guard(GuardPolicy.Builder policy) {
    return LengthGuard.create(policy.listener(events).build(), clock::get);
  }

  @Test
  void prebufferFreezesEveryBodyBeforeTheFirstSend() {
    LengthGuard guard = guard(GuardPolicy.builder().mode(GuardMode.PREBUFFER));

    assertThat(guard.freezeBeforeSend(STRICT)).isEqualTo(FreezeReason.PREBUFFER);
    assertThat(guard.freezeBeforeSend(OTHER)).isEqualTo(FreezeReason.PREBUFFER);
  }

  @Test
  void retryOn411NeverFreezesBeforeTheFirstSend() {
    LengthGuard guard = guard(GuardPolicy.builder().mode(GuardMode.RETRY_ON_411));

    assertThat(guard.freezeBeforeSend(STRICT)).isNull();
    assertThat(guard.shouldResend(STRICT, 411, false)).isTrue();
    assertThat(guard.freezeBeforeSend(STRICT)).isNull();
    assertThat(guard.wantsLength(STRICT)).isFalse();
  }

  @Test
  void adaptiveLearnsAnOriginFromIts411() {
    LengthGuard guard = guard(GuardPolicy.builder());

    assertThat(guard.freezeBeforeSend(STRICT)).isNull();
    assertThat(guard.shouldResend(STRICT, 411, false)).isTrue();

    assertThat(guard.freezeBeforeSend(STRICT)).isEqualTo(FreezeReason.LEARNED_ORIGIN);
    assertThat(guard.freezeBeforeSend(Origin.of("HTTPS", "Strict.Example", 443)))
        .isEqualTo(FreezeReason.LEARNED_ORIGIN);
    assertThat(guard.wantsLength(STRICT)).isTrue();
    assertThat(guard.freezeBeforeSend(OTHER)).isNull();
    assertThat(events.list).containsExactly("lengthRequired https://strict.example:443 false");
  }

  @Test
  void adaptiveForgetsAnOriginAfterItsTimeToLive() {
    LengthGuard guard = guard(GuardPolicy.builder().originTtl(Duration.ofMinutes(5)));
    guard.shouldResend(STRICT, 411, false);

    clock.addAndGet(Duration.ofMinutes(5).toNanos() - 1);
    assertThat(guard.freezeBeforeSend(STRICT)).isEqualTo(FreezeReason.LEARNED_ORIGIN);

    clock.addAndGet(1);
    assertThat(guard.freezeBeforeSend(STRICT)).isNull();
    assertThat(guard.wantsLength(STRICT)).isFalse();
  }

  @Test
  void anOriginThatRefusedExpectIsRememberedForItsTimeToLiveInEveryMode() {
    for (GuardMode mode : GuardMode.values()) {
      LengthGuard guard = guard(GuardPolicy.builder().mode(mode).originTtl(Duration.ofMinutes(5)));
      guard.expectRefused(STRICT);

      assertThat(guard.refusesExpect(STRICT)).as("%s", mode).isTrue();
      assertThat(guard.refusesExpect(OTHER)).isFalse();
      assertThat(guard.wantsLength(STRICT)).isFalse(); // a 417 says nothing about a length
      clock.addAndGet(Duration.ofMinutes(5).toNanos());
      assertThat(guard.refusesExpect(STRICT)).isFalse();
    }
    assertThat(events.list).isEmpty();
  }

  @Test
  void theOriginsThatRefusedExpectAreBounded() {
    LengthGuard guard = guard(GuardPolicy.builder().maxOrigins(2));
    Origin first = Origin.of("http", "first", 80);
    guard.expectRefused(first);
    clock.incrementAndGet();
    guard.expectRefused(STRICT);
    clock.incrementAndGet();
    guard.expectRefused(OTHER);

    assertThat(guard.refusesExpect(first)).isFalse(); // the oldest went
    assertThat(guard.refusesExpect(STRICT)).isTrue();
    assertThat(guard.refusesExpect(OTHER)).isTrue();
  }

  @Test
  void another411RenewsTheTimeToLive() {
    LengthGuard guard = guard(GuardPolicy.builder().originTtl(Duration.ofSeconds(10)));
    guard.shouldResend(STRICT, 411, false);
    clock.addAndGet(Duration.ofSeconds(8).toNanos());

    guard.shouldResend(STRICT, 411, false);
    clock.addAndGet(Duration.ofSeconds(8).toNanos());

    assertThat(guard.wantsLength(STRICT)).isTrue();
  }

  @Test
  void timeToLiveBeyondNanosecondRangeMeansForever() {
    LengthGuard guard = guard(GuardPolicy.builder().originTtl(Duration.ofDays(365L * 1000)));
    guard.shouldResend(STRICT, 411, false);

    clock.addAndGet(Duration.ofDays(365L * 200).toNanos());

    assertThat(guard.wantsLength(STRICT)).isTrue();
  }

  @Test
  void remembersAtMostMaxOriginsEvictingTheOldest() {
    LengthGuard guard = guard(GuardPolicy.builder().maxOrigins(3));

    for (int port = 1; port <= 4; port++) {
      guard.shouldResend(Origin.of("http", "h", port), 411, false);
      clock.addAndGet(1);
    }

    assertThat(guard.wantsLength(Origin.of("http", "h", 1))).isFalse();
    assertThat(guard.wantsLength(Origin.of("http", "h", 2))).isTrue();
    assertThat(guard.wantsLength(Origin.of("http", "h", 3))).isTrue();
    assertThat(guard.wantsLength(Origin.of("http", "h", 4))).isTrue();
    assertThat(guard.toString()).endsWith(", origins=3}");
  }

  @Test
  void expiredOriginsGoFirstWhenTheBoundIsReached() {
    LengthGuard guard = guard(GuardPolicy.builder().maxOrigins(2).originTtl(Duration.ofNanos(10)));
    guard.shouldResend(Origin.of("http", "old", 80), 411, false);
    clock.addAndGet(5);
    guard.shouldResend(Origin.of("http", "a", 80), 411, false);
    clock.addAndGet(6); // "old" has expired, "a" has not

    guard.shouldResend(Origin.of("http", "b", 80), 411, false);

    assertThat(guard.wantsLength(Origin.of("http", "a", 80))).isTrue();
    assertThat(guard.wantsLength(Origin.of("http", "b", 80))).isTrue();
    assertThat(guard.toString()).endsWith(", origins=2}");
  }

  @Test
  void manyThreadsLearningAndLookingUpStayWithinTheBound() throws Exception {
    LengthGuard guard = LengthGuard.create(GuardPolicy.builder().maxOrigins(50).build());
    ExecutorService executor = Executors.newFixedThreadPool(8);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int seed = t;
        results.add(
            executor.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < 2_000; i++) {
                    Origin origin = Origin.of("http", "h" + ((i * 31 + seed) % 200), 80);
                    if (i % 4 == 0) {
                      assertThat(guard.shouldResend(origin, 411, false)).isTrue();
                    } else {
                      guard.freezeBeforeSend(origin);
                    }
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> result : results) result.get(30, TimeUnit.SECONDS);

      long remembered =
          java.util.stream.IntStream.range(0, 200)
              .filter(i -> guard.wantsLength(Origin.of("http", "h" + i, 80)))
              .count();
      assertThat(remembered).isBetween(1L, 50L);
      Origin last = Origin.of("http", "last", 80);
      guard.shouldResend(last, 411, false);
      assertThat(guard.freezeBeforeSend(last)).isEqualTo(FreezeReason.LEARNED_ORIGIN);
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void onlyA411CallsForAResend() {
    LengthGuard guard = guard(GuardPolicy.builder());

    for (int status : new int[] {200, 201, 204, 400, 408, 413, 417, 500, 503}) {
      assertThat(guard.shouldResend(STRICT, status, false)).as("status %s", status).isFalse();
    }

    assertThat(guard.wantsLength(STRICT)).isFalse();
    assertThat(events.list).isEmpty();
  }

  @Test
  void a411ToARequestWithALengthIsHandedBack() {
    LengthGuard guard = guard(GuardPolicy.builder());

    assertThat(guard.shouldResend(STRICT, 411, true)).isFalse();

    assertThat(guard.wantsLength(STRICT)).isFalse(); // a length did not cure it: nothing learned
    assertThat(events.list)
        .containsExactly(
            "lengthRequired https://strict.example:443 true",
            "gaveUp https://strict.example:443 LENGTH_REFUSED the origin answered 411 to a request"
                + " with an exact Content-Length");
  }

  @Test
  void freezeEmitsTheFrozenSize() throws IOException {
    LengthGuard guard = guard(GuardPolicy.builder());

    FrozenBody body = guard.freeze(STRICT, out -> out.write(new byte[42]), FreezeReason.PREBUFFER);

    assertThat(body.contentLength()).isEqualTo(42);
    assertThat(events.list).containsExactly("bodyFrozen https://strict.example:443 42 PREBUFFER");
  }

  @Test
  void freezePastTheLimitThrowsAndReportsIt() {
    LengthGuard guard = guard(GuardPolicy.builder().buffering(Buffering.inMemory(10)));

    assertThatThrownBy(
            () -> guard.freeze(STRICT, out -> out.write(new byte[11]), FreezeReason.PREBUFFER))
        .isInstanceOf(BodyTooLargeException.class);
    assertThat(events.list).containsExactly("bodyTooLarge https://strict.example:443 10 11");
  }

  @Test
  void resendThatSucceedsIsRecovered() {
    LengthGuard guard = guard(GuardPolicy.builder());

    guard.resending(STRICT, 3);
    guard.resendAnswered(STRICT, 201);

    assertThat(events.list)
        .containsExactly(
            "resent https://strict.example:443 3", "recovered https://strict.example:443 201");
  }

  @Test
  void secondA411IsHandedBack() {
    LengthGuard guard = guard(GuardPolicy.builder());

    guard.resendAnswered(STRICT, 411);

    assertThat(events.list)
        .containsExactly(
            "lengthRequired https://strict.example:443 true",
            "gaveUp https://strict.example:443 LENGTH_REFUSED the origin answered 411 to a request"
                + " with an exact Content-Length");
  }

  @Test
  void throwingListenerBreaksNothing() throws IOException {
    GuardListener throwing =
        failingWith(
            () -> {
              throw new IllegalStateException("listener bug");
            });
    LengthGuard guard =
        LengthGuard.create(
            GuardPolicy.builder().listener(throwing).buffering(Buffering.inMemory(10)).build(),
            clock::get);

    assertThat(guard.shouldResend(STRICT, 411, false)).isTrue();
    assertThat(guard.wantsLength(STRICT)).isTrue();
    FrozenBody body =
        guard.freeze(STRICT, out -> out.write(new byte[] {1, 2}), FreezeReason.LENGTH_REQUIRED);
    assertThat(body.toByteArray()).containsExactly(1, 2);
    guard.resending(STRICT, body.contentLength());
    guard.resendAnswered(STRICT, 200);
    guard.resendAnswered(STRICT, 411);
    assertThat(guard.shouldResend(STRICT, 411, true)).isFalse();
    assertThatThrownBy(
            () -> guard.freeze(STRICT, out -> out.write(new byte[11]), FreezeReason.PREBUFFER))
        .isInstanceOf(BodyTooLargeException.class);
  }

  @Test
  void listenerThrowingAnErrorBreaksNothing() throws IOException {
    // A metrics listener whose library is missing at run time.
    GuardListener missingLibrary =
        failingWith(
            () -> {
              throw new NoClassDefFoundError("io/micrometer/core/instrument/Counter");
            });
    LengthGuard guard =
        LengthGuard.create(
            GuardPolicy.builder().listener(missingLibrary).prebufferBytes(0).build(), clock::get);
    List<Long> sent = new ArrayList<>();
    Transport<Integer> strict =
        new Transport<>() {
          @Override
          public Integer send(OutgoingBody body) throws IOException {
            body.writeTo(new java.io.ByteArrayOutputStream());
            sent.add(body.contentLength());
            return body.contentLength() == -1 ? 411 : 200;
          }

          @Override
          public int status(Integer response) {
            return response;
          }

          @Override
          public void discard(Integer response) {}
        };

    int status =
        guard.exchange(STRICT, "POST").execute(out -> out.write(new byte[10]), true, strict);

    assertThat(status).isEqualTo(200);
    assertThat(sent).containsExactly(-1L, 10L);
  }

  @Test
  void listenerThrowingAVirtualMachineErrorPassesItOn() {
    StackOverflowError overflow = new StackOverflowError();
    GuardListener overflowing =
        new GuardListener() {
          @Override
          public void resent(Origin origin, long bytes) {
            throw overflow;
          }
        };
    LengthGuard guard =
        LengthGuard.create(GuardPolicy.builder().listener(overflowing).build(), clock::get);

    assertThatThrownBy(() -> guard.resending(STRICT, 10)).isSameAs(overflow);
  }

  @Test
  void contentDigestFollowsThePolicy() throws IOException {
    FrozenBody body = FrozenBody.ofUtf8("abc");

    assertThat(guard(GuardPolicy.builder()).contentDigest(body)).isNull();
    assertThat(guard(GuardPolicy.builder().contentDigest("SHA-256")).contentDigest(body))
        .isEqualTo("sha-256=:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=:");
  }

  @Test
  void argumentsAreChecked() {
    LengthGuard guard = guard(GuardPolicy.builder());

    assertThatThrownBy(() -> LengthGuard.create(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("policy == null");
    assertThatThrownBy(() -> guard.freezeBeforeSend(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("origin == null");
    assertThatThrownBy(() -> guard.shouldResend(null, 411, false))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("origin == null");
    assertThatThrownBy(() -> guard.wantsLength(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("origin == null");
  }

  @Test
  void policyIsKept() {
    GuardPolicy policy = GuardPolicy.builder().mode(GuardMode.PREBUFFER).build();

    assertThat(LengthGuard.create(policy).policy()).isSameAs(policy);
  }

  /** Records each event as one line. */
  private static final class Recorder implements GuardListener {
    final List<String> list = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void bodyFrozen(Origin origin, long bytes, FreezeReason reason) {
      list.add("bodyFrozen " + origin + " " + bytes + " " + reason);
    }

    @Override
    public void lengthRequired(Origin origin, boolean lengthSent) {
      list.add("lengthRequired " + origin + " " + lengthSent);
    }

    @Override
    public void resent(Origin origin, long bytes) {
      list.add("resent " + origin + " " + bytes);
    }

    @Override
    public void recovered(Origin origin, int status) {
      list.add("recovered " + origin + " " + status);
    }

    @Override
    public void gaveUp(Origin origin, GiveUpReason reason, String detail) {
      list.add("gaveUp " + origin + " " + reason + " " + detail);
    }

    @Override
    public void bodyTooLarge(Origin origin, long limit, long bytesRead) {
      list.add("bodyTooLarge " + origin + " " + limit + " " + bytesRead);
    }
  }

  /** Returns a listener whose every event runs {@code failure}, which throws: a listener's bug. */
  private static GuardListener failingWith(Runnable failure) {
    return new GuardListener() {
      @Override
      public void bodyFrozen(Origin origin, long bytes, FreezeReason reason) {
        failure.run();
      }

      @Override
      public void lengthRequired(Origin origin, boolean lengthSent) {
        failure.run();
      }

      @Override
      public void resent(Origin origin, long bytes) {
        failure.run();
      }

      @Override
      public void recovered(Origin origin, int status) {
        failure.run();
      }

      @Override
      public void gaveUp(Origin origin, GiveUpReason reason, String detail) {
        failure.run();
      }

      @Override
      public void bodyTooLarge(Origin origin, long limit, long bytesRead) {
        failure.run();
      }
    };
  }
}
