package io.lengthguard;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;

/**
 * One request with a body of unknown length, guarded from its first send to its last byte. For
 * adapter authors: an adapter creates one per request with {@link LengthGuard#exchange}, hands it
 * the caller's body as a {@link BodyWriter} and the client as a {@link Transport}, and returns what
 * {@link #execute} returns. Every decision is made here, once for all clients:
 *
 * <ol>
 *   <li>The body is read ahead, on the calling thread, up to the policy's {@linkplain
 *       GuardPolicy#prebufferBytes() read-ahead} (the whole buffering limit in {@link
 *       GuardMode#PREBUFFER} and for an origin known to want a length). A body that ends within it
 *       is frozen and sent once with its exact {@code Content-Length}.
 *   <li>A longer body is streamed as the client frames it: the transport sends it on a thread of
 *       the guard's while the calling thread goes on running the caller's body, and every byte is
 *       also captured, within the buffering limit, for a resend. It asks for 100 (Continue) first
 *       where the policy or the client wants it ({@link OutgoingBody#expectContinue()}); a 417 to
 *       that {@code Expect}, before any byte of the body went, is answered by sending the same body
 *       once more without it, and the origin is remembered so that later bodies go without it.
 *   <li>A 411 to a streamed body is answered by one resend of the captured bytes with their exact
 *       length: the very bytes of the first send, or nothing. A 411 that cannot be answered, a
 *       second 411, and every other response go back to the caller as they came.
 * </ol>
 *
 * <p><b>Never worse than no guard.</b> The caller's body is run exactly once. A call that would
 * have succeeded without the guard succeeds with it; a failing call may be recovered; nothing the
 * caller did not write is ever sent. Only {@link GuardMode#PREBUFFER} refuses a body over the limit
 * ({@link BodyTooLargeException}, before any byte is sent); in the other modes such a body goes as
 * the client would send it. A 2xx that arrives before the body was wholly written is reported
 * ({@link GuardListener#bodyNotRead}) and teaches {@link GuardMode#ADAPTIVE} the origin.
 *
 * <p><b>Bounded and cancellable.</b> After the wire failed or the response came, the caller's body
 * is read no further than the buffering limit, and only while a resend may need it; {@link
 * #cancel()} cancels the client's call and stops the body, even one that waits for its source, and
 * {@link Transport#canceled()} stops it at its next write. Every frozen body, capture and spill
 * file the exchange made is released by the time {@code execute} returns or throws; frozen bodies
 * in memory stay readable for a client that holds on to its request.
 *
 * <p>This class is thread-safe: {@link #cancel()} may be called from any thread. An exchange
 * executes once.
 */
public final class GuardedExchange {
  private static final System.Logger LOGGER = System.getLogger("io.lengthguard");

  /** The most a non-blocking body's steps are offered in all: the default read-ahead. */
  static final long MAX_STEP_BYTES = GuardPolicy.DEFAULT_PREBUFFER_BYTES;

  /**
   * What a non-blocking body's step is offered at a time, taken from the budget before it runs; and
   * the least read-ahead for which steps run at all. A step's write past its offer is taken in
   * part, as by a full socket: no body smaller than this sees that.
   */
  static final long STEP_BYTES = 64 * 1024;

  private final LengthGuard guard;
  private final GuardPolicy policy;
  private final Origin origin;
  private final String method;
  private volatile boolean canceled;
  private volatile boolean lengthDeclared;
  private volatile @Nullable BodyPipe pipe;
  private boolean executed;

  /** The caller's body and the client, once the exchange started: what {@link #cancel} stops. */
  private volatile @Nullable BodyWriter startedBody;

  private volatile @Nullable Transport<?> startedTransport;

  GuardedExchange(LengthGuard guard, Origin origin, String method) {
    this.guard = guard;
    this.policy = guard.policy();
    this.origin = origin;
    this.method = method;
  }

  /** Returns the origin this exchange sends to. */
  public Origin origin() {
    return origin;
  }

  /** Returns the request method. */
  public String method() {
    return method;
  }

  /**
   * Marks the request as carrying a {@code Content-Length} the caller set on a body the client
   * cannot size, and returns this exchange. The whole body is then frozen before the first send,
   * within the buffering limit, so that the transport can check the declared value against the
   * bytes before any is sent; the listener hears {@link FreezeReason#CALLER_LENGTH}. A body over
   * the limit fails {@link #execute} with {@link BodyTooLargeException}: without the guard the
   * client would not have sent it either. Call it before {@link #execute}.
   */
  public GuardedExchange lengthDeclared() {
    lengthDeclared = true;
    return this;
  }

  /**
   * Cancels the call: the client's call in flight ({@link Transport#cancel()}), the body being
   * sent, and the caller's body, at its next write or at once where it waits for its source ({@link
   * BodyWriter#cancel()}). {@link #execute} then fails with an {@link InterruptedIOException}
   * unless the client's own cancellation failed it first. May be called from any thread, more than
   * once, and before {@link #execute}, whose transport and body are then canceled as it starts.
   * Never blocks; a transport's or body's {@code cancel} that throws is logged and ignored.
   */
  public void cancel() {
    canceled = true;
    // The flag first: every failure the cancel causes then meets an exchange that knows it was
    // canceled, and the caller gets InterruptedIOException, not that failure. The client's call
    // before the wire, so that the client stops as canceled, not for a body that broke off; the
    // caller's body last, so that its failure finds the wire already ended as canceled.
    Transport<?> transport = startedTransport;
    if (transport != null) cancel(transport);
    BodyPipe current = pipe;
    if (current != null) current.abort(new InterruptedIOException("canceled"));
    BodyWriter body = startedBody;
    if (body != null) cancel(body);
  }

  /**
   * Starts the exchange's one execution with {@code body} and {@code transport}, recorded for
   * {@link #cancel}. A cancel that came before they were recorded found nothing to cancel: it is
   * checked after, so that one of the two sees the other; a cancel seen by both runs twice, which
   * an idempotent cancel allows.
   */
  private void start(BodyWriter body, Transport<?> transport) {
    requireNonNull(body, "body == null");
    requireNonNull(transport, "transport == null");
    synchronized (this) {
      Checks.requireState(!executed, "an exchange executes once");
      executed = true;
    }
    startedTransport = transport;
    startedBody = body;
    if (canceled) {
      cancel(transport);
      cancel(body);
    }
  }

  private static void cancel(Transport<?> transport) {
    try {
      transport.cancel();
    } catch (RuntimeException e) {
      // Transport.cancel must not throw. Where it does, the cancel goes on: a throw would reach the
      // caller's own cancel (Future.cancel, a Reactor cancel) and leave the body unstopped.
      LOGGER.log(Level.WARNING, "Transport.cancel of " + transport + " threw; ignored", e);
    }
  }

  private static void cancel(BodyWriter body) {
    try {
      body.cancel();
    } catch (RuntimeException e) {
      // BodyWriter.cancel must not throw; as for the transport's, the cancel goes on.
      LOGGER.log(Level.WARNING, "BodyWriter.cancel of " + body + " threw; ignored", e);
    }
  }

  /**
   * Sends the request through {@code transport} with the body {@code body} writes, as the policy
   * says, and returns the response the caller gets.
   *
   * @param body writes the caller's body; run exactly once, on this thread
   * @param repeatable whether the caller's body claims it can be written again with the same bytes
   *     (OkHttp's {@code !isOneShot()}, HttpCore's {@code isRepeatable()}). A claim is never
   *     trusted on its own: a body written again is sent only if its bytes match the first send's.
   *     The resend of a body that is not repeatable is itself one-shot.
   * @throws BodyTooLargeException in {@link GuardMode#PREBUFFER} (or after {@link
   *     #lengthDeclared()}) only, for a body over the buffering limit; nothing was sent
   * @throws InterruptedIOException if the exchange was canceled
   * @throws IOException from the transport, as the client would throw it; from the caller's body;
   *     or, in {@link GuardMode#PREBUFFER}, from the spill file, when the body could not be frozen
   *     (nothing was sent, and the listener heard {@link GiveUpReason#FREEZE_FAILED})
   */
  public <R> R execute(BodyWriter body, boolean repeatable, Transport<R> transport)
      throws IOException {
    start(body, transport);
    FirstWrite first = firstWrite(repeatable, transport);
    try {
      writeRest(first, body, transport);
      if (!first.streaming()) return sendFrozenFirst(frozenReadAhead(first), repeatable, transport);
      return afterStream(first, body, repeatable, transport);
    } finally {
      first.release();
    }
  }

  /**
   * Runs {@link #execute} on a thread of the guard's, for clients whose callers must not block: the
   * caller's body, disk and digests run there. A {@link NonBlockingBodyWriter} is first read ahead
   * on this thread, in steps that never block, as far as they go; one that ends there is frozen,
   * its digest computed and the listener told, and it goes to {@link Transport#sendAsync} from this
   * thread, with no hop. A body frozen in memory goes with {@link Transport#sendAsync}, so that no
   * thread waits for its response: the future completes on the thread that completes the
   * transport's. Canceling the future cancels the exchange.
   */
  public <R> CompletableFuture<R> executeAsync(
      BodyWriter body, boolean repeatable, Transport<R> transport) {
    requireNonNull(body, "body == null");
    requireNonNull(transport, "transport == null");
    CompletableFuture<R> result = new CompletableFuture<>();
    try {
      start(body, transport);
    } catch (IllegalStateException e) {
      result.completeExceptionally(e); // executed already: the caller hears it as any failure
      return result;
    }
    if (body instanceof NonBlockingBodyWriter) {
      executeStepped(result, (NonBlockingBodyWriter) body, repeatable, transport);
      return result;
    }
    Future<?> task =
        LengthGuard.EXECUTOR.submit(
            () -> {
              try {
                FirstWrite first = writeFirst(body, repeatable, transport);
                executeInto(result, first, body, repeatable, transport);
              } catch (Throwable e) {
                result.completeExceptionally(e);
              }
            });
    result.whenComplete(
        (r, e) -> {
          if (e instanceof CancellationException) {
            cancel();
            task.cancel(false);
          }
        });
    return result;
  }

  /**
   * Reads a body that never blocks ahead on this thread for as long as it gives bytes: one that
   * ends within the read-ahead in memory is sent from here, with no hop to a thread of the guard's.
   * The rest of any other body is written, and the exchange run, on a guard thread. That task is
   * never dropped, even for a cancel: it releases what the steps read ahead.
   */
  private <R> void executeStepped(
      CompletableFuture<R> result,
      NonBlockingBodyWriter body,
      boolean repeatable,
      Transport<R> transport) {
    result.whenComplete(
        (r, e) -> {
          if (e instanceof CancellationException) cancel();
        });
    FirstWrite first;
    try {
      first = firstWrite(repeatable, transport);
      boolean ended;
      try {
        ended = first.writeReady(body);
      } catch (Throwable e) {
        bodyFailed(first, e, transport); // not streaming: always throws
        throw e;
      }
      if (ended) {
        first.end();
        executeInto(result, first, body, repeatable, transport);
        return;
      }
    } catch (Throwable e) {
      result.completeExceptionally(e);
      return;
    }
    try {
      LengthGuard.EXECUTOR.execute(
          () -> {
            try {
              writeRest(first, body, transport);
              executeInto(result, first, body, repeatable, transport);
            } catch (Throwable e) {
              result.completeExceptionally(e);
            }
          });
    } catch (RuntimeException | Error e) {
      first.failed();
      first.release();
      result.completeExceptionally(e);
    }
  }

  /**
   * Completes {@code result} from a first write that ended: a streamed body's outcome, or a body
   * frozen in memory handed to {@link Transport#sendAsync}.
   */
  private <R> void executeInto(
      CompletableFuture<R> result,
      FirstWrite first,
      BodyWriter body,
      boolean repeatable,
      Transport<R> transport)
      throws IOException {
    boolean handedOff = false;
    try {
      // The budget is given back before the caller hears the outcome, as execute returns after it.
      if (first.streaming()) {
        R response = afterStream(first, body, repeatable, transport);
        first.release();
        result.complete(response);
        return;
      }
      FrozenBody frozen = frozenReadAhead(first);
      if (frozen.inFile()) {
        // Its file is deleted once the response came: not on the thread that completes sendAsync.
        R response = sendFrozenFirst(frozen, repeatable, transport);
        first.release();
        result.complete(response);
        return;
      }
      CompletableFuture<R> sent =
          transport.sendAsync(OutgoingBody.frozen(frozen, digest(frozen), !repeatable, false));
      handedOff = true;
      sent.whenComplete(
          (response, failure) -> {
            first.release();
            if (failure != null) {
              result.completeExceptionally(unwrap(failure));
              return;
            }
            if (result.isCancelled()) {
              transport.discard(response); // the caller gave the call up: nobody takes it
              return;
            }
            try {
              frozenAnswered(transport, response);
              result.complete(response);
            } catch (Throwable e) {
              result.completeExceptionally(e);
            }
          });
      // Canceling the caller's future cancels the client's send, as for a send that blocks.
      result.whenComplete(
          (r, e) -> {
            if (e instanceof CancellationException) sent.cancel(true);
          });
    } finally {
      if (!handedOff) first.release();
    }
  }

  /**
   * Runs the caller's body once into the exchange: read ahead, frozen if it ends within the
   * read-ahead, streamed past it. Throws the body's own failure as the client would have.
   */
  private <R> FirstWrite writeFirst(BodyWriter body, boolean repeatable, Transport<R> transport)
      throws IOException {
    FirstWrite first = firstWrite(repeatable, transport);
    writeRest(first, body, transport);
    return first;
  }

  /** Starts the exchange's one first write, read-ahead or whole as the policy says. */
  private FirstWrite firstWrite(boolean repeatable, Transport<?> transport) {
    FreezeReason reason =
        lengthDeclared ? FreezeReason.CALLER_LENGTH : guard.freezeBeforeSend(origin);
    long limit = reason != null ? policy.buffering().maxBytes() : policy.prebufferBytes();
    boolean whole = reason == FreezeReason.PREBUFFER || reason == FreezeReason.CALLER_LENGTH;
    return new FirstWrite(limit, whole, reason, repeatable, transport);
  }

  /** Runs the caller's body into {@code first} to its end, from where any steps left it. */
  private <R> void writeRest(FirstWrite first, BodyWriter body, Transport<R> transport)
      throws IOException {
    try {
      body.writeTo(first);
      first.end();
    } catch (Throwable e) {
      // Throwable: a checked exception thrown sneakily (Kotlin, Lombok) must end the wire too.
      bodyFailed(first, e, transport); // returns if the guard stopped the body itself: go on
    }
  }

  /**
   * Handles the caller's body failing with {@code e}: throws what the caller gets, or returns if
   * the guard stopped a streamed body itself (the response came, the wire failed, or a cancel), or
   * the client answered the streamed send all the same, and the exchange goes on with that answer.
   * A body that was not streaming always throws.
   */
  private <R> void bodyFailed(FirstWrite first, Throwable e, Transport<R> transport)
      throws IOException {
    first.failed();
    if (!first.streaming()) {
      first.release();
      if (e instanceof BodyTooLargeException && first.tooLarge) {
        guard.bodyTooLarge(origin, (BodyTooLargeException) e);
      }
      if (canceled) throw canceledException(e);
      throw rethrown(e);
    }
    // The wire ends with the body's failure: the client fails the send as without the guard.
    first.pipe().failBody(e);
    if (!first.stopped) {
      Sent<R> sent = first.join();
      if (sent.response != null) {
        // The client answered all the same: its answer came before the body failed, and the bare
        // client returns it too (HttpClient 5's async client releases a producer once an early
        // answer came, and a producer may fail for that). The answer is the outcome; the body
        // stopped, so a 411 is handed back, not resent.
        first.stopped = true;
        return;
      }
      first.release();
      throw rethrown(e);
    }
  }

  /**
   * Returns {@code e} to be thrown as it is: an IOException is returned, anything else thrown here,
   * a checked exception too, as the body threw it sneakily and the bare client would have let it
   * through.
   */
  private static IOException rethrown(Throwable e) {
    if (e instanceof IOException) return (IOException) e;
    throw GuardedExchange.<RuntimeException>sneaky(e);
  }

  @SuppressWarnings("unchecked")
  private static <T extends Throwable> T sneaky(Throwable e) throws T {
    throw (T) e;
  }

  /** Freezes a body that ended within the read-ahead, and tells the listener. */
  private FrozenBody frozenReadAhead(FirstWrite first) throws IOException {
    FrozenBody frozen = first.freezeReadAhead();
    guard.bodyFrozen(
        origin,
        frozen.contentLength(),
        first.reason != null ? first.reason : FreezeReason.READ_AHEAD);
    return frozen;
  }

  private <R> R sendFrozenFirst(FrozenBody frozen, boolean repeatable, Transport<R> transport)
      throws IOException {
    try {
      R response = transport.send(OutgoingBody.frozen(frozen, digest(frozen), !repeatable, false));
      frozenAnswered(transport, response);
      return response;
    } finally {
      release(frozen);
    }
  }

  /** Learns from the answer to a body sent with its exact length. */
  private <R> void frozenAnswered(Transport<R> transport, R response) {
    Boolean multiplexed = transport.multiplexed(response);
    // RFC 9110 §15.5.12: a 411 to an exact Content-Length cannot be fixed by sending it again.
    boolean refused = transport.status(response) == 411;
    // Most answers teach nothing here (HTTP/1.1 with no origin remembered, or a client that does
    // not say): the transport is not asked which origin sent them.
    boolean teaches = multiplexed != null && (multiplexed || guard.remembersMultiplexed());
    if (!refused && !teaches) return;
    Origin answered = answeredBy(transport, response);
    if (teaches) guard.answered(answered, multiplexed);
    if (refused) guard.lengthRefused(answered);
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  private <R> R afterStream(
      FirstWrite first, BodyWriter body, boolean repeatable, Transport<R> transport)
      throws IOException {
    Sent<R> sent = first.join();
    if (sent.failure != null) {
      first.release();
      if (canceled) throw canceledException(sent.failure);
      throw sent.failure;
    }
    R response = sent.response;
    if (canceled) {
      first.release();
      transport.discard(response);
      throw new InterruptedIOException("canceled");
    }
    int status = transport.status(response);
    long taken = first.pipe().taken();
    boolean wholeBodyWent = first.replayed || (!first.stopped && taken == first.count);
    Origin answered = heardFrom(transport, response);
    if (status != 411) {
      first.release();
      if (!wholeBodyWent && status >= 200 && status < 300) {
        guard.bodyNotRead(answered, taken, status);
      }
      return response;
    }
    guard.lengthRequired(answered, false);
    FrozenBody resend;
    try {
      resend = resendBody(first, body, repeatable);
    } catch (Throwable e) {
      transport.discard(response);
      throw e;
    }
    if (resend == null) return response;
    try {
      transport.discard(response);
      guard.resending(origin, resend.contentLength());
      R second = transport.send(OutgoingBody.frozen(resend, digest(resend), !repeatable, true));
      guard.resendAnswered(heardFrom(transport, second), transport.status(second));
      return second;
    } finally {
      release(resend);
    }
  }

  /**
   * Returns the bytes of the first send, frozen for the resend, or null (the listener told why).
   */
  private @Nullable FrozenBody resendBody(FirstWrite first, BodyWriter body, boolean repeatable) {
    if (first.stopped) {
      guard.gaveUp(
          origin,
          GiveUpReason.BODY_LOST,
          "the body was not wholly read on the first send ("
              + first.count
              + " bytes), so it cannot be sent again");
      return null;
    }
    FrozenBody captured = null;
    IOException captureFailure = first.captureFailure;
    if (first.capture != null) {
      try {
        captured = first.capture.freeze();
        first.capture = null;
      } catch (IOException e) {
        first.capture = null;
        captureFailure = e;
      }
    }
    if (captured != null) {
      if (captured.contentLength() != first.count) {
        long held = captured.contentLength();
        captured.close();
        guard.gaveUp(
            origin,
            GiveUpReason.BODY_CHANGED,
            "the capture holds " + held + " bytes but " + first.count + " were written");
        return null;
      }
      guard.bodyFrozen(origin, captured.contentLength(), FreezeReason.LENGTH_REQUIRED);
      return captured;
    }
    if (captureFailure == null && first.overflowed) {
      long max = policy.buffering().maxBytes();
      guard.bodyTooLarge(origin, new BodyTooLargeException(max, first.count));
      guard.gaveUp(
          origin,
          GiveUpReason.TOO_LARGE,
          "the body passed maxBytes (" + max + ") at " + first.count + " bytes while it was sent");
      return null;
    }
    if (!repeatable) {
      guard.gaveUp(
          origin,
          captureFailure != null ? GiveUpReason.FREEZE_FAILED : GiveUpReason.TOO_LARGE,
          captureFailure != null
              ? "the body's copy failed: " + captureFailure
              : "the body was sent without a copy: the memory budget ("
                  + policy.memoryBudget()
                  + ") was spent");
      return null;
    }
    // No copy of the first send: a body that claims to be repeatable is written again, and sent
    // only if its bytes are those of the first send.
    long inMemory = Math.min(first.count, policy.buffering().memoryBytes());
    if (!guard.budget.tryAcquire(inMemory)) {
      guard.gaveUp(
          origin,
          GiveUpReason.TOO_LARGE,
          "writing the body again would pass the memory budget (" + policy.memoryBudget() + ")");
      return null;
    }
    first.reserved += inMemory;
    FrozenBody replay;
    try {
      replay = FrozenBody.write(body, policy.buffering());
    } catch (BodyTooLargeException e) {
      guard.gaveUp(origin, GiveUpReason.TOO_LARGE, e.getMessage());
      return null;
    } catch (Exception e) {
      // Exception, not IOException: a checked one thrown sneakily gives up the resend as well.
      guard.gaveUp(origin, GiveUpReason.FREEZE_FAILED, "writing the body again failed: " + e);
      return null;
    }
    long replayCrc;
    try {
      replayCrc = crc(replay);
    } catch (IOException e) {
      replay.close();
      guard.gaveUp(origin, GiveUpReason.FREEZE_FAILED, String.valueOf(e));
      return null;
    }
    if (replay.contentLength() != first.count || replayCrc != first.crc.getValue()) {
      long length = replay.contentLength();
      replay.close();
      guard.bodyChanged(origin, first.count, length);
      return null;
    }
    guard.bodyFrozen(origin, replay.contentLength(), FreezeReason.LENGTH_REQUIRED);
    return replay;
  }

  /**
   * Returns the origin that sent {@code response}, once it remembered whether that origin answers
   * over a multiplexed protocol.
   */
  private <R> Origin heardFrom(Transport<R> transport, R response) {
    Origin answered = answeredBy(transport, response);
    Boolean multiplexed = transport.multiplexed(response);
    if (multiplexed != null) guard.answered(answered, multiplexed);
    return answered;
  }

  private <R> Origin answeredBy(Transport<R> transport, R response) {
    Origin answered = transport.answeredBy(response);
    return answered != null ? answered : origin;
  }

  private static long crc(FrozenBody body) throws IOException {
    CRC32C crc = new CRC32C();
    body.writeTo(new CrcStream(crc));
    return crc.getValue();
  }

  /** Folds what is written into a checksum. */
  private static final class CrcStream extends OutputStream {
    private final CRC32C crc;

    CrcStream(CRC32C crc) {
      this.crc = crc;
    }

    @Override
    public void write(int b) {
      crc.update(b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      crc.update(b, off, len);
    }
  }

  private @Nullable String digest(FrozenBody body) throws IOException {
    String algorithm = policy.contentDigest();
    return algorithm == null ? null : body.contentDigest(algorithm);
  }

  /**
   * Releases a body the exchange froze once it was sent. A spill file is deleted; bytes in memory
   * are left to the collector, so that a client holding the request can still read them.
   */
  private static void release(FrozenBody body) {
    if (body.inFile()) body.close();
  }

  private static InterruptedIOException canceledException(Throwable cause) {
    InterruptedIOException e = new InterruptedIOException("canceled");
    e.initCause(cause);
    return e;
  }

  /** What the first send's thread brought back: a response, or a failure. */
  private static final class Sent<R> {
    final @Nullable R response;
    final @Nullable IOException failure;

    Sent(@Nullable R response, @Nullable IOException failure) {
      this.response = response;
      this.failure = failure;
    }
  }

  /**
   * The stream the caller's body writes into on its first (and only) run. It reads ahead up to a
   * limit; a body that ends within it is frozen. Past it, the send starts on another thread and
   * each later byte goes to the wire through a {@link BodyPipe} and into the capture for a resend.
   *
   * <p>Written by one thread at a time: the caller's, or for {@link #executeAsync} first the
   * calling thread's steps and then a guard thread, handed over through the executor; {@link
   * #stopped} tells the exception it threw to stop the body from the body's own.
   */
  private final class FirstWrite extends OutputStream {
    private final long limit;
    private final boolean prebuffer;
    final @Nullable FreezeReason reason;
    private final boolean repeatable;
    private final Transport<?> transport;
    private @Nullable SegmentBuffer capture;
    private @Nullable BodyPipe pipe;
    private @Nullable Future<Sent<Object>> sending;
    final CRC32C crc = new CRC32C();
    long count;
    boolean overflowed;
    boolean tooLarge;
    boolean overBudget;
    long reserved;

    /** Of {@link #reserved}, the budget taken ahead for a step that has not written it yet. */
    private long credit;

    /** Whether a step on the calling thread is writing: it must not start the wire. */
    private boolean stepping;

    volatile boolean stopped;
    @Nullable IOException captureFailure;

    /** Why the send could not start: every later write, and the end, throw it. */
    private @Nullable Throwable startFailure;

    /** Counted down when the caller's body ended, whole or not; {@link #bodyFailed} says which. */
    private final CountDownLatch bodyEnded = new CountDownLatch(1);

    private volatile boolean bodyFailed;

    /** Set once the caller's body returned whole, before the wire hears of its end. */
    private volatile boolean bodyWhole;

    /** Set once the capture is dropped or released: a replay then has nothing to read. */
    private volatile boolean copyGone;

    /** Whether the client wrote the body again from the capture: the wire's count is not its. */
    volatile boolean replayed;

    FirstWrite(
        long limit,
        boolean prebuffer,
        @Nullable FreezeReason reason,
        boolean repeatable,
        Transport<?> transport) {
      this.limit = limit;
      this.prebuffer = prebuffer;
      this.reason = reason;
      this.repeatable = repeatable;
      this.transport = transport;
      this.capture = new SegmentBuffer(policy.buffering());
    }

    boolean streaming() {
      return pipe != null;
    }

    BodyPipe pipe() {
      return pipe;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
      java.util.Objects.checkFromIndexSize(offset, length, bytes.length);
      if (startFailure != null) throw GuardedExchange.<RuntimeException>sneaky(startFailure);
      if (canceled || transport.canceled()) throw stop(new InterruptedIOException("canceled"));
      if (pipe == null) {
        if (stepping && length > credit) {
          throw new IllegalStateException(
              "a body's step wrote " + length + " bytes where it was offered " + credit);
        }
        if (length <= limit - count) {
          if (readAhead(bytes, offset, length)) return;
          offset += readAheadTook;
          length -= readAheadTook;
        } else if (prebuffer) {
          tooLarge = true;
          throw new BodyTooLargeException(limit, count + length);
        }
        startStreaming();
        if (length == 0) return;
      }
      BodyPipe wire = pipe;
      count += length;
      crc.update(bytes, offset, length);
      SegmentBuffer kept = keep(bytes, offset, length);
      if (wire.wireClosed()) {
        // The response came or the wire failed: read on only while a resend may need the bytes.
        int status = wire.status();
        if (capture == null || (status != -1 && status != 411)) {
          throw stop(new IOException("the request ended before its body"));
        }
        return;
      }
      try {
        // Bytes the capture holds in memory go to the wire as they are: no copy of them.
        if (kept != null) {
          kept.lendLast(length, wire);
        } else {
          wire.write(bytes, offset, length);
        }
      } catch (IOException e) {
        stopped = true;
        throw e;
      }
    }

    @Override
    public void flush() throws IOException {
      if (pipe != null) pipe.flush();
    }

    @Override
    public void close() {
      // The caller's body may close the stream it was given; its end is when writeTo returns.
    }

    private int readAheadTook;

    /**
     * Reads {@code length} bytes ahead and returns true; returns false if the spill file failed
     * after {@link #readAheadTook} of them (in memory): the body then streams without a copy.
     */
    private boolean readAhead(byte[] bytes, int offset, int length) throws IOException {
      SegmentBuffer held = capture;
      if (!reserve(held, length)) {
        // Over the memory budget: the body goes as the client frames it, without a copy.
        readAheadTook = 0;
        overBudget = true;
        return false;
      }
      long before = held.size();
      try {
        held.write(bytes, offset, length);
        count += length;
        settle(held);
        return true;
      } catch (BodyTooLargeException e) {
        throw new IllegalStateException(e); // not reached: limit <= maxBytes
      } catch (IOException e) {
        if (prebuffer) {
          IOException failure =
              new IOException(
                  "could not hold the body in "
                      + policy.buffering().directory()
                      + " ("
                      + e
                      + "); nothing was sent. Check Buffering.spillToDisk's directory",
                  e);
          guard.gaveUp(origin, GiveUpReason.FREEZE_FAILED, failure.getMessage());
          throw failure;
        }
        readAheadTook = (int) (held.size() - before);
        count += readAheadTook;
        captureFailure = e;
        return false;
      }
    }

    /**
     * Runs {@code body}'s steps into the read-ahead while they give bytes, and returns true if the
     * body ended. The steps are offered what the read-ahead holds in memory, up to {@link
     * #MAX_STEP_BYTES} in all, {@link #STEP_BYTES} at a time taken from the budget before the step
     * runs: none run for a read-ahead under {@link #STEP_BYTES}, and they stop where the budget
     * cannot give the next. Never starts the wire, and never blocks but in the caller's steps.
     */
    boolean writeReady(NonBlockingBodyWriter body) throws IOException {
      long room = Math.min(Math.min(limit, policy.buffering().memoryBytes()), MAX_STEP_BYTES);
      if (room < STEP_BYTES) return false;
      stepping = true;
      try {
        while (true) {
          if (canceled || transport.canceled()) throw stop(new InterruptedIOException("canceled"));
          if (credit == 0) {
            // Under the budget's pressure the rest waits for the guard's thread, which sends it as
            // the budget allows.
            long next = Math.min(STEP_BYTES, room - count);
            if (next == 0 || !guard.budget.tryAcquire(next)) return false;
            reserved += next;
            credit = next;
          }
          long before = count;
          boolean ended = body.writeReady(this, credit);
          if (ended) return true;
          if (count == before) return false;
        }
      } finally {
        stepping = false;
        reserved -= credit;
        guard.budget.release(credit);
        credit = 0;
      }
    }

    /** Takes {@code length} bytes from the budget if {@code held} keeps them in memory. */
    private boolean reserve(SegmentBuffer held, int length) {
      if (!held.inMemory()) return true;
      if (credit >= length) {
        credit -= length; // taken ahead, and counted in reserved already
        return true;
      }
      if (!guard.budget.tryAcquire(length)) return false;
      reserved += length;
      return true;
    }

    /** Gives the budget back once {@code held} moved to its spill file. */
    private void settle(SegmentBuffer held) {
      if (!held.inMemory() && reserved > 0) giveBack();
    }

    /**
     * Copies the bytes into the capture, if one is kept; returns the capture if it holds them in
     * memory, else null.
     */
    private @Nullable SegmentBuffer keep(byte[] bytes, int offset, int length) {
      SegmentBuffer held = capture;
      if (held == null) return null;
      if (!reserve(held, length)) {
        overBudget = true;
        guard.overBudget(origin);
        dropCapture();
        return null;
      }
      try {
        held.write(bytes, offset, length);
        settle(held);
        return held.inMemory() ? held : null;
      } catch (BodyTooLargeException e) {
        overflowed = true;
        dropCapture();
      } catch (IOException e) {
        // The spill file failed: the send goes on, and a 411 is answered with the true cause.
        captureFailure = e;
        dropCapture();
      }
      return null;
    }

    /** Drops the capture, deleting a spill file, and gives its bytes back to the budget. */
    private void dropCapture() {
      copyGone = true;
      SegmentBuffer held = capture;
      capture = null;
      if (held != null) held.discard();
      giveBack();
    }

    /**
     * Gives the bytes the capture reserved back to the budget at once, but for the read-ahead's
     * while the pipe still holds them in memory: those count until the wire has taken them.
     */
    private void giveBack() {
      BodyPipe wire = pipe;
      long stillSending = wire != null ? wire.holdReadAhead(guard.budget, reserved) : 0;
      guard.budget.release(reserved - stillSending);
      reserved = 0;
    }

    @SuppressWarnings("unchecked")
    private void startStreaming() throws IOException {
      SegmentBuffer held = capture;
      // The read-ahead is part of the first send's bytes: fold it into the checksum, from the
      // held segments (or file) themselves, before deciding whether a copy is kept.
      crc.reset();
      try (InputStream in = held.snapshot()) {
        in.transferTo(new CrcStream(crc));
      }
      BodyPipe wire = new BodyPipe(held.snapshot(), count);
      if (overBudget) guard.overBudget(origin);
      // Read ahead to the limit (an origin known to want a length), no copy can hold the body; or
      // the spill file failed, or the memory budget is spent: the body goes on without one.
      boolean noCopy =
          overBudget || captureFailure != null || limit >= policy.buffering().maxBytes();
      if (noCopy) overflowed = captureFailure == null && !overBudget;
      pipe = wire;
      GuardedExchange.this.pipe = wire;
      // What was read ahead is then only the wire's, on its way out: it counts until sent.
      if (noCopy) {
        dropCapture();
      } else {
        // The capture's segments go to the wire as they are: in pieces as large as it takes.
        held.segmentSize(SegmentBuffer.STREAMED_SEGMENT_SIZE);
      }
      if (canceled) wire.abort(new InterruptedIOException("canceled"));
      // A connection of its own where a 411 may leave it half read; not where it would be shared.
      boolean ownConnection = !guard.answersMultiplexed(origin);
      Transport<Object> t = (Transport<Object>) transport;
      boolean expectContinue =
          (policy.expectContinue() || t.continueBeforeStreaming()) && !guard.refusesExpect(origin);
      OutgoingBody outgoing =
          OutgoingBody.streamed(wire, expectContinue, this::oneShot, this::replay, ownConnection);
      try {
        sending =
            LengthGuard.EXECUTOR.submit(
                () -> {
                  try {
                    Object response = sendStreamed(t, outgoing, wire);
                    wire.responded(t.status(response));
                    return new Sent<>(response, null);
                  } catch (IOException e) {
                    wire.abort(e);
                    return new Sent<>(null, e);
                  } catch (RuntimeException | Error e) {
                    IOException failure = new IOException(e);
                    wire.abort(failure);
                    return new Sent<>(null, failure);
                  } finally {
                    wire.closeWire();
                  }
                });
      } catch (RuntimeException | Error e) {
        // No thread to send it (RejectedExecutionException, no memory for one): nothing is
        // streaming, and the caller's body fails with this, even if it swallows it and ends.
        wire.closeWire();
        pipe = null;
        GuardedExchange.this.pipe = null;
        startFailure = e;
        throw e;
      }
    }

    /**
     * Sends the streamed body and returns the answer the exchange decides on. A server or proxy
     * that refuses {@code Expect} answers 417 to a request that works without it (RFC 9110
     * §10.1.1): a 417 to the transport's own {@code Expect}, before the client opened the body, is
     * discarded, and the same body goes once more without {@code Expect}, as the bare client sends
     * it; that send's answer is the one. A 417 after the client took the body, or to the caller's
     * own {@code Expect}, is the answer.
     */
    private Object sendStreamed(Transport<Object> t, OutgoingBody outgoing, BodyPipe wire)
        throws IOException {
      Object response = t.send(outgoing);
      int status = t.status(response);
      if (status != 417
          || canceled
          || t.canceled()
          || !outgoing.mayBeReplacedBy(status, t.addedExpectContinue(outgoing))
          // Last: once taken back, no write of the client's gets a byte of the body.
          || !outgoing.withdraw()) {
        return response;
      }
      guard.expectRefused(answeredBy(t, response));
      t.discard(response);
      return t.send(
          OutgoingBody.streamed(
              wire, false, this::oneShot, this::replay, outgoing.ownConnection()));
    }

    /** Ends a body that wrote nothing past the read-ahead, or hands the end to the wire. */
    void end() {
      if (startFailure != null) throw GuardedExchange.<RuntimeException>sneaky(startFailure);
      // Before the wire hears of the end, so that a client that asks after the response knows it;
      // and a replay waits for no more than this. The wire's wake may run the client on this very
      // thread: java.net.http, hearing the end, may follow a redirect that came already and
      // subscribe the body again, and a replay waiting for an end counted after the wake's return
      // waited for good.
      bodyWhole = true;
      bodyEnded.countDown();
      if (pipe != null) pipe.finish();
    }

    /** Records that the caller's body ended with a failure, or was stopped. */
    void failed() {
      bodyFailed = true;
      bodyEnded.countDown();
    }

    /**
     * Returns true if the client must not write the streamed body again on its own: the caller's
     * body is one-shot, is still being written (a copy may yet be dropped, and the caller's writes
     * must not wait on a second write), failed or was stopped, or no copy of it is kept. Else a
     * second write {@linkplain #replay replays} the copy, which holds the first send's bytes.
     *
     * <p>A client that asks once the wire failed (OkHttp and HttpClient 5 ask before they retry on
     * a new connection) gets its answer when the caller's body ended: its writes no longer wait for
     * the wire and go on into the copy, so the wait is the body's own, and its end says whether the
     * copy holds it all. Asked before the wire failed (a network interceptor that logs bodies), a
     * body still being written is one-shot, so that nothing takes the first stream but the wire.
     */
    private boolean oneShot() {
      if (!repeatable) return true;
      BodyPipe wire = pipe;
      if (!bodyWhole && wire != null && wire.wireClosed()) {
        try {
          bodyEnded.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return true;
        }
      }
      return !bodyWhole || bodyFailed || stopped || copyGone;
    }

    /**
     * Returns the bytes of the first send again, for a client that writes a streamed body a second
     * time within the send (java.net.http, for a redirect or an authentication): from the capture,
     * once the caller's body ended. The capture lives until the send returns.
     */
    private InputStream replay() throws IOException {
      replayed = true;
      // The client gave up the first stream, whether or not it read it to its end: the caller's
      // body must not wait for it, and goes on into the capture.
      pipe.closeWire();
      try {
        bodyEnded.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted waiting for the end of the body");
      }
      SegmentBuffer held = capture;
      if (bodyFailed || held == null) {
        throw new IOException(
            "the request body of unknown length was streamed once, and "
                + (held == null
                    ? "no copy of it was kept (past the buffering limit or the memory budget)"
                    : "it failed or was stopped before its end")
                + ", so it cannot be sent again for the client's redirect, authentication or"
                + " retry; send a body of known length, or use GuardMode.PREBUFFER");
      }
      return held.snapshot();
    }

    FrozenBody freezeReadAhead() throws IOException {
      SegmentBuffer held = capture;
      capture = null;
      return held.freeze();
    }

    @SuppressWarnings("unchecked")
    <R> Sent<R> join() throws InterruptedIOException {
      Future<Sent<Object>> task = sending;
      boolean interrupted = false;
      try {
        while (true) {
          try {
            return (Sent<R>) task.get();
          } catch (InterruptedException e) {
            interrupted = true;
            cancel();
          } catch (ExecutionException e) {
            return new Sent<>(null, new IOException(e.getCause()));
          }
        }
      } finally {
        if (interrupted) Thread.currentThread().interrupt();
      }
    }

    private IOException stop(IOException reason) {
      stopped = true;
      return reason;
    }

    /** Drops the read-ahead and the capture, deleting a spill file. Safe to call more than once. */
    void release() {
      copyGone = true;
      SegmentBuffer held = capture;
      capture = null;
      if (held != null) held.discard();
      guard.budget.release(reserved);
      reserved = 0;
    }
  }

  @Override
  public String toString() {
    return "GuardedExchange{" + method + " " + origin + "}";
  }
}
