package io.lengthguard;

import static org.assertj.core.api.Assertions.assertThat;

import io.lengthguard.GuardedExchangeTest.Body;
import io.lengthguard.GuardedExchangeTest.Reply;
import io.lengthguard.GuardedExchangeTest.Script;
import io.lengthguard.testing.Payloads;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory budget counts the bytes an exchange holds in memory, no more and no less: a capture
 * that is dropped gives its bytes back at once, and a read-ahead that streams without a copy counts
 * until the wire has taken it.
 */
class MemoryBudgetAccountingTest {
  private static final int KIB = 1024;
  private static final Origin ORIGIN = Origin.of("https", "strict.example", 443);

  /**
   * A capture dropped because the budget is spent gives its bytes back while its exchange goes on,
   * so a later body gets the copy that answers its 411.
   */
  @Test
  @Timeout(10)
  void aDroppedCaptureGivesItsBytesBackToTheBudget() throws Exception {
    LengthGuard guard =
        LengthGuard.create(
            GuardPolicy.builder()
                .buffering(Buffering.inMemory(256 * KIB))
                .prebufferBytes(16 * KIB)
                .memoryBudget(24 * KIB)
                .build());
    CountDownLatch read = new CountDownLatch(1);
    CountDownLatch answer = new CountDownLatch(1);
    AtomicLong inUseWhileSending = new AtomicLong(-1);
    Script holding =
        new Script() {
          @Override
          public Reply send(OutgoingBody body) throws IOException {
            body.writeTo(OutputStream.nullOutputStream()); // the whole body: its capture is gone
            inUseWhileSending.set(guard.memoryInUse());
            read.countDown();
            try {
              answer.await();
            } catch (InterruptedException e) {
              throw new InterruptedIOException();
            }
            return new Reply(200, 0);
          }
        };
    CompletableFuture<Reply> first =
        guard
            .exchange(Origin.of("https", "other.example", 443), "POST")
            .executeAsync(new Body(Payloads.bytes(64 * KIB)), false, holding);
    read.await();

    // The first exchange holds no copy (it passed the budget), so the budget is free again...
    assertThat(inUseWhileSending.get()).isZero();

    // ...and a second body past the read-ahead, answered 411, can be resent from its capture.
    Script strict = new Script().answer(411).answer(200);
    Reply second =
        guard.exchange(ORIGIN, "POST").execute(new Body(Payloads.bytes(20 * KIB)), false, strict);
    answer.countDown();
    first.join();
    assertThat(second.status()).isEqualTo(200);
    assertThat(strict.sent.get(1).bytes()).isEqualTo(Payloads.bytes(20 * KIB));
    assertThat(guard.memoryInUse()).isZero();
  }

  /**
   * A read-ahead that passes the budget streams without a copy, but its bytes wait in memory until
   * the wire has sent them (up to prebufferBytes per call), so they count until then, and no
   * longer.
   */
  @Test
  @Timeout(10)
  void aReadAheadStillWaitingForTheWireCountsAgainstTheBudget() throws Exception {
    LengthGuard guard = LengthGuard.create(GuardPolicy.builder().memoryBudget(512 * KIB).build());
    CountDownLatch sending = new CountDownLatch(1);
    CountDownLatch go = new CountDownLatch(1);
    Script slowWire =
        new Script() {
          @Override
          public Reply send(OutgoingBody body) throws IOException {
            sending.countDown();
            try {
              go.await(); // the wire has not taken a byte yet
            } catch (InterruptedException e) {
              throw new InterruptedIOException();
            }
            body.writeTo(OutputStream.nullOutputStream());
            return new Reply(200, 0);
          }
        };
    CompletableFuture<Reply> call =
        guard
            .exchange(ORIGIN, "POST")
            .executeAsync(new Body(Payloads.bytes(2048 * KIB)), false, slowWire);
    sending.await(); // the body streams: its read-ahead went to the pipe, before the send began

    // About 512 KiB read ahead wait in the pipe for the wire, in memory.
    long inUse = guard.memoryInUse();
    go.countDown();
    call.join();
    assertThat(inUse).isGreaterThanOrEqualTo(500 * KIB).isLessThanOrEqualTo(512 * KIB);
    assertThat(guard.memoryInUse()).isZero();
  }

  /**
   * A capture that moves to its spill file gives its bytes back to the budget, but for the
   * read-ahead still waiting in memory for the wire.
   */
  @Test
  @Timeout(10)
  void aCaptureMovedToItsFileKeepsCountingTheReadAheadTheWireHasNotTaken(@TempDir Path spill)
      throws Exception {
    LengthGuard guard =
        LengthGuard.create(
            GuardPolicy.builder()
                .buffering(Buffering.spillToDisk(32 * KIB, 1024 * KIB, spill))
                .prebufferBytes(16 * KIB)
                .build());
    CountDownLatch pastTheThreshold = new CountDownLatch(1);
    CountDownLatch go = new CountDownLatch(1);
    byte[] payload = Payloads.bytes(100 * KIB);
    // 16,000 bytes read ahead (1000-byte writes), then 50,000 in all: the capture is in its file,
    // and everything written fits the pipe's window, so the writer does not wait for the wire.
    BodyWriter body =
        out -> {
          for (int i = 0; i < payload.length; i += 1000) {
            if (i == 50_000) {
              pastTheThreshold.countDown();
              await(go);
            }
            out.write(payload, i, Math.min(1000, payload.length - i));
          }
        };
    Script wire =
        new Script() {
          @Override
          public Reply send(OutgoingBody outgoing) throws IOException {
            MemoryBudgetAccountingTest.await(go); // the wire has not taken a byte yet
            return super.send(outgoing);
          }
        }.answer(200);
    CompletableFuture<Reply> call = guard.exchange(ORIGIN, "POST").executeAsync(body, false, wire);
    pastTheThreshold.await();

    long inUse = guard.memoryInUse();
    go.countDown();
    assertThat(call.get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
    assertThat(inUse).isEqualTo(16_000);
    assertThat(wire.sent.get(0).bytes()).isEqualTo(payload);
    assertThat(guard.memoryInUse()).isZero();
  }

  private static void await(CountDownLatch latch) throws InterruptedIOException {
    try {
      latch.await();
    } catch (InterruptedException e) {
      throw new InterruptedIOException();
    }
  }
}
