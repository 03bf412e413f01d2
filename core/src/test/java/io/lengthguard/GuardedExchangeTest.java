package io.lengthguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.testing.Payloads;
import io.lengthguard.testing.SmallDisk;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The exchange against a scripted transport: what each send carried, how often the caller's body
 * ran, and what the listener heard. The adapters' tests prove the same on the wire.
 */
class GuardedExchangeTest {
  private static final Origin ORIGIN = Origin.of("https", "strict.example", 443);
  private static final int KIB = 1024;

  private final Events events = new Events();

  private GuardPolicy.Builder policy() {
    return GuardPolicy.builder()
        .buffering(Buffering.inMemory(64 * KIB))
        .prebufferBytes(4 * KIB)
        .listener(events);
  }

  @Test
  void bodyWithinTheReadAheadGoesOnceWithItsLength() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().build());
    byte[] payload = Payloads.bytes(4 * KIB); // exactly the read-ahead: inclusive
    Body body = new Body(payload);
    Script transport = new Script().answer(200);

    Reply reply = guard.exchange(ORIGIN, "POST").execute(body, true, transport);

    assertThat(reply.status).isEqualTo(200);
    assertThat(transport.sent).hasSize(1);
    Sent sent = transport.sent.get(0);
    assertThat(sent.contentLength).isEqualTo(payload.length);
    assertThat(sent.bytes).isEqualTo(payload);
    assertThat(sent.oneShot).isFalse();
    assertThat(sent.mayBeReplaced).isFalse(); // a 411 to a body sent with its length is handed back
    assertThat(body.runs).hasValue(1);
    assertThat(events.list)
        .containsExactly("bodyFrozen " + ORIGIN + " " + payload.length + " READ_AHEAD");
  }

  @Test
  void emptyBodyOfUnknownLengthGoesWithLengthZero() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().build());
    Script transport = new Script().answer(200);

    guard.exchange(ORIGIN, "POST").execute(new Body(new byte[0]), false, transport);

    assertThat(transport.sent.get(0).contentLength).isZero();
    assertThat(transport.sent.get(0).bytes).isEmpty();
  }

  @Test
  void bodyOnePastTheReadAheadStreamsAndMayGoAgainFromTheCopyOnceItEnded() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().build());
    byte[] payload = Payloads.bytes(4 * KIB + 1);
    Script transport = new Script().answer(200);

    guard.exchange(ORIGIN, "POST").execute(new Body(payload), true, transport);

    Sent sent = transport.sent.get(0);
    assertThat(sent.contentLength).isEqualTo(-1);
    assertThat(sent.oneShot).isFalse();
    assertThat(sent.bytes).isEqualTo(payload);
    assertThat(events.list).isEmpty();
  }

  @Test
  @Timeout(10)
  void aStreamedRepeatableBodyIsOneShotUntilItEndedThenWrittenAgainFromTheCopy() throws Exception {
    LengthGuard guard =
        LengthGuard.create(policy().buffering(Buffering.inMemory(1024 * KIB)).build());
    byte[] payload = Payloads.bytes(512 * KIB); // past the read-ahead and the pipe's window
    Body body = new Body(payload);
    ByteArrayOutputStream again = new ByteArrayOutputStream();
    List<Boolean> asked = new ArrayList<>();
    List<OutgoingBody> bodies = new ArrayList<>();
    Script transport = new Script();
    transport.steps.add(
        (outgoing, received) -> {
          bodies.add(outgoing);
          asked.add(outgoing.isOneShot()); // the caller's body waits on the wire
          outgoing.writeTo(received);
          asked.add(outgoing.isOneShot()); // a 307, say: the client decides on a follow-up
          outgoing.writeTo(again);
          return 200;
        });

    Reply reply = guard.exchange(ORIGIN, "POST").execute(body, true, transport);

    assertThat(reply.status).isEqualTo(200);
    assertThat(asked).containsExactly(true, false);
    assertThat(transport.sent.get(0).bytes).isEqualTo(payload);
    assertThat(again.toByteArray()).isEqualTo(payload);
    assertThat(bodies.get(0).isOneShot()).isTrue(); // the exchange released its copy
    assertThat(body.runs).hasValue(1);
  }

  @Test
  void aStreamedBodyThatIsNotRepeatableStaysOneShot() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().build());
    byte[] payload = Payloads.bytes(20 * KIB);
    List<Boolean> asked = new ArrayList<>();
    Script transport = new Script();
    transport.steps.add(
        (outgoing, received) -> {
          outgoing.writeTo(received);
          asked.add(outgoing.isOneShot());
          return 307;
        });

    guard.exchange(ORIGIN, "POST").execute(new Body(payload), false, transport);

    assertThat(asked).containsExactly(true);
  }

  @Test
  void aStreamedRepeatableBodyWhoseCopyWasDroppedIsOneShot() throws Exception {
    LengthGuard guard =
        LengthGuard.create(
            policy().buffering(Buffering.inMemory(8 * KIB)).prebufferBytes(0).build());
    byte[] payload = Payloads.bytes(20 * KIB);
    List<Boolean> asked = new ArrayList<>();
    Script transport = new Script();
    transport.steps.add(
        (outgoing, received) -> {
          outgoing.writeTo(received);
          asked.add(outgoing.isOneShot());
          return 307;
        });

    Reply reply = guard.exchange(ORIGIN, "POST").execute(new Body(payload), true, transport);

    assertThat(reply.status).isEqualTo(307);
    assertThat(asked).containsExactly(true);
    assertThat(transport.sent.get(0).bytes).isEqualTo(payload);
  }

  @Test
  void streamed411IsResentOnceFromWhatTheFirstSendWrote() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().prebufferBytes(0).build());
    byte[] payload = Payloads.bytes(20 * KIB);
    // Claims to be repeatable, but a second run would write nothing (a drained stream).
    Body body = new Body(payload).drainsAfterFirstRun();
    Script transport = new Script().answer(411).answer(200);

    Reply reply = guard.exchange(ORIGIN, "POST").execute(body, true, transport);

    assertThat(reply.status).isEqualTo(200);
    assertThat(transport.sent).hasSize(2);
    assertThat(transport.sent.get(0).contentLength).isEqualTo(-1);
    assertThat(transport.sent.get(1).contentLength).isEqualTo(payload.length);
    assertThat(transport.sent.get(1).bytes).isEqualTo(payload);
    assertThat(transport.sent.get(1).resend).isTrue();
    // The transport holds the streamed send's answer for the exchange; the resend's is the
    // caller's.
    assertThat(transport.sent.get(0).mayBeReplaced).isTrue();
    assertThat(transport.sent.get(1).mayBeReplaced).isFalse();
    assertThat(transport.discarded).containsExactly(0);
    assertThat(body.runs).hasValue(1);
    assertThat(events.list).containsExactlyElementsOf(recoveredAfter411(payload.length));
  }

  @Test
  void aStreamedSendAsksForAConnectionOfItsOwnAtFirst() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().build());

    Sent small = small(guard, ORIGIN, false);
    Sent streamed = streamed(guard, ORIGIN, false);

    assertThat(small.contentLength).isEqualTo(KIB);
    assertThat(small.ownConnection).isFalse(); // a body with its length leaves nothing half read
    assertThat(streamed.contentLength).isEqualTo(-1);
    assertThat(streamed.ownConnection).isTrue();
  }

  @Test
  void afterAMultiplexedAnswerTheOriginsNextStreamedSendAsksForNoConnectionOfItsOwn()
      throws Exception {
    LengthGuard guard = LengthGuard.create(policy().build());

    small(guard, ORIGIN, true);
    Sent streamed = streamed(guard, ORIGIN, false);
    Sent elsewhere = streamed(guard, Origin.of("https", "other.example", 443), false);

    assertThat(streamed.ownConnection).isFalse();
    assertThat(streamed.bytes).isEqualTo(Payloads.bytes(20 * KIB));
    assertThat(elsewhere.ownConnection).isTrue(); // learned for the origin that answered only
  }

  @Test
  void aStreamedSendLearnsAMultiplexedAnswerToo() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().build());

    assertThat(streamed(guard, ORIGIN, true).ownConnection).isTrue();
    assertThat(streamed(guard, ORIGIN, false).ownConnection).isFalse();
  }

  @Test
  void executeAsyncLearnsAMultiplexedAnswerToABodyFrozenInMemory() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().build());
    // Its sendAsync is the default: the exchange decides when the future it returns completes.
    Script transport = new Script().answer(200).multiplexed(true);

    Reply reply =
        guard
            .exchange(ORIGIN, "POST")
            .executeAsync(new Body(Payloads.bytes(KIB)), true, transport)
            .get(5, TimeUnit.SECONDS);

    assertThat(reply.status).isEqualTo(200);
    assertThat(transport.sent.get(0).contentLength).isEqualTo(KIB);
    assertThat(streamed(guard, ORIGIN, false).ownConnection).isFalse();
  }

  @Test
  void anAnswerThatIsNotMultiplexedMakesTheOriginsStreamedSendsAskAgain() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().build());
    small(guard, ORIGIN, true);

    // Still remembered when it starts; its HTTP/1.1 answer forgets the origin.
    assertThat(streamed(guard, ORIGIN, false).ownConnection).isFalse();
    assertThat(streamed(guard, ORIGIN, false).ownConnection).isTrue();
  }

  @Test
  void aClientThatDoesNotSayItsProtocolLeavesWhatAnotherLearned() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().build());
    small(guard, ORIGIN, true); // an OkHttp client sharing the guard, over HTTP/2
    Script silent =
        new Script() {
          @Override
          public @Nullable Boolean multiplexed(Reply response) {
            return null; // the default: a client whose responses do not name their protocol
          }
        }.answer(200);

    sendOnce(guard, ORIGIN, Payloads.bytes(KIB), silent);
    Script silentStream =
        new Script() {
          @Override
          public @Nullable Boolean multiplexed(Reply response) {
            return null;
          }
        }.answer(200);
    Sent streamedSilently = sendOnce(guard, ORIGIN, Payloads.bytes(20 * KIB), silentStream);

    assertThat(streamedSilently.ownConnection).isFalse(); // learned from the other client
    assertThat(streamed(guard, ORIGIN, true).ownConnection).isFalse(); // and still remembered
  }

  @Test
  void aMultiplexedOriginIsLearnedForTheOriginThatAnswered() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().build());
    Origin redirected = Origin.of("https", "h2.example", 443);
    Script followed = new Script().answer(200).multiplexed(true);
    followed.answeredBy = redirected;

    sendOnce(guard, ORIGIN, Payloads.bytes(KIB), followed);

    assertThat(streamed(guard, ORIGIN, false).ownConnection).isTrue();
    assertThat(streamed(guard, redirected, false).ownConnection).isFalse();
  }

  @Test
  void aMultiplexedOriginIsForgottenOnceItsTimeToLivePasses() throws Exception {
    AtomicLong clock = new AtomicLong();
    LengthGuard guard =
        LengthGuard.create(policy().originTtl(Duration.ofNanos(100)).build(), clock::get);
    small(guard, ORIGIN, true);

    clock.addAndGet(99);
    assertThat(streamed(guard, ORIGIN, true).ownConnection).isFalse();
    clock.addAndGet(100); // the time to live since that answer, the last one
    assertThat(streamed(guard, ORIGIN, false).ownConnection).isTrue();
  }

  @Test
  void aResendNeverAsksForAConnectionOfItsOwnAndItsAnswerIsLearned() throws Exception {
    LengthGuard guard =
        LengthGuard.create(policy().mode(GuardMode.RETRY_ON_411).prebufferBytes(0).build());
    byte[] payload = Payloads.bytes(20 * KIB);
    Script transport =
        new Script() {
          @Override
          public Boolean multiplexed(Reply response) {
            return response.index == 1; // the resend's answer only
          }
        }.answer(411).answer(200);

    Reply reply = guard.exchange(ORIGIN, "POST").execute(new Body(payload), true, transport);

    assertThat(reply.status).isEqualTo(200);
    assertThat(transport.sent.get(0).ownConnection).isTrue();
    assertThat(transport.sent.get(1).resend).isTrue();
    assertThat(transport.sent.get(1).ownConnection).isFalse();
    assertThat(streamed(guard, ORIGIN, false).ownConnection).isFalse();
  }

  @Test
  void resendOfAOneShotBodyIsItselfOneShot() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().prebufferBytes(0).build());
    Script transport = new Script().answer(411).answer(200);

    guard.exchange(ORIGIN, "POST").execute(new Body(Payloads.bytes(100)), false, transport);

    assertThat(transport.sent.get(1).oneShot).isTrue();
  }

  @Test
  void second411IsHandedBack() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().prebufferBytes(0).build());
    Script transport = new Script().answer(411).answer(411);

    Reply reply =
        guard.exchange(ORIGIN, "POST").execute(new Body(Payloads.bytes(100)), false, transport);

    assertThat(reply.status).isEqualTo(411);
    assertThat(reply.index).isEqualTo(1);
    assertThat(transport.sent).hasSize(2);
    assertThat(events.list).endsWith("gaveUp " + ORIGIN + " LENGTH_REFUSED");
  }

  @Test
  void earlyAnswerBeforeTheBodyWasReadStopsTheBodyAndIsReported() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().prebufferBytes(0).build());
    Body body = new Body(Payloads.bytes(1024 * KIB));
    // A chunk-blind server: reads a little, answers 200, never reads the rest.
    Script transport = new Script().early(200, 10);

    Reply reply = guard.exchange(ORIGIN, "POST").execute(body, false, transport);

    assertThat(reply.status).isEqualTo(200);
    assertThat(events.list).hasSize(1);
    assertThat(events.list.get(0)).startsWith("bodyNotRead " + ORIGIN + " ").endsWith(" 200");
    // ADAPTIVE learned the origin: the next body goes with its length at once.
    assertThat(guard.wantsLength(ORIGIN)).isTrue();
    Script next = new Script().answer(200);
    byte[] second = Payloads.bytes(10 * KIB);
    guard.exchange(ORIGIN, "POST").execute(new Body(second), false, next);
    assertThat(next.sent.get(0).contentLength).isEqualTo(second.length);
  }

  @Test
  void learnedOriginGetsABodyOverTheLimitAsTheClientWouldSendIt() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().lengthRequired(ORIGIN).build());
    byte[] payload = Payloads.bytes(64 * KIB + 1);
    Script transport = new Script().answer(200);

    Reply reply = guard.exchange(ORIGIN, "POST").execute(new Body(payload), false, transport);

    // Without the guard it would have been sent: so it is, chunked, and nothing fails.
    assertThat(reply.status).isEqualTo(200);
    assertThat(transport.sent.get(0).contentLength).isEqualTo(-1);
    assertThat(transport.sent.get(0).bytes).isEqualTo(payload);
  }

  @Test
  void prebufferRefusesABodyOverTheLimitBeforeSending() {
    LengthGuard guard = LengthGuard.create(policy().mode(GuardMode.PREBUFFER).build());
    Script transport = new Script();

    assertThatThrownBy(
            () ->
                guard
                    .exchange(ORIGIN, "POST")
                    .execute(new Body(Payloads.bytes(64 * KIB + 1)), false, transport))
        .isInstanceOf(BodyTooLargeException.class);
    assertThat(transport.sent).isEmpty();
    assertThat(events.list).containsExactly("bodyTooLarge " + ORIGIN + " 65536");
  }

  @Test
  void bodyOverTheLimitGets411HandedBackAsTooLarge() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().prebufferBytes(0).build());
    Script transport = new Script().answer(411);

    Reply reply =
        guard
            .exchange(ORIGIN, "POST")
            .execute(new Body(Payloads.bytes(64 * KIB + 1)), false, transport);

    assertThat(reply.status).isEqualTo(411);
    assertThat(transport.sent).hasSize(1);
    assertThat(events.list).last().isEqualTo("gaveUp " + ORIGIN + " TOO_LARGE");
  }

  @Test
  @Timeout(10)
  void wireFailureStopsReadingTheBodyWithinTheLimit() {
    LengthGuard guard = LengthGuard.create(policy().prebufferBytes(0).build());
    EndlessBody body = new EndlessBody();
    Script transport = new Script().fail(new IOException("connection reset"), 100);

    assertThatThrownBy(() -> guard.exchange(ORIGIN, "POST").execute(body, false, transport))
        .isInstanceOf(IOException.class)
        .hasMessage("connection reset");
    // The tee may read on into the capture, but never past the limit plus a pipe's window.
    assertThat(body.written.get()).isLessThanOrEqualTo(64 * KIB + BodyPipe.WINDOW + 8 * KIB);
  }

  @Test
  @Timeout(10)
  void cancelFromAnotherThreadStopsAnEndlessBodyPromptly(@TempDir Path spill) throws Exception {
    LengthGuard guard =
        LengthGuard.create(
            policy()
                .buffering(Buffering.spillToDisk(16 * KIB, 1 << 30, spill))
                .prebufferBytes(0)
                .build());
    EndlessBody body = new EndlessBody();
    CountDownLatch sending = new CountDownLatch(1);
    // A server that reads the request slowly, and never answers.
    Transport<Reply> transport =
        new Transport<>() {
          @Override
          public Reply send(OutgoingBody outgoing) throws IOException {
            sending.countDown();
            outgoing.writeTo(OutputStream.nullOutputStream());
            return new Reply(200, 0);
          }

          @Override
          public int status(Reply response) {
            return response.status;
          }

          @Override
          public void discard(Reply response) {}
        };
    GuardedExchange exchange = guard.exchange(ORIGIN, "POST");
    Thread canceler =
        new Thread(
            () -> {
              try {
                sending.await();
                Thread.sleep(50);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              exchange.cancel();
            });
    canceler.start();

    long start = System.nanoTime();
    assertThatThrownBy(() -> exchange.execute(body, false, transport))
        .isInstanceOf(InterruptedIOException.class);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1000);
    canceler.join();
    try (Stream<Path> files = Files.list(spill)) {
      assertThat(files).as("spill files left").isEmpty();
    }
    assertThat(guard.memoryInUse()).isZero();
  }

  @ParameterizedTest(name = "async {0}")
  @ValueSource(booleans = {false, true})
  @Timeout(10)
  void cancelWakesABodyWaitingForItsSourceAndCancelsTheClientsCall(boolean async) throws Exception {
    LengthGuard guard = LengthGuard.create(policy().prebufferBytes(0).build());
    StalledBody body = new StalledBody(KIB); // streamed, then waits for bytes that never come
    Script transport = new Script().answer(200);
    GuardedExchange exchange = guard.exchange(ORIGIN, "POST");
    java.util.concurrent.CompletableFuture<Reply> call =
        async
            ? exchange.executeAsync(body, false, transport)
            : java.util.concurrent.CompletableFuture.supplyAsync(
                () -> executeUnchecked(exchange, body, transport));
    assertThat(body.waiting.await(5, TimeUnit.SECONDS)).as("the body waits").isTrue();

    long start = System.nanoTime();
    exchange.cancel();

    assertThatThrownBy(() -> call.get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(InterruptedIOException.class);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
        .as("woken, not timed out")
        .isLessThan(StalledBody.STALL_MILLIS);
    assertThat(body.cancels).hasValue(1);
    assertThat(transport.cancels).hasValue(1);
    assertThat(guard.memoryInUse()).isZero();
  }

  @ParameterizedTest(name = "async {0}")
  @ValueSource(booleans = {false, true})
  @Timeout(10)
  void aCancelBeforeTheExchangeStartsCancelsTheBodyAndTheClientAsItStarts(boolean async)
      throws Exception {
    LengthGuard guard = LengthGuard.create(policy().build());
    StalledBody body = new StalledBody(0); // waits for its source before writing anything
    Script transport = new Script();
    GuardedExchange exchange = guard.exchange(ORIGIN, "POST");
    exchange.cancel();

    long start = System.nanoTime();
    if (async) {
      assertThatThrownBy(
              () -> exchange.executeAsync(body, false, transport).get(5, TimeUnit.SECONDS))
          .hasCauseInstanceOf(InterruptedIOException.class);
    } else {
      assertThatThrownBy(() -> exchange.execute(body, false, transport))
          .isInstanceOf(InterruptedIOException.class);
    }
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
        .as("woken, not timed out")
        .isLessThan(StalledBody.STALL_MILLIS);
    assertThat(body.cancels).hasValue(1);
    assertThat(transport.cancels).hasValue(1);
    assertThat(transport.sent).isEmpty();
    assertThat(guard.memoryInUse()).isZero();
  }

  @Test
  @Timeout(10)
  void cancelingTheFutureOfExecuteAsyncWakesABodyWaitingForItsSource() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().prebufferBytes(0).build());
    StalledBody body = new StalledBody(KIB);
    Script transport = new Script().answer(200);
    java.util.concurrent.CompletableFuture<Reply> call =
        guard.exchange(ORIGIN, "POST").executeAsync(body, false, transport);
    assertThat(body.waiting.await(5, TimeUnit.SECONDS)).as("the body waits").isTrue();

    call.cancel(true);

    assertThat(body.ended.await(StalledBody.STALL_MILLIS / 2, TimeUnit.MILLISECONDS))
        .as("the body woken")
        .isTrue();
    assertThat(body.cancels).hasValue(1);
    assertThat(transport.cancels).hasValue(1);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (guard.memoryInUse() > 0 && System.nanoTime() < deadline) Thread.sleep(1);
    assertThat(guard.memoryInUse()).isZero();
  }

  @Test
  @Timeout(10)
  void aTransportOrBodyCancelThatThrowsDoesNotStopTheCancel() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().prebufferBytes(0).build());
    StalledBody body =
        new StalledBody(KIB) {
          @Override
          public void cancel() {
            super.cancel();
            throw new IllegalStateException("a buggy body's cancel");
          }
        };
    Script transport =
        new Script() {
          @Override
          public void cancel() {
            super.cancel();
            throw new IllegalStateException("a buggy client's cancel");
          }
        }.answer(200);
    GuardedExchange exchange = guard.exchange(ORIGIN, "POST");
    java.util.concurrent.CompletableFuture<Reply> call =
        exchange.executeAsync(body, false, transport);
    assertThat(body.waiting.await(5, TimeUnit.SECONDS)).as("the body waits").isTrue();

    exchange.cancel(); // throws nothing

    assertThatThrownBy(() -> call.get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(InterruptedIOException.class);
    assertThat(body.cancels).hasValue(1);
    assertThat(transport.cancels).hasValue(1);
    assertThat(guard.memoryInUse()).isZero();
  }

  private static Reply executeUnchecked(
      GuardedExchange exchange, BodyWriter body, Transport<Reply> transport) {
    try {
      return exchange.execute(body, false, transport);
    } catch (IOException e) {
      throw new java.util.concurrent.CompletionException(e);
    }
  }

  @Test
  void overTheMemoryBudgetTheBodyGoesWithoutACopyAndThe411IsHandedBack() throws Exception {
    LengthGuard guard =
        LengthGuard.create(policy().prebufferBytes(0).memoryBudget(8 * KIB).build());
    byte[] payload = Payloads.bytes(20 * KIB);
    Script transport = new Script().answer(411);

    Reply reply = guard.exchange(ORIGIN, "POST").execute(new Body(payload), false, transport);

    assertThat(reply.status).isEqualTo(411);
    assertThat(transport.sent).hasSize(1);
    assertThat(transport.sent.get(0).bytes).isEqualTo(payload);
    assertThat(events.list)
        .containsExactly(
            "overBudget " + ORIGIN + " 8192",
            "lengthRequired " + ORIGIN + " false",
            "gaveUp " + ORIGIN + " TOO_LARGE");
    assertThat(guard.memoryInUse()).isZero();
  }

  @Test
  @Timeout(10)
  void overTheBudgetAReplayThatDiffersIsNeverSent() throws Exception {
    Replayed replayed = replayOverBudget(true);

    assertThat(replayed.reply.status).isEqualTo(411);
    assertThat(replayed.transport.sent).hasSize(1);
    assertThat(replayed.body.runs).hasValue(2);
    assertThat(events.list).last().asString().startsWith("gaveUp " + ORIGIN + " BODY_CHANGED");
  }

  @Test
  @Timeout(10)
  void overTheBudgetAReplayThatMatchesIsResent() throws Exception {
    Replayed replayed = replayOverBudget(false);

    assertThat(replayed.reply.status).isEqualTo(200);
    assertThat(replayed.transport.sent.get(1).contentLength).isEqualTo(14 * KIB);
    assertThat(replayed.transport.sent.get(1).bytes).isEqualTo(replayed.body.payload);
    assertThat(replayed.body.runs).hasValue(2);
  }

  record Replayed(Reply reply, Script transport, Body body) {}

  /**
   * Sends a 14 KiB repeatable body while another exchange holds most of a 16 KiB budget: it goes
   * without a copy. The other exchange ends before the 411, so the replay fits the budget.
   */
  private Replayed replayOverBudget(boolean changes) throws Exception {
    LengthGuard guard =
        LengthGuard.create(policy().prebufferBytes(16 * KIB).memoryBudget(16 * KIB).build());
    CountDownLatch release = new CountDownLatch(1);
    Transport<Reply> holding =
        new Script() {
          @Override
          public Reply send(OutgoingBody body) throws IOException {
            try {
              release.await();
            } catch (InterruptedException e) {
              throw new InterruptedIOException();
            }
            return new Reply(200, 0);
          }
        };
    java.util.concurrent.CompletableFuture<Reply> other =
        guard
            .exchange(Origin.of("https", "other.example", 443), "POST")
            .executeAsync(new Body(Payloads.bytes(10 * KIB)), false, holding);
    while (guard.memoryInUse() < 10 * KIB) Thread.sleep(1);

    Body body = new Body(Payloads.bytes(14 * KIB));
    if (changes) body.changesOnSecondRun();
    Script transport =
        new Script() {
          @Override
          public Reply send(OutgoingBody outgoing) throws IOException {
            if (sent.isEmpty()) {
              release.countDown();
              other.join();
            }
            return super.send(outgoing);
          }
        }.answer(411).answer(200);
    Reply reply = guard.exchange(ORIGIN, "POST").execute(body, true, transport);
    assertThat(events.list).contains("overBudget " + ORIGIN + " 16384");
    assertThat(guard.memoryInUse()).isZero();
    return new Replayed(reply, transport, body);
  }

  @Test
  void bodyFailureMidStreamFailsTheCallWithTheBodysOwnException() {
    LengthGuard guard = LengthGuard.create(policy().prebufferBytes(0).build());
    IOException boom = new IOException("source failed");
    BodyWriter body =
        out -> {
          out.write(Payloads.bytes(10 * KIB));
          throw boom;
        };
    Script transport = new Script().answer(200);

    assertThatThrownBy(() -> guard.exchange(ORIGIN, "POST").execute(body, false, transport))
        .isSameAs(boom);
    assertThat(transport.failures).hasSize(1);
    assertThat(transport.failures.get(0)).isSameAs(boom);
  }

  @Test
  void spillFailureIsHandedBackWithItsTrueCause(@TempDir Path parent) throws Exception {
    Path spill = Files.createDirectory(parent.resolve("spill"));
    LengthGuard guard =
        LengthGuard.create(
            policy()
                .buffering(Buffering.spillToDisk(16 * KIB, 8 * 1024 * KIB, spill))
                .prebufferBytes(0)
                .build());
    Files.delete(spill);
    Script transport = new Script().answer(411);

    Reply reply =
        guard
            .exchange(ORIGIN, "POST")
            .execute(new Body(Payloads.bytes(64 * KIB)), false, transport);

    assertThat(reply.status).isEqualTo(411);
    assertThat(events.list.get(events.list.size() - 1))
        .startsWith("gaveUp " + ORIGIN + " FREEZE_FAILED")
        .contains("NoSuchFileException");
  }

  /** Throws {@code e}, a checked exception too, as Kotlin and Lombok's @SneakyThrows do. */
  @SuppressWarnings("unchecked")
  static <T extends Throwable> T sneaky(Throwable e) throws T {
    throw (T) e;
  }

  @Test
  @Timeout(20)
  void aCheckedExceptionThrownSneakilyByAStreamedBodyEndsTheSendAndFreesTheBudget()
      throws Exception {
    LengthGuard guard =
        LengthGuard.create(
            policy().buffering(Buffering.inMemory(1 << 20)).prebufferBytes(64 * KIB).build());
    TimeoutException checked = new TimeoutException("from Kotlin");
    Script transport = new Script().answer(200);

    assertThatThrownBy(
            () ->
                guard
                    .exchange(ORIGIN, "POST")
                    .execute(
                        out -> {
                          out.write(new byte[128 * KIB]); // past the read-ahead: streaming
                          throw GuardedExchangeTest.<RuntimeException>sneaky(checked);
                        },
                        false,
                        transport))
        .isSameAs(checked);

    // The send ended with the body's failure before execute threw, as without the guard.
    assertThat(transport.failures).hasSize(1);
    assertThat(transport.failures.get(0)).isInstanceOf(IOException.class).hasCause(checked);
    assertThat(transport.sent).hasSize(1);
    assertThat(transport.sent.get(0).bytes()).hasSize(128 * KIB);
    assertThat(guard.memoryInUse()).isZero();
  }

  @Test
  void aCheckedExceptionThrownSneakilyWithinTheReadAheadSendsNothingAndFreesTheBudget() {
    LengthGuard guard = LengthGuard.create(policy().build());
    TimeoutException checked = new TimeoutException("from Kotlin");
    Script transport = new Script();

    assertThatThrownBy(
            () ->
                guard
                    .exchange(ORIGIN, "POST")
                    .execute(
                        out -> {
                          out.write(new byte[KIB]);
                          throw GuardedExchangeTest.<RuntimeException>sneaky(checked);
                        },
                        false,
                        transport))
        .isSameAs(checked);

    assertThat(transport.sent).isEmpty();
    assertThat(guard.memoryInUse()).isZero();
  }

  /** How a client takes a streamed body: each of the pipe's wires. */
  enum WireKind {
    DRAINED,
    PULLED,
    POLLED
  }

  @ParameterizedTest
  @EnumSource(WireKind.class)
  @Timeout(20)
  void aSpillFileThatFailsPartWayInTheReadAheadLosesNoByte(WireKind wire, @TempDir Path parent)
      throws Exception {
    // The file fails part way through the spill of the first 16 KiB, or through a later write.
    for (int fileBytes : new int[] {10_000, 37_000}) {
      Path spill = Files.createDirectory(parent.resolve("spill-" + fileBytes));
      assertSpillFailureLosesNoByte(
          wire,
          Buffering.spillToDisk(16 * KIB, 8 * 1024 * KIB, SmallDisk.directory(spill, fileBytes)),
          spill);
    }
  }

  private void assertSpillFailureLosesNoByte(WireKind wire, Buffering buffering, Path spill)
      throws Exception {
    LengthGuard guard =
        LengthGuard.create(policy().buffering(buffering).prebufferBytes(256 * KIB).build());
    byte[] payload = Payloads.bytes(512 * KIB);
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    Transport<Reply> transport =
        new Transport<>() {
          @Override
          public Reply send(OutgoingBody body) throws IOException {
            switch (wire) {
              case DRAINED:
                body.writeTo(received);
                break;
              case PULLED:
                try (InputStream in = body.openStream()) {
                  in.transferTo(received);
                }
                break;
              case POLLED:
                poll(body, received);
                break;
            }
            return new Reply(200, 0);
          }

          @Override
          public int status(Reply response) {
            return response.status;
          }

          @Override
          public void discard(Reply response) {}
        };

    Reply reply = guard.exchange(ORIGIN, "POST").execute(new Body(payload), false, transport);

    byte[] got = received.toByteArray();
    assertThat(reply.status).isEqualTo(200);
    assertThat(got.length).as("bytes received").isEqualTo(payload.length);
    assertThat(Arrays.equals(got, payload)).as("received the body's bytes").isTrue();
    assertThat(guard.memoryInUse()).isZero();
    try (Stream<Path> files = Files.list(spill)) {
      assertThat(files).as("spill files left").isEmpty();
    }
  }

  /** Takes the whole body as an event loop does, waiting for the pipe's wakeup between polls. */
  private static void poll(OutgoingBody body, ByteArrayOutputStream received) throws IOException {
    Semaphore more = new Semaphore(0);
    OutgoingBody.Sink sink =
        (b, off, len) -> {
          received.write(b, off, len);
          return len;
        };
    try (OutgoingBody.Source source = body.openSource()) {
      while (!source.writeTo(sink, more::release)) {
        if (!more.tryAcquire(10, TimeUnit.SECONDS)) throw new IOException("no wakeup");
      }
    } catch (InterruptedException e) {
      throw new InterruptedIOException();
    }
  }

  @Test
  void aStreamedBodyWrittenAgainWithinTheSendGivesTheSameBytesFromTheCopy() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().build());
    byte[] payload = Payloads.bytes(20 * KIB);
    Body body = new Body(payload);
    ByteArrayOutputStream again = new ByteArrayOutputStream();
    Script transport = new Script();
    transport.steps.add(
        (outgoing, received) -> {
          outgoing.writeTo(received); // the first send, as the caller writes it
          try (InputStream second = outgoing.openStream()) { // a redirect, say
            second.transferTo(again);
          }
          return 200;
        });

    Reply reply = guard.exchange(ORIGIN, "POST").execute(body, false, transport);

    assertThat(reply.status).isEqualTo(200);
    assertThat(transport.sent.get(0).bytes).isEqualTo(payload);
    assertThat(again.toByteArray()).isEqualTo(payload);
    assertThat(body.runs).hasValue(1);
  }

  @Test
  @Timeout(10)
  void aStreamedBodyGivenUpHalfWayIsWrittenAgainWholeFromTheCopy() throws Exception {
    LengthGuard guard =
        LengthGuard.create(policy().buffering(Buffering.inMemory(1024 * KIB)).build());
    byte[] payload = Payloads.bytes(512 * KIB); // past the read-ahead and the pipe's window
    ByteArrayOutputStream again = new ByteArrayOutputStream();
    Script transport = new Script();
    transport.steps.add(
        (outgoing, received) -> {
          // A redirect that came before the body was read: the client leaves the first stream
          // open and unread, and subscribes again.
          received.write(outgoing.openStream().readNBytes(8 * KIB));
          try (InputStream second = outgoing.openStream()) {
            second.transferTo(again);
          }
          return 200;
        });

    Reply reply = guard.exchange(ORIGIN, "POST").execute(new Body(payload), false, transport);

    assertThat(reply.status).isEqualTo(200);
    assertThat(again.toByteArray()).isEqualTo(payload);
    assertThat(events.list).noneMatch(event -> event.startsWith("bodyNotRead"));
  }

  @Test
  void aStreamedBodyWithoutACopyIsNotWrittenAgain() throws Exception {
    LengthGuard guard =
        LengthGuard.create(
            policy().buffering(Buffering.inMemory(8 * KIB)).prebufferBytes(0).build());
    byte[] payload = Payloads.bytes(20 * KIB);
    Script transport = new Script();
    transport.steps.add(
        (outgoing, received) -> {
          outgoing.writeTo(received);
          assertThatThrownBy(outgoing::openStream)
              .isInstanceOf(IOException.class)
              .hasMessageContaining("no copy of it was kept");
          return 200;
        });

    Reply reply = guard.exchange(ORIGIN, "POST").execute(new Body(payload), false, transport);

    assertThat(reply.status).isEqualTo(200);
    assertThat(transport.sent.get(0).bytes).isEqualTo(payload);
  }

  @Test
  void anExchangeExecutesOnce() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().build());
    GuardedExchange exchange = guard.exchange(ORIGIN, "POST");
    exchange.execute(new Body(new byte[1]), false, new Script().answer(200));

    assertThatThrownBy(() -> exchange.execute(new Body(new byte[1]), false, new Script()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("an exchange executes once");
  }

  @Test
  void executeAsyncRunsOffTheCallersThread() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().build());
    Thread caller = Thread.currentThread();
    AtomicInteger sameThread = new AtomicInteger();
    BodyWriter body =
        out -> {
          if (Thread.currentThread() == caller) sameThread.incrementAndGet();
          out.write(new byte[] {1, 2, 3});
        };

    Reply reply =
        guard
            .exchange(ORIGIN, "POST")
            .executeAsync(body, false, new Script().answer(200))
            .get(5, TimeUnit.SECONDS);

    assertThat(reply.status).isEqualTo(200);
    assertThat(sameThread).hasValue(0);
  }

  @Test
  void executeAsyncHandsABodyFrozenInMemoryToSendAsyncAndDecidesWhenItsFutureCompletes()
      throws Exception {
    LengthGuard guard = LengthGuard.create(policy().build());
    byte[] payload = Payloads.bytes(3 * KIB);
    java.util.concurrent.CompletableFuture<Reply> answer =
        new java.util.concurrent.CompletableFuture<>();
    java.util.concurrent.CompletableFuture<OutgoingBody> handed =
        new java.util.concurrent.CompletableFuture<>();
    Script transport =
        new Script() {
          @Override
          public java.util.concurrent.CompletableFuture<Reply> sendAsync(OutgoingBody body) {
            handed.complete(body);
            return answer;
          }
        };

    java.util.concurrent.CompletableFuture<Reply> call =
        guard.exchange(ORIGIN, "POST").executeAsync(new Body(payload), true, transport);

    OutgoingBody body = handed.get(5, TimeUnit.SECONDS);
    assertThat(body.contentLength()).isEqualTo(payload.length);
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    body.writeTo(wire);
    assertThat(wire.toByteArray()).isEqualTo(payload);
    // No thread waits for the answer: the call stays open, its read-ahead still counted.
    Thread.sleep(50);
    assertThat(call).isNotDone();
    assertThat(guard.memoryInUse()).isEqualTo(payload.length);

    answer.complete(new Reply(411, 0));

    assertThat(call.get(5, TimeUnit.SECONDS).status).isEqualTo(411);
    assertThat(transport.sent).isEmpty(); // send() never ran: a 411 to a length is not resent
    assertThat(guard.memoryInUse()).isZero();
    assertThat(events.list)
        .containsExactly(
            "bodyFrozen " + ORIGIN + " " + payload.length + " READ_AHEAD",
            "lengthRequired " + ORIGIN + " true",
            "gaveUp " + ORIGIN + " LENGTH_REFUSED");
  }

  @Test
  void cancelingExecuteAsyncCancelsTheSendItHandedOffAndDiscardsALateAnswer() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().build());
    java.util.concurrent.CompletableFuture<Reply> cancellable =
        new java.util.concurrent.CompletableFuture<>();
    // A client whose send cannot be canceled any more: its answer comes all the same.
    java.util.concurrent.CompletableFuture<Reply> stubborn =
        new java.util.concurrent.CompletableFuture<>() {
          @Override
          public boolean cancel(boolean mayInterruptIfRunning) {
            return false;
          }
        };
    BlockingQueue<java.util.concurrent.CompletableFuture<Reply>> answers =
        new ArrayBlockingQueue<>(2);
    answers.add(cancellable);
    answers.add(stubborn);
    CountDownLatch handed = new CountDownLatch(2);
    Script transport =
        new Script() {
          @Override
          public java.util.concurrent.CompletableFuture<Reply> sendAsync(OutgoingBody body) {
            handed.countDown();
            return answers.remove();
          }
        };

    java.util.concurrent.CompletableFuture<Reply> first =
        guard
            .exchange(ORIGIN, "POST")
            .executeAsync(new Body(Payloads.bytes(KIB)), false, transport);
    java.util.concurrent.CompletableFuture<Reply> second =
        guard
            .exchange(ORIGIN, "POST")
            .executeAsync(new Body(Payloads.bytes(KIB)), false, transport);
    assertThat(handed.await(5, TimeUnit.SECONDS)).isTrue();
    first.cancel(true);
    second.cancel(true);

    assertThat(cancellable).isCancelled();
    stubborn.complete(new Reply(200, 7));
    // Decided on the thread that completes the answer, or, if the exchange had not yet asked for
    // it, on the guard's once it does.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while ((transport.discarded.isEmpty() || guard.memoryInUse() > 0)
        && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    assertThat(transport.discarded).containsExactly(7);
    assertThat(guard.memoryInUse()).isZero();
  }

  @Test
  void executeAsyncFailsWithTheCauseOfAFailedSendAsync() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().build());
    IOException refused = new java.net.ConnectException("refused");
    Script transport =
        new Script() {
          @Override
          public java.util.concurrent.CompletableFuture<Reply> sendAsync(OutgoingBody body) {
            return java.util.concurrent.CompletableFuture.<Reply>failedFuture(refused)
                .thenApply(reply -> reply); // a client's future, wrapped as its stages wrap
          }
        };

    java.util.concurrent.CompletableFuture<Reply> call =
        guard
            .exchange(ORIGIN, "POST")
            .executeAsync(new Body(Payloads.bytes(KIB)), false, transport);

    assertThatThrownBy(() -> call.get(5, TimeUnit.SECONDS)).hasCause(refused);
    assertThat(guard.memoryInUse()).isZero();
  }

  @Test
  void aNonBlockingBodyThatEndsInItsStepsIsSentFromTheCallingThread() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().prebufferBytes(64 * KIB).build());
    byte[] payload = Payloads.bytes(3 * KIB);
    Stepped body = new Stepped(payload, payload.length);
    ThreadScript transport = new ThreadScript();

    Sent sent = sendAsync(guard, body, transport);
    assertThat(sent.contentLength).isEqualTo(payload.length);
    assertThat(sent.bytes).isEqualTo(payload);
    // Every step, and the send, ran on the caller's thread: no guard thread was woken.
    assertThat(body.stepThreads).hasSize(4).containsOnly(Thread.currentThread());
    assertThat(body.restThreads).isEmpty();
    assertThat(transport.sendThreads).containsExactly(Thread.currentThread());
    assertThat(guard.memoryInUse()).isZero();
    assertThat(events.list)
        .containsExactly("bodyFrozen " + ORIGIN + " " + payload.length + " READ_AHEAD");
  }

  @Test
  void aNonBlockingBodyThatPausesIsFinishedOnAGuardThreadFromWhereItsStepsLeftIt()
      throws Exception {
    LengthGuard guard = LengthGuard.create(policy().prebufferBytes(64 * KIB).build());
    byte[] payload = Payloads.bytes(3 * KIB);
    Stepped body = new Stepped(payload, 2000); // 2000 bytes ready, then nothing until writeTo
    ThreadScript transport = new ThreadScript();

    Sent sent = sendAsync(guard, body, transport);
    assertThat(sent.contentLength).isEqualTo(payload.length);
    assertThat(sent.bytes).isEqualTo(payload);
    assertThat(body.stepThreads).containsOnly(Thread.currentThread());
    assertThat(body.restThreads).hasSize(1).doesNotContain(Thread.currentThread());
    assertThat(transport.sendThreads).doesNotContain(Thread.currentThread());
    assertThat(guard.memoryInUse()).isZero();
  }

  @Test
  void aNonBlockingBodyIsOfferedNoMoreThanTheReadAheadAndStreamsPastItFromAGuardThread()
      throws Exception {
    LengthGuard guard =
        LengthGuard.create(
            policy().buffering(Buffering.inMemory(256 * KIB)).prebufferBytes(64 * KIB).build());
    byte[] payload = Payloads.bytes(100 * KIB);
    Stepped body = new Stepped(payload, payload.length);
    ThreadScript transport = new ThreadScript();

    Sent sent = sendAsync(guard, body, transport);
    assertThat(sent.contentLength).isEqualTo(-1);
    assertThat(sent.bytes).isEqualTo(payload);
    assertThat(body.stepped).isEqualTo(64 * KIB); // the read-ahead, and not a byte more
    assertThat(body.restThreads).hasSize(1).doesNotContain(Thread.currentThread());
    assertThat(guard.memoryInUse()).isZero();
  }

  @Test
  void aNonBlockingBodyWaitsForAGuardThreadWhenTheBudgetCannotHoldItsSteps() throws Exception {
    // The steps' 64 KiB are taken from the budget before the first: 32 KiB cannot give them.
    LengthGuard guard =
        LengthGuard.create(policy().prebufferBytes(64 * KIB).memoryBudget(32 * KIB).build());
    byte[] payload = Payloads.bytes(3 * KIB);
    Stepped body = new Stepped(payload, payload.length);
    ThreadScript transport = new ThreadScript();

    Sent sent = sendAsync(guard, body, transport);
    assertThat(sent.contentLength).isEqualTo(payload.length); // the budget holds it there
    assertThat(sent.bytes).isEqualTo(payload);
    assertThat(body.stepThreads).isEmpty();
    assertThat(body.restThreads).hasSize(1).doesNotContain(Thread.currentThread());
    assertThat(guard.memoryInUse()).isZero();
  }

  @Test
  void aNonBlockingBodyRunsNoStepsUnderA64KibReadAhead() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().build()); // a 4 KiB read-ahead
    byte[] payload = Payloads.bytes(3 * KIB);
    Stepped body = new Stepped(payload, payload.length);
    ThreadScript transport = new ThreadScript();

    Sent sent = sendAsync(guard, body, transport);
    assertThat(sent.contentLength).isEqualTo(payload.length);
    assertThat(sent.bytes).isEqualTo(payload);
    assertThat(body.stepThreads).isEmpty();
    assertThat(body.restThreads).hasSize(1).doesNotContain(Thread.currentThread());
  }

  @Test
  void aNonBlockingBodyIsOffered64KibAtATimeAndSentWholeFromItsSteps() throws Exception {
    LengthGuard guard =
        LengthGuard.create(
            policy().buffering(Buffering.inMemory(2048 * KIB)).prebufferBytes(1024 * KIB).build());
    byte[] payload = Payloads.bytes(200 * KIB);
    Stepped body = new Stepped(payload, payload.length);
    ThreadScript transport = new ThreadScript();

    Sent sent = sendAsync(guard, body, transport);
    assertThat(sent.contentLength).isEqualTo(payload.length);
    assertThat(sent.bytes).isEqualTo(payload);
    assertThat(body.offers).allMatch(offer -> offer > 0 && offer <= 64 * KIB);
    assertThat(body.restThreads).isEmpty();
    assertThat(transport.sendThreads).containsExactly(Thread.currentThread());
    assertThat(guard.memoryInUse()).isZero();
  }

  @Test
  void aStreamedBodyPastItsStepsIsResentWholeAfterA411() throws Exception {
    LengthGuard guard =
        LengthGuard.create(
            policy().buffering(Buffering.inMemory(256 * KIB)).prebufferBytes(64 * KIB).build());
    byte[] payload = Payloads.bytes(100 * KIB);
    Stepped body = new Stepped(payload, payload.length);
    Script transport = new Script().early(411, 10 * KIB).answer(200);

    Reply reply =
        guard
            .exchange(ORIGIN, "POST")
            .executeAsync(body, false, transport)
            .get(5, TimeUnit.SECONDS);

    assertThat(reply.status).isEqualTo(200);
    assertThat(transport.sent).hasSize(2);
    assertThat(transport.sent.get(0).contentLength).isEqualTo(-1);
    Sent resend = transport.sent.get(1);
    assertThat(resend.resend).isTrue();
    assertThat(resend.contentLength).isEqualTo(payload.length);
    assertThat(resend.bytes).isEqualTo(payload);
    assertThat(body.stepped).isEqualTo(64 * KIB);
    assertThat(guard.memoryInUse()).isZero();
  }

  @Test
  void aCancelDuringTheStepsStopsThemAndKeepsNoMemory() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().prebufferBytes(64 * KIB).build());
    java.util.concurrent.atomic.AtomicBoolean canceled =
        new java.util.concurrent.atomic.AtomicBoolean();
    Stepped body =
        new Stepped(Payloads.bytes(30 * KIB), 30 * KIB) {
          @Override
          public boolean writeReady(OutputStream out, long maxBytes) throws IOException {
            canceled.set(true); // the caller gives up while its body is read
            return super.writeReady(out, maxBytes);
          }
        };
    Script transport =
        new Script() {
          @Override
          public boolean canceled() {
            return canceled.get();
          }
        };

    java.util.concurrent.CompletableFuture<Reply> call =
        guard.exchange(ORIGIN, "POST").executeAsync(body, false, transport);

    assertThatThrownBy(() -> call.get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(InterruptedIOException.class);
    assertThat(body.stepThreads).hasSize(1);
    assertThat(transport.sent).isEmpty();
    assertThat(guard.memoryInUse()).isZero();
  }

  @Test
  void aStepThatFailsAfterWritingSomeBytesFailsTheCallAndKeepsNoMemory() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().prebufferBytes(64 * KIB).build());
    IOException broken = new IOException("broken");
    Stepped body =
        new Stepped(Payloads.bytes(30 * KIB), 30 * KIB) {
          @Override
          public boolean writeReady(OutputStream out, long maxBytes) throws IOException {
            if (stepped > 0) throw broken;
            return super.writeReady(out, maxBytes);
          }
        };
    Script transport = new Script();

    java.util.concurrent.CompletableFuture<Reply> call =
        guard.exchange(ORIGIN, "POST").executeAsync(body, false, transport);

    assertThatThrownBy(() -> call.get(5, TimeUnit.SECONDS)).hasCause(broken);
    assertThat(body.stepped).isEqualTo(1000);
    assertThat(transport.sent).isEmpty();
    assertThat(guard.memoryInUse()).isZero();
  }

  @Test
  void aStepThatWritesMoreThanItWasOfferedFailsTheCallAndSendsNothing() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().prebufferBytes(64 * KIB).build());
    NonBlockingBodyWriter greedy =
        new NonBlockingBodyWriter() {
          @Override
          public boolean writeReady(OutputStream out, long maxBytes) throws IOException {
            out.write(new byte[(int) maxBytes + 1]);
            return true;
          }

          @Override
          public void writeTo(OutputStream out) {
            throw new AssertionError("not reached");
          }
        };
    Script transport = new Script();

    java.util.concurrent.CompletableFuture<Reply> call =
        guard.exchange(ORIGIN, "POST").executeAsync(greedy, false, transport);

    assertThatThrownBy(() -> call.get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(IllegalStateException.class)
        .hasMessageContaining("wrote 65537 bytes where it was offered 65536");
    assertThat(transport.sent).isEmpty();
    assertThat(guard.memoryInUse()).isZero();
  }

  @Test
  void aStreamedBodyAsksForContinueWhenTheTransportOrThePolicyWantsIt() throws Exception {
    byte[] payload = Payloads.bytes(20 * KIB);
    List<Boolean> asked = new ArrayList<>();
    for (boolean policyAsks : new boolean[] {false, true}) {
      for (boolean transportAsks : new boolean[] {false, true}) {
        LengthGuard guard = LengthGuard.create(policy().expectContinue(policyAsks).build());
        Script transport = new Script().answer(200);
        transport.continueBeforeStreaming = transportAsks;

        guard.exchange(ORIGIN, "POST").execute(new Body(payload), true, transport);

        asked.add(transport.sent.get(0).expectContinue);
      }
    }

    assertThat(asked).containsExactly(false, true, true, true);
  }

  @Test
  void a417ToTheTransportsExpectSendsTheSameBodyOnceMoreWithoutIt() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().build());
    byte[] payload = Payloads.bytes(20 * KIB);
    Body body = new Body(payload);
    Script transport = new Script().refuse(417).answer(200);
    transport.continueBeforeStreaming = true;

    Reply reply = guard.exchange(ORIGIN, "POST").execute(body, true, transport);

    assertThat(reply.status).isEqualTo(200);
    assertThat(reply.index).isEqualTo(1); // the answer to the send without Expect
    assertThat(transport.sent).hasSize(2);
    Sent asked = transport.sent.get(0);
    assertThat(asked.expectContinue).isTrue();
    assertThat(asked.contentLength).isEqualTo(-1);
    assertThat(asked.bytes).isEmpty();
    Sent bare = transport.sent.get(1);
    assertThat(bare.expectContinue).isFalse();
    assertThat(bare.contentLength).isEqualTo(-1);
    assertThat(bare.resend).isFalse();
    assertThat(bare.bytes).isEqualTo(payload);
    assertThat(transport.discarded).containsExactly(0);
    assertThat(body.runs).hasValue(1);
    assertThat(events.list).isEmpty();
    assertThat(guard.memoryInUse()).isZero();
    // What a transport holds from the caller: the 411 to either send, the 417 only to the first,
    // and only where the transport added the Expect.
    OutgoingBody first = transport.bodies.get(0);
    OutgoingBody second = transport.bodies.get(1);
    assertThat(first.mayBeReplacedBy(417, true)).isTrue();
    assertThat(first.mayBeReplacedBy(417, false)).isFalse();
    assertThat(first.mayBeReplacedBy(411, false)).isTrue();
    assertThat(first.mayBeReplacedBy(403, true)).isFalse();
    assertThat(second.mayBeReplacedBy(417, true)).isFalse();
    assertThat(second.mayBeReplacedBy(411, false)).isTrue();
  }

  @Test
  void theBodyTakenBackAfterA417GivesTheClientNothing() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().build());
    byte[] payload = Payloads.bytes(20 * KIB);
    Script transport = new Script().refuse(417);
    List<Throwable> late = new ArrayList<>();
    transport.steps.add(
        (outgoing, received) -> {
          // The client of the send that got the 417 opens its body only now: too late.
          OutgoingBody refused = transport.bodies.get(0);
          assertThat(refused.isOneShot()).isTrue();
          for (int i = 0; i < 3; i++) {
            try {
              if (i == 0) refused.writeTo(received);
              if (i == 1) refused.openStream();
              if (i == 2) refused.openSource();
            } catch (IOException | IllegalStateException e) {
              late.add(e);
            }
          }
          outgoing.writeTo(received);
          return 200;
        });
    transport.continueBeforeStreaming = true;

    Reply reply = guard.exchange(ORIGIN, "POST").execute(new Body(payload), true, transport);

    assertThat(reply.status).isEqualTo(200);
    assertThat(late)
        .hasSize(3)
        .allSatisfy(
            e ->
                assertThat(e)
                    .hasMessage(
                        "the body went with another send: the exchange took it back after a 417"
                            + " to Expect"));
    assertThat(transport.sent.get(1).bytes).isEqualTo(payload);
  }

  @Test
  void a411ToTheSendWithoutExpectIsResentFromTheCapture() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().build());
    byte[] payload = Payloads.bytes(20 * KIB);
    Body body = new Body(payload);
    Script transport = new Script().refuse(417).answer(411).answer(200);
    transport.continueBeforeStreaming = true;

    Reply reply = guard.exchange(ORIGIN, "POST").execute(body, true, transport);

    assertThat(reply.status).isEqualTo(200);
    assertThat(reply.index).isEqualTo(2);
    assertThat(transport.sent).hasSize(3);
    assertThat(transport.sent.get(1).expectContinue).isFalse();
    assertThat(transport.sent.get(1).bytes).isEqualTo(payload);
    Sent resent = transport.sent.get(2);
    assertThat(resent.resend).isTrue();
    assertThat(resent.contentLength).isEqualTo(payload.length);
    assertThat(resent.bytes).isEqualTo(payload);
    assertThat(transport.discarded).containsExactly(0, 1);
    assertThat(body.runs).hasValue(1);
    assertThat(events.list).containsExactlyElementsOf(recoveredAfter411(payload.length));
  }

  @Test
  void a417ToTheCallersOwnExpectGoesBackAndTeachesNothing() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().expectContinue(true).build());
    byte[] payload = Payloads.bytes(20 * KIB);
    Script transport = new Script().refuse(417);
    transport.addsExpect = false; // the caller's request carries an Expect of its own

    Reply reply = guard.exchange(ORIGIN, "POST").execute(new Body(payload), true, transport);

    assertThat(reply.status).isEqualTo(417);
    assertThat(transport.sent).hasSize(1);
    assertThat(transport.discarded).isEmpty();
    Script next = new Script().answer(200);
    guard.exchange(ORIGIN, "POST").execute(new Body(payload), true, next);
    assertThat(next.sent.get(0).expectContinue).isTrue();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 100})
  void a417AfterTheClientOpenedTheBodyGoesBack(int bytes) throws Exception {
    LengthGuard guard = LengthGuard.create(policy().expectContinue(true).build());
    byte[] payload = Payloads.bytes(20 * KIB);
    Script transport = new Script().early(417, bytes);

    Reply reply = guard.exchange(ORIGIN, "POST").execute(new Body(payload), true, transport);

    assertThat(reply.status).isEqualTo(417);
    assertThat(transport.sent).hasSize(1);
    assertThat(transport.discarded).isEmpty();
  }

  @Test
  void a417ToAFrozenBodyGoesBack() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().expectContinue(true).build());
    Script transport = new Script().answer(417);

    Reply reply =
        guard.exchange(ORIGIN, "POST").execute(new Body(Payloads.bytes(KIB)), true, transport);

    assertThat(reply.status).isEqualTo(417);
    assertThat(transport.sent).hasSize(1);
    assertThat(transport.sent.get(0).expectContinue).isFalse();
  }

  @Test
  void anOriginThatRefusedExpectGetsLaterBodiesWithoutIt() throws Exception {
    LengthGuard guard = LengthGuard.create(policy().expectContinue(true).build());
    byte[] payload = Payloads.bytes(20 * KIB);
    Script first = new Script().refuse(417).answer(200);
    guard.exchange(ORIGIN, "POST").execute(new Body(payload), true, first);

    Script again = new Script().answer(200);
    Reply reply = guard.exchange(ORIGIN, "PUT").execute(new Body(payload), true, again);
    Script other = new Script().answer(200);
    Origin elsewhere = Origin.of("https", "other.example", 443);
    guard.exchange(elsewhere, "POST").execute(new Body(payload), true, other);

    assertThat(reply.status).isEqualTo(200);
    assertThat(again.sent).hasSize(1);
    assertThat(again.sent.get(0).expectContinue).isFalse();
    assertThat(again.sent.get(0).bytes).isEqualTo(payload);
    assertThat(other.sent.get(0).expectContinue).isTrue();
  }

  /** Returns what the listener hears of a 411 answered by a resend of {@code bytes} and a 200. */
  private static List<String> recoveredAfter411(int bytes) {
    return List.of(
        "lengthRequired " + ORIGIN + " false",
        "bodyFrozen " + ORIGIN + " " + bytes + " LENGTH_REQUIRED",
        "resent " + ORIGIN + " " + bytes,
        "recovered " + ORIGIN + " 200");
  }

  /** Sends a body within the read-ahead, answered over HTTP/2 if {@code multiplexed}. */
  private static Sent small(LengthGuard guard, Origin origin, boolean multiplexed)
      throws IOException {
    return sendOnce(
        guard, origin, Payloads.bytes(KIB), new Script().answer(200).multiplexed(multiplexed));
  }

  /** Streams a body past the read-ahead, answered over HTTP/2 if {@code multiplexed}. */
  private static Sent streamed(LengthGuard guard, Origin origin, boolean multiplexed)
      throws IOException {
    return sendOnce(
        guard, origin, Payloads.bytes(20 * KIB), new Script().answer(200).multiplexed(multiplexed));
  }

  /** Runs one exchange to {@code origin} with a repeatable body; returns its one send. */
  private static Sent sendOnce(LengthGuard guard, Origin origin, byte[] payload, Script transport)
      throws IOException {
    guard.exchange(origin, "POST").execute(new Body(payload), true, transport);
    assertThat(transport.sent).hasSize(1);
    return transport.sent.get(0);
  }

  /** Runs {@code body} through executeAsync to a 200 and returns what the one send carried. */
  private static Sent sendAsync(LengthGuard guard, BodyWriter body, ThreadScript transport)
      throws Exception {
    transport.answer(200);
    Reply reply =
        guard.exchange(ORIGIN, "POST").executeAsync(body, true, transport).get(5, TimeUnit.SECONDS);
    assertThat(reply.status).isEqualTo(200);
    assertThat(transport.sent).hasSize(1);
    return transport.sent.get(0);
  }

  /**
   * A non-blocking body: its steps write up to 1000 bytes each of the first {@code ready}, then
   * nothing; {@link #writeTo} writes the rest. Records the threads each ran on.
   */
  static class Stepped implements NonBlockingBodyWriter {
    final byte[] payload;
    final int ready;
    final List<Thread> stepThreads = Collections.synchronizedList(new ArrayList<>());
    final List<Thread> restThreads = Collections.synchronizedList(new ArrayList<>());
    final List<Long> offers = Collections.synchronizedList(new ArrayList<>());
    volatile int stepped;
    private int position;

    Stepped(byte[] payload, int ready) {
      this.payload = payload;
      this.ready = ready;
    }

    @Override
    public boolean writeReady(OutputStream out, long maxBytes) throws IOException {
      stepThreads.add(Thread.currentThread());
      offers.add(maxBytes);
      int n = (int) Math.min(Math.min(1000, ready - position), maxBytes);
      out.write(payload, position, n);
      position += n;
      stepped += n;
      return position == payload.length;
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
      restThreads.add(Thread.currentThread());
      while (position < payload.length) {
        int n = Math.min(1000, payload.length - position);
        out.write(payload, position, n);
        position += n;
      }
    }
  }

  /** A script that records the threads its sends ran on. */
  static final class ThreadScript extends Script {
    final List<Thread> sendThreads = Collections.synchronizedList(new ArrayList<>());

    @Override
    public Reply send(OutgoingBody body) throws IOException {
      sendThreads.add(Thread.currentThread());
      return super.send(body);
    }
  }

  /** A caller's body, written in 1000-byte pieces, counting its runs. */
  static final class Body implements BodyWriter {
    final byte[] payload;
    final AtomicInteger runs = new AtomicInteger();
    private boolean drains;
    private boolean changes;

    Body(byte[] payload) {
      this.payload = payload;
    }

    Body drainsAfterFirstRun() {
      drains = true;
      return this;
    }

    Body changesOnSecondRun() {
      changes = true;
      return this;
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
      int run = runs.incrementAndGet();
      if (run > 1 && drains) return;
      byte[] bytes = payload;
      if (run > 1 && changes) {
        bytes = payload.clone();
        bytes[bytes.length / 2] ^= 1;
      }
      for (int i = 0; i < bytes.length; i += 1000) {
        out.write(bytes, i, Math.min(1000, bytes.length - i));
      }
    }
  }

  /**
   * A body that writes {@code before} bytes and then waits for a source that gives nothing more,
   * until its {@link #cancel} wakes it: it then fails as a canceled writer does. Left waiting, it
   * gives up after {@link #STALL_MILLIS} with another failure.
   */
  static class StalledBody implements BodyWriter {
    static final long STALL_MILLIS = 5000;
    final CountDownLatch waiting = new CountDownLatch(1);
    final CountDownLatch ended = new CountDownLatch(1);
    final AtomicInteger cancels = new AtomicInteger();
    private final CountDownLatch canceled = new CountDownLatch(1);
    private final int before;

    StalledBody(int before) {
      this.before = before;
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
      try {
        if (before > 0) out.write(new byte[before]);
        waiting.countDown();
        if (!canceled.await(STALL_MILLIS, TimeUnit.MILLISECONDS)) {
          throw new IOException("the body was never canceled");
        }
        throw new InterruptedIOException("canceled while waiting for the source");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted");
      } finally {
        ended.countDown();
      }
    }

    @Override
    public void cancel() {
      cancels.incrementAndGet();
      canceled.countDown();
    }
  }

  /** A one-shot body that never ends. */
  static final class EndlessBody implements BodyWriter {
    final AtomicLong written = new AtomicLong();

    @Override
    public void writeTo(OutputStream out) throws IOException {
      byte[] chunk = new byte[8 * KIB];
      while (true) {
        out.write(chunk);
        written.addAndGet(chunk.length);
      }
    }
  }

  record Reply(int status, int index) {}

  record Sent(
      long contentLength,
      byte[] bytes,
      boolean oneShot,
      boolean resend,
      boolean mayBeReplaced,
      boolean ownConnection,
      boolean expectContinue) {}

  /** Answers each send as scripted, recording what it read of the body. */
  static class Script implements Transport<Reply> {
    interface Step {
      int answer(OutgoingBody body, ByteArrayOutputStream received) throws IOException;
    }

    private final BlockingQueue<Step> steps = new ArrayBlockingQueue<>(8);
    final List<Sent> sent = Collections.synchronizedList(new ArrayList<>());
    final List<Integer> discarded = Collections.synchronizedList(new ArrayList<>());
    final List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger cancels = new AtomicInteger();
    volatile boolean multiplexed;
    volatile @Nullable Origin answeredBy;
    final List<OutgoingBody> bodies = Collections.synchronizedList(new ArrayList<>());

    /** Whether the client loses early answers: the exchange asks for 100 (Continue) first. */
    boolean continueBeforeStreaming;

    /** Whether the request goes with the Expect a body asks for: false for the caller's own. */
    boolean addsExpect = true;

    /** Says every answer came over a multiplexed protocol (HTTP/2), or none did. */
    Script multiplexed(boolean multiplexed) {
      this.multiplexed = multiplexed;
      return this;
    }

    /** Answers {@code status} on the request's head, without opening the body. */
    Script refuse(int status) {
      steps.add((body, received) -> status);
      return this;
    }

    /** Reads the whole body, then answers {@code status}. */
    Script answer(int status) {
      steps.add(
          (body, received) -> {
            body.writeTo(received);
            return status;
          });
      return this;
    }

    /** Reads {@code bytes} of the body, then answers {@code status} without reading more. */
    Script early(int status, int bytes) {
      steps.add(
          (body, received) -> {
            InputStream in = body.openStream();
            received.write(in.readNBytes(bytes));
            return status;
          });
      return this;
    }

    /** Reads {@code bytes} of the body, then fails with {@code failure}. */
    Script fail(IOException failure, int bytes) {
      steps.add(
          (body, received) -> {
            InputStream in = body.openStream();
            received.write(in.readNBytes(bytes));
            throw failure;
          });
      return this;
    }

    @Override
    public Reply send(OutgoingBody body) throws IOException {
      Step step = steps.poll();
      if (step == null) throw new AssertionError("unexpected send " + (sent.size() + 1));
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      int index = sent.size();
      bodies.add(body);
      try {
        int status = step.answer(body, received);
        return new Reply(status, index);
      } catch (IOException | RuntimeException e) {
        failures.add(e);
        throw e;
      } finally {
        sent.add(
            new Sent(
                body.contentLength(),
                received.toByteArray(),
                body.isOneShot(),
                body.isResend(),
                body.mayBeReplaced(),
                body.ownConnection(),
                body.expectContinue()));
      }
    }

    @Override
    public boolean continueBeforeStreaming() {
      return continueBeforeStreaming;
    }

    @Override
    public boolean addedExpectContinue(OutgoingBody body) {
      return addsExpect && body.expectContinue();
    }

    @Override
    public int status(Reply response) {
      return response.status;
    }

    @Override
    public void discard(Reply response) {
      discarded.add(response.index);
    }

    @Override
    public Boolean multiplexed(Reply response) {
      return multiplexed;
    }

    @Override
    public @Nullable Origin answeredBy(Reply response) {
      return answeredBy;
    }

    @Override
    public void cancel() {
      cancels.incrementAndGet();
    }
  }

  /** Records each event on one line, the detail of a give-up left out. */
  static final class Events implements GuardListener {
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
      list.add(
          "gaveUp "
              + origin
              + " "
              + reason
              + (reason == GiveUpReason.FREEZE_FAILED || reason == GiveUpReason.BODY_CHANGED
                  ? " " + detail
                  : ""));
    }

    @Override
    public void bodyTooLarge(Origin origin, long limit, long bytesRead) {
      list.add("bodyTooLarge " + origin + " " + limit);
    }

    @Override
    public void bodyNotRead(Origin origin, long bytesWritten, int status) {
      list.add("bodyNotRead " + origin + " " + bytesWritten + " " + status);
    }

    @Override
    public void overBudget(Origin origin, long budget) {
      list.add("overBudget " + origin + " " + budget);
    }

    @Override
    public String toString() {
      return Arrays.toString(list.toArray());
    }
  }
}
