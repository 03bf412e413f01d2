package io.lengthguard;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.testing.Payloads;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The handoff of a streamed body from the caller's thread to the wire's: exact bytes in order
 * whatever the sizes of writes and reads, flush and end delivered, failures on either side stopping
 * the other, and the read-ahead counted against the budget until the wire took it.
 */
class BodyPipeTest {
  private static final int KIB = 1024;

  @Test
  @Timeout(20)
  void aShortReadAheadFailsEveryWireRatherThanSendTheRestAtTheWrongPlace() throws Exception {
    byte[] payload = Payloads.bytes(10);
    // A read-ahead that holds 3 of the 5 bytes it was counted at: a spill file that lost some.
    BodyPipe drained = new BodyPipe(new ByteArrayInputStream(payload, 0, 3), 5);
    drained.finish();
    assertThatThrownBy(() -> drained.drainTo(new ByteArrayOutputStream()))
        .hasMessage("read-ahead held 3 bytes, not 5");

    BodyPipe pulled = new BodyPipe(new ByteArrayInputStream(payload, 0, 3), 5);
    pulled.write(payload, 5, 5);
    pulled.finish();
    try (InputStream in = pulled.openStream()) {
      assertThatThrownBy(in::readAllBytes).hasMessage("read-ahead held 3 bytes, not 5");
    }
    assertThat(pulled.wireClosed()).isTrue();

    BodyPipe polled = new BodyPipe(new ByteArrayInputStream(payload, 0, 3), 5);
    polled.write(payload, 5, 5);
    polled.finish();
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    try (OutgoingBody.Source source = polled.openSource()) {
      assertThatThrownBy(() -> source.writeTo(takingAll(received), () -> {}))
          .hasMessage("read-ahead held 3 bytes, not 5");
    }
    assertThat(polled.wireClosed()).isTrue();
    assertThat(received.toByteArray()).isEqualTo(Arrays.copyOf(payload, 3));
  }

  @Test
  @Timeout(20)
  void drainedBytesArriveExactAndInOrderUnderSmallAndLargeWrites() throws Exception {
    assertArriveExact(
        5000,
        (pipe, seed) -> {
          ByteArrayOutputStream received = new ByteArrayOutputStream();
          pipe.drainTo(received);
          return received.toByteArray();
        });
  }

  @Test
  @Timeout(20)
  void pulledBytesArriveExactAndInOrderUnderSmallAndLargeReads() throws Exception {
    assertArriveExact(
        0,
        (pipe, seed) -> {
          SplittableRandom random = new SplittableRandom(~seed);
          ByteArrayOutputStream received = new ByteArrayOutputStream();
          try (InputStream in = pipe.openStream()) {
            byte[] buffer = new byte[100 * KIB];
            while (true) {
              int n =
                  in.read(buffer, 0, random.nextBoolean() ? 1 + random.nextInt(16) : buffer.length);
              if (n == -1) break;
              received.write(buffer, 0, n);
            }
          }
          return received.toByteArray();
        });
  }

  @Test
  @Timeout(20)
  void polledBytesArriveExactAndInOrderThroughASinkThatTakesWhatItLikes() throws Exception {
    assertArriveExact(
        20_000,
        (pipe, seed) -> {
          SplittableRandom random = new SplittableRandom(~seed);
          ByteArrayOutputStream received = new ByteArrayOutputStream();
          Semaphore woken = new Semaphore(0);
          boolean[] refused = new boolean[1];
          // An event loop's channel: it takes 0 bytes to all that is offered, as its buffer allows.
          OutgoingBody.Sink sink =
              (b, off, len) -> {
                int took = random.nextInt(4) == 0 ? random.nextInt(len + 1) : len;
                received.write(b, off, took);
                if (took < len) refused[0] = true;
                return took;
              };
          try (OutgoingBody.Source source = pipe.openSource()) {
            while (true) {
              refused[0] = false;
              if (source.writeTo(sink, woken::release)) break;
              // A full channel calls again when it drains; an empty source wakes it when it fills.
              if (!refused[0] && !woken.tryAcquire(5, TimeUnit.SECONDS)) {
                throw new AssertionError("not woken, " + source.available() + " bytes queued");
              }
            }
          } catch (InterruptedException e) {
            throw new AssertionError(e);
          }
          return received.toByteArray();
        });
  }

  @Test
  @Timeout(10)
  void aPolledWireIsWokenByHalfTheWindowAFlushOrTheEndAndNeverWaits() throws Exception {
    BodyPipe pipe = new BodyPipe(new ByteArrayInputStream(new byte[] {1, 2}), 2);
    OutgoingBody.Source source = pipe.openSource();
    AtomicInteger wakes = new AtomicInteger();
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    OutgoingBody.Sink all = takingAll(received);

    // The read-ahead goes at once; then nothing is queued: no wait, and a wake is asked for.
    assertThat(source.available()).isPositive();
    assertThat(source.writeTo(all, wakes::incrementAndGet)).isFalse();
    assertThat(received.toByteArray()).containsExactly(1, 2);
    assertThat(source.available()).isZero();

    // A few bytes wake it by a flush, or by the linger if this thread was slower: once.
    pipe.write(new byte[] {3, 4, 5}, 0, 3);
    assertThat(source.available()).isEqualTo(3);
    pipe.flush();
    pipe.flush();
    assertWokenOnce(wakes, 1);
    assertThat(source.writeTo(all, wakes::incrementAndGet)).isFalse();
    assertThat(received.toByteArray()).containsExactly(1, 2, 3, 4, 5);

    // Half the window wakes it without a flush.
    byte[] half = Payloads.bytes(BodyPipe.WINDOW / 2);
    pipe.write(half, 0, half.length);
    assertThat(wakes).hasValue(2);
    assertThat(source.available()).isEqualTo(half.length);

    // A sink that takes nothing leaves it all queued, and asks for no wake: it calls again itself.
    assertThat(source.writeTo((b, off, len) -> 0, wakes::incrementAndGet)).isFalse();
    assertThat(source.available()).isEqualTo(half.length);
    assertThat(source.writeTo(all, wakes::incrementAndGet)).isFalse();
    assertThat(received.size()).isEqualTo(5 + half.length);

    // The end wakes it, and is something to write.
    pipe.finish();
    assertThat(wakes).hasValue(3);
    assertThat(source.available()).isEqualTo(1);
    assertThat(source.writeTo(all, wakes::incrementAndGet)).isTrue();
    assertThat(source.available()).isZero();
    assertThat(pipe.taken()).isEqualTo(5 + half.length);
  }

  @Test
  @Timeout(10)
  void aPolledWireIsWokenOnceForAFewUnflushedBytesAndTakesThem() throws Exception {
    BodyPipe pipe = new BodyPipe(InputStream.nullInputStream(), 0);
    OutgoingBody.Source source = pipe.openSource();
    AtomicInteger wakes = new AtomicInteger();
    Semaphore woken = new Semaphore(0);
    Runnable wake =
        () -> {
          wakes.incrementAndGet();
          woken.release();
        };
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    assertThat(source.writeTo(takingAll(received), wake)).isFalse();

    // A slow body's 1 KiB, far under half the window, with no flush and nothing after it: the
    // bare client would send it now, and a server's body-read idle timeout counts from then.
    byte[] payload = Payloads.bytes(KIB);
    pipe.write(payload, 0, payload.length);

    assertThat(woken.tryAcquire(200, TimeUnit.MILLISECONDS)).as("woken unflushed").isTrue();
    // A flush with the wake already taken runs nothing more.
    pipe.flush();
    assertThat(source.writeTo(takingAll(received), wake)).isFalse();
    assertThat(received.toByteArray()).isEqualTo(payload);
    Thread.sleep(100);
    assertThat(wakes).hasValue(1);

    // The next sleep of the wire is woken the same way, once.
    pipe.write(payload, 0, 10);
    assertThat(woken.tryAcquire(200, TimeUnit.MILLISECONDS)).as("woken again").isTrue();
    pipe.finish();
    assertThat(source.writeTo(takingAll(received), wake)).isTrue();
    assertThat(received.size()).isEqualTo(KIB + 10);
    Thread.sleep(100);
    assertThat(wakes).hasValue(2);
  }

  @Test
  @Timeout(10)
  void theBodysFailureReachesAPolledWireAfterWhatWasQueued() throws Exception {
    BodyPipe pipe = new BodyPipe(new ByteArrayInputStream(new byte[] {1, 2}), 2);
    OutgoingBody.Source source = pipe.openSource();
    AtomicInteger wakes = new AtomicInteger();
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    assertThat(source.writeTo(takingAll(received), wakes::incrementAndGet)).isFalse();
    IOException sourceFailed = new IOException("source failed");

    pipe.write(new byte[] {3, 4, 5}, 0, 3);
    pipe.failBody(sourceFailed);

    assertWokenOnce(wakes, 1);
    assertThatThrownBy(() -> source.writeTo(takingAll(received), wakes::incrementAndGet))
        .isSameAs(sourceFailed);
    assertThat(received.toByteArray()).containsExactly(1, 2, 3, 4, 5);
    // The wire closed with the failure: a writer no longer waits.
    assertThat(pipe.wireClosed()).isTrue();
  }

  @Test
  @Timeout(10)
  void closingAPolledSourceReleasesAWaitingWriterAndTakesNoMore() throws Exception {
    BodyPipe pipe = new BodyPipe(InputStream.nullInputStream(), 0);
    OutgoingBody.Source source = pipe.openSource();
    byte[] moreThanTheWindow = Payloads.bytes(BodyPipe.WINDOW + 1);
    CompletableFuture<Void> writer = new CompletableFuture<>();
    Thread writing =
        new Thread(
            () -> {
              try {
                pipe.write(moreThanTheWindow, 0, moreThanTheWindow.length);
                writer.complete(null);
              } catch (IOException e) {
                writer.completeExceptionally(e);
              }
            });
    writing.start();
    // The window is full and the writer waits for the wire.
    while (writing.getState() != Thread.State.WAITING) Thread.sleep(1);

    source.close();

    writer.get(5, TimeUnit.SECONDS);
    assertThat(source.available()).isZero();
    assertThatThrownBy(() -> source.writeTo((b, off, len) -> len, () -> {}))
        .isInstanceOf(IOException.class)
        .hasMessage("the request's body was abandoned");
    assertThat(pipe.taken()).isZero();
  }

  /** How a test's wire takes the body from the pipe. */
  private interface Wire {
    byte[] receive(BodyPipe pipe, long seed) throws IOException;
  }

  /**
   * Sends payloads of 3 MiB, {@code readAhead} bytes of each read ahead and the rest written in
   * random pieces, and asserts that {@code wire} receives each exactly.
   */
  private static void assertArriveExact(int readAhead, Wire wire) throws Exception {
    for (long seed = 0; seed < 8; seed++) {
      byte[] payload = Payloads.bytes(3 * 1024 * KIB + 11, seed);
      // Odd seeds hold the read-ahead in segments, as the exchange does; even ones in a stream,
      // as a read-ahead spilled to a file is read.
      BodyPipe pipe =
          seed % 2 == 1
              ? new BodyPipe(
                  FrozenBody.read(new ByteArrayInputStream(payload, 0, readAhead), readAhead)
                      .openStream(),
                  readAhead)
              : pipe(payload, readAhead);
      CompletableFuture<Void> writer = writeInRandomPieces(pipe, payload, readAhead, seed);

      byte[] received = wire.receive(pipe, seed);

      writer.get(10, TimeUnit.SECONDS);
      assertThat(received).isEqualTo(payload);
      assertThat(pipe.taken()).isEqualTo(payload.length);
    }
  }

  @Test
  @Timeout(10)
  void aWriterOfManyShortRunsWaitsForRoomInTheQueueAndLosesNoByte() throws Exception {
    BodyPipe pipe = new BodyPipe(InputStream.nullInputStream(), 0);
    byte[] payload = Payloads.bytes(1000);
    CompletableFuture<Void> writer = writeInShortRuns(pipe, payload);

    // Far under the window, but more runs than the queue holds: the writer waits for the wire.
    Thread.sleep(100);
    assertThat(writer).isNotDone();
    byte[] received;
    try (InputStream in = pipe.openStream()) {
      received = in.readAllBytes();
    }

    writer.get(5, TimeUnit.SECONDS);
    assertThat(received).isEqualTo(payload);
  }

  @Test
  @Timeout(10)
  void aPolledWireIsWokenWhenManyShortRunsFillTheQueue() throws Exception {
    BodyPipe pipe = new BodyPipe(InputStream.nullInputStream(), 0);
    byte[] payload = Payloads.bytes(1000);
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    Semaphore woken = new Semaphore(0);
    try (OutgoingBody.Source source = pipe.openSource()) {
      // Never flushed, far under half the window.
      CompletableFuture<Void> writer = writeInShortRuns(pipe, payload);

      while (!source.writeTo(
          (b, off, len) -> {
            received.write(b, off, len);
            return len;
          },
          woken::release)) {
        assertThat(woken.tryAcquire(5, TimeUnit.SECONDS)).as("woken with bytes queued").isTrue();
      }

      writer.get(5, TimeUnit.SECONDS);
    }
    assertThat(received.toByteArray()).isEqualTo(payload);
  }

  @Test
  @Timeout(20)
  void bytesLentFromTheCapturesSegmentsArriveExactAndTheCaptureFreezesThem() throws Exception {
    for (long seed = 0; seed < 4; seed++) {
      byte[] payload = Payloads.bytes(2 * 1024 * KIB + 7, seed);
      SegmentBuffer capture = new SegmentBuffer(Buffering.inMemory(payload.length));
      BodyPipe pipe = new BodyPipe(InputStream.nullInputStream(), 0);
      SplittableRandom random = new SplittableRandom(seed);
      CompletableFuture<Void> writer =
          CompletableFuture.runAsync(
              () -> {
                try {
                  for (int i = 0; i < payload.length; ) {
                    // 8 KiB segments for the first MiB (the read-ahead's), 32 KiB ones after.
                    if (i >= 1024 * KIB) capture.segmentSize(SegmentBuffer.STREAMED_SEGMENT_SIZE);
                    int n =
                        Math.min(
                            1 + random.nextInt(random.nextBoolean() ? 16 : 80 * KIB),
                            payload.length - i);
                    capture.write(payload, i, n);
                    capture.lendLast(n, pipe);
                    i += n;
                  }
                  pipe.finish();
                } catch (IOException e) {
                  pipe.failBody(e);
                }
              });

      ByteArrayOutputStream received = new ByteArrayOutputStream();
      pipe.drainTo(received);

      writer.get(10, TimeUnit.SECONDS);
      assertThat(received.toByteArray()).isEqualTo(payload);
      try (FrozenBody frozen = capture.freeze()) {
        assertThat(frozen.toByteArray()).isEqualTo(payload);
      }
    }
  }

  @Test
  @Timeout(10)
  void aPulledReadTakesEveryRunQueuedNow() throws Exception {
    BodyPipe pipe = new BodyPipe(InputStream.nullInputStream(), 0);
    byte[] first = Payloads.bytes(8 * KIB, 1);
    byte[] second = Payloads.bytes(8 * KIB, 2);
    pipe.lend(first, 0, first.length);
    pipe.lend(second, 0, second.length);
    pipe.write(first, 0, 100);
    pipe.finish();

    try (InputStream in = pipe.openStream()) {
      byte[] buffer = new byte[64 * KIB];
      assertThat(in.read(buffer, 0, buffer.length)).isEqualTo(16 * KIB + 100);
      ByteArrayOutputStream expected = new ByteArrayOutputStream();
      expected.write(first);
      expected.write(second);
      expected.write(first, 0, 100);
      assertThat(java.util.Arrays.copyOf(buffer, 16 * KIB + 100)).isEqualTo(expected.toByteArray());
      assertThat(in.read(buffer, 0, buffer.length)).isEqualTo(-1);
    }
  }

  @Test
  @Timeout(10)
  void flushWakesAWaitingWireWithWhatWasWrittenBeforeTheBodyEnds() throws Exception {
    BodyPipe pipe = new BodyPipe(InputStream.nullInputStream(), 0);
    InputStream in = pipe.openStream();
    CompletableFuture<byte[]> first = waitingWire(in, 5);

    // Well under half the window, and the body has not ended: the flush hands it on.
    pipe.write("hello".getBytes(UTF_8), 0, 5);
    pipe.flush();

    assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo("hello".getBytes(UTF_8));
    pipe.write("!".getBytes(UTF_8), 0, 1);
    pipe.finish();
    assertThat(in.readAllBytes()).isEqualTo("!".getBytes(UTF_8));
  }

  @Test
  @Timeout(10)
  void aSlowBodysFewBytesReachAWaitingWireUnflushed() throws Exception {
    BodyPipe pipe = new BodyPipe(InputStream.nullInputStream(), 0);
    InputStream in = pipe.openStream();
    CompletableFuture<byte[]> first = waitingWire(in, 3);

    // Three bytes, no flush, no end: a body that pauses between writes still gets them sent.
    pipe.write(new byte[] {1, 2, 3}, 0, 3);

    assertThat(first.get(5, TimeUnit.SECONDS)).containsExactly(1, 2, 3);
    pipe.finish();
    assertThat(in.read()).isEqualTo(-1);
  }

  @Test
  @Timeout(10)
  void aFailedWireReleasesAWaitingWriterAndItsAbortStopsTheNextWrite() throws Exception {
    BodyPipe pipe = new BodyPipe(InputStream.nullInputStream(), 0);
    IOException reset = new IOException("connection reset");
    // The writer fills the window and waits for the wire.
    CompletableFuture<Void> writer = new CompletableFuture<>();
    Thread writing =
        new Thread(
            () -> {
              try {
                pipe.write(new byte[4 * BodyPipe.WINDOW], 0, 4 * BodyPipe.WINDOW);
                writer.complete(null);
              } catch (IOException e) {
                writer.completeExceptionally(e);
              }
            });
    writing.start();
    while (writing.getState() != Thread.State.WAITING) Thread.sleep(1);
    OutputStream failing =
        new OutputStream() {
          private int written;

          @Override
          public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            written += len;
            if (written > 100 * KIB) throw reset;
          }
        };

    assertThatThrownBy(() -> pipe.drainTo(failing)).isSameAs(reset);

    writer.get(5, TimeUnit.SECONDS); // released: after the wire closed, writes no longer wait
    assertThat(pipe.wireClosed()).isTrue();
    pipe.abort(reset); // as the exchange does with the wire's failure
    assertThatThrownBy(() -> pipe.write(new byte[1], 0, 1)).isSameAs(reset);
    assertThatThrownBy(() -> pipe.flush()).isSameAs(reset);
  }

  @Test
  @Timeout(10)
  void theBodysFailureReachesTheWireAfterWhatWasQueued() throws Exception {
    BodyPipe pipe = new BodyPipe(new ByteArrayInputStream(new byte[] {1, 2}), 2);
    IOException sourceFailed = new IOException("source failed");
    pipe.write(new byte[] {3, 4, 5}, 0, 3);
    pipe.failBody(sourceFailed);
    ByteArrayOutputStream received = new ByteArrayOutputStream();

    assertThatThrownBy(() -> pipe.drainTo(received)).isSameAs(sourceFailed);
    assertThat(received.toByteArray()).containsExactly(1, 2, 3, 4, 5);
  }

  @Test
  void aStreamedBodyIsWrittenOnce() throws Exception {
    BodyPipe pipe = new BodyPipe(InputStream.nullInputStream(), 0);
    pipe.finish();
    pipe.drainTo(OutputStream.nullOutputStream());

    assertThatThrownBy(() -> pipe.drainTo(OutputStream.nullOutputStream()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("a streamed body can be written only once");
  }

  @Test
  void theReadAheadCountsAgainstTheBudgetUntilTheWireTookIt() throws Exception {
    MemoryBudget budget = new MemoryBudget(100 * KIB);
    assertThat(budget.tryAcquire(40 * KIB)).isTrue();
    byte[] readAhead = Payloads.bytes(40 * KIB);
    BodyPipe pipe = pipe(readAhead, readAhead.length);

    assertThat(pipe.holdReadAhead(budget, 40 * KIB)).isEqualTo(40 * KIB);
    assertThat(pipe.holdReadAhead(budget, 40 * KIB)).isZero(); // held once
    assertThat(budget.used()).isEqualTo(40 * KIB);

    try (InputStream in = pipe.openStream()) {
      assertThat(in.readNBytes(40 * KIB - 1)).hasSize(40 * KIB - 1);
      assertThat(budget.used()).isEqualTo(40 * KIB);
      pipe.finish();
      assertThat(in.readAllBytes()).hasSize(1);
    }
    assertThat(budget.used()).isZero();
  }

  @Test
  void aClosedWireGivesTheReadAheadBackAndTakesNoMore() {
    MemoryBudget budget = new MemoryBudget(100 * KIB);
    assertThat(budget.tryAcquire(40 * KIB)).isTrue();
    BodyPipe pipe = pipe(Payloads.bytes(40 * KIB), 40 * KIB);
    pipe.holdReadAhead(budget, 40 * KIB);

    pipe.closeWire();

    assertThat(budget.used()).isZero();
    assertThat(pipe.holdReadAhead(budget, 40 * KIB)).isZero();
  }

  /** Starts a wire that reads {@code n} bytes from {@code in}, once it waits for them. */
  private static CompletableFuture<byte[]> waitingWire(InputStream in, int n)
      throws InterruptedException {
    CompletableFuture<byte[]> read = new CompletableFuture<>();
    Thread wire =
        new Thread(
            () -> {
              try {
                read.complete(in.readNBytes(n));
              } catch (IOException e) {
                read.completeExceptionally(e);
              }
            });
    wire.start();
    while (wire.getState() != Thread.State.TIMED_WAITING) Thread.sleep(1);
    return read;
  }

  /**
   * Asserts that {@code wakes} reaches {@code count} and stays there past the linger: a wake taken
   * by the linger runs on a guard thread, a moment later.
   */
  private static void assertWokenOnce(AtomicInteger wakes, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (wakes.get() < count && System.nanoTime() < deadline) Thread.sleep(1);
    Thread.sleep(100);
    assertThat(wakes).hasValue(count);
  }

  /**
   * Returns a sink, as a channel with room to spare, that takes all it is offered into {@code to}.
   */
  private static OutgoingBody.Sink takingAll(ByteArrayOutputStream to) {
    return (b, off, len) -> {
      to.write(b, off, len);
      return len;
    };
  }

  /** Returns a pipe that starts with the first {@code readAhead} bytes of {@code payload}. */
  private static BodyPipe pipe(byte[] payload, int readAhead) {
    return new BodyPipe(new ByteArrayInputStream(payload, 0, readAhead), readAhead);
  }

  /** Writes {@code payload} from {@code from} on, in pieces of 1 byte to 200 KiB, then ends it. */
  /** Writes {@code payload} a byte at a time, lent and copied in turn: no run continues another. */
  private static CompletableFuture<Void> writeInShortRuns(BodyPipe pipe, byte[] payload) {
    return CompletableFuture.runAsync(
        () -> {
          try {
            for (int i = 0; i < payload.length; i++) {
              if (i % 2 == 0) {
                pipe.lend(payload, i, 1);
              } else {
                pipe.write(payload, i, 1);
              }
            }
            pipe.finish();
          } catch (IOException e) {
            pipe.failBody(e);
          }
        });
  }

  private static CompletableFuture<Void> writeInRandomPieces(
      BodyPipe pipe, byte[] payload, int from, long seed) {
    return CompletableFuture.runAsync(
        () -> {
          SplittableRandom random = new SplittableRandom(seed);
          try {
            for (int i = from; i < payload.length; ) {
              int n =
                  switch (random.nextInt(4)) {
                    case 0 -> 1 + random.nextInt(8);
                    case 1 -> 1 + random.nextInt(8 * KIB);
                    case 2 -> 8 * KIB;
                    default -> 1 + random.nextInt(200 * KIB);
                  };
              n = Math.min(n, payload.length - i);
              // Lent (the payload is never written again) or copied, in runs of either kind.
              if (random.nextBoolean()) {
                pipe.lend(payload, i, n);
              } else {
                pipe.write(payload, i, n);
              }
              if (random.nextInt(16) == 0) pipe.flush();
              i += n;
            }
            pipe.finish();
          } catch (IOException e) {
            pipe.failBody(e);
          }
        });
  }
}
