package io.lengthguard;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The body a {@link Transport} puts on the wire for one send of a {@link GuardedExchange}: either
 * frozen bytes of exact length, or the caller's body streamed as the client frames it. For adapter
 * authors.
 *
 * <p>A frozen body ({@link #frozen()} not null) may be written any number of times with the same
 * bytes, so a client may send it again for a redirect or its own retry. A streamed body ({@link
 * #contentLength()} -1) streams the caller's body as it is written; a later write sends the bytes
 * of the first from the guard's copy, once the caller's body ended, or fails with an {@code
 * IOException} where no copy was kept: never other bytes. Whether a client may write it again on
 * its own (for a redirect, an authentication or a retry) is {@link #isOneShot()}'s answer at the
 * time it asks. A client that writes it again all the same (java.net.http subscribes a body again
 * without asking) gets the same bytes or that {@code IOException}.
 *
 * <p>This class is thread-safe.
 */
public final class OutgoingBody {
  private final @Nullable FrozenBody frozen;
  private final @Nullable BodyPipe pipe;
  private final boolean expectContinue;
  private final @Nullable String contentDigest;
  private final BooleanSupplier oneShot;
  private final boolean resend;
  private final @Nullable Replay replay;
  private final boolean ownConnection;

  /**
   * Who has a streamed body's first write: nobody yet, the client ({@link #OPENED}), or the
   * exchange, which {@link #withdraw took it back} for another send ({@link #WITHDRAWN}).
   */
  private final AtomicInteger first = new AtomicInteger(FRESH);

  private static final int FRESH = 0;
  private static final int OPENED = 1;
  private static final int WITHDRAWN = 2;

  /** Opens the bytes of a streamed body's first write again. */
  interface Replay {
    InputStream open() throws IOException;
  }

  private OutgoingBody(
      @Nullable FrozenBody frozen,
      @Nullable BodyPipe pipe,
      boolean expectContinue,
      @Nullable String contentDigest,
      BooleanSupplier oneShot,
      boolean resend,
      @Nullable Replay replay,
      boolean ownConnection) {
    this.frozen = frozen;
    this.pipe = pipe;
    this.expectContinue = expectContinue;
    this.contentDigest = contentDigest;
    this.oneShot = oneShot;
    this.resend = resend;
    this.replay = replay;
    this.ownConnection = ownConnection;
  }

  static OutgoingBody frozen(
      FrozenBody frozen, @Nullable String contentDigest, boolean oneShot, boolean resend) {
    BooleanSupplier fixed = oneShot ? () -> true : () -> false;
    return new OutgoingBody(frozen, null, false, contentDigest, fixed, resend, null, false);
  }

  /**
   * @param oneShot answers {@link #isOneShot()} each time a client asks: true unless the caller's
   *     body is repeatable, ended whole, and the guard still keeps its copy
   * @param ownConnection answers {@link #ownConnection()}
   */
  static OutgoingBody streamed(
      BodyPipe pipe,
      boolean expectContinue,
      BooleanSupplier oneShot,
      Replay replay,
      boolean ownConnection) {
    return new OutgoingBody(
        null, pipe, expectContinue, null, oneShot, false, replay, ownConnection);
  }

  /** Returns the exact number of bytes {@link #writeTo} writes, or -1 if it is not known. */
  public long contentLength() {
    return frozen != null ? frozen.contentLength() : -1L;
  }

  /** Returns the frozen bytes this body sends, or null if it streams the caller's body. */
  public @Nullable FrozenBody frozen() {
    return frozen;
  }

  /**
   * Returns true if the client must not write this body again on its own (for a redirect, an
   * authentication or a retry): the caller's body is one-shot, so that the client must not repeat
   * it any more than without the guard; or, for a streamed body, the guard cannot write its first
   * send's bytes again.
   *
   * <p>A frozen body answers the same every time. A streamed body's answer is the state at the time
   * of the call, so a client asks when it decides on a follow-up, after the response: it is
   * one-shot while the caller's body is still being written, and once it ended, if it failed or the
   * guard kept no copy of it (past the buffering limit or the memory budget, or the spill file
   * failed); else a later {@link #writeTo} or {@link #openStream()} writes exactly the first send's
   * bytes from the copy. Once the exchange is over and has released its copy, it is one-shot, as is
   * a streamed body the exchange took back to send without {@code Expect} after a 417.
   */
  public boolean isOneShot() {
    // A body the exchange took back goes with another send: this one has nothing to write again.
    return first.get() == WITHDRAWN || oneShot.getAsBoolean();
  }

  /**
   * Returns true if the exchange may replace this send's answer with another send, so that the
   * caller never sees it: true for a streamed body's sends, whose 411 is resent from the guard's
   * copy and whose 417 to the transport's own {@code Expect} is followed by the send without it. A
   * client that hands a response's body to the caller's code as it arrives (java.net.http's body
   * handler) must then hold its body unread until {@link GuardedExchange#execute} returns it, and
   * drop it if the exchange {@linkplain Transport#discard discards} it. Any other send's response
   * is the caller's as it comes.
   */
  public boolean mayBeReplaced() {
    return pipe != null;
  }

  /**
   * Returns true if an answer of {@code status} to this send is one the exchange may replace with
   * another send: a 411 to a streamed body's send, resent from the guard's copy; a 417 to the
   * {@code Expect} this streamed body asked for, where the transport added it ({@code addedExpect},
   * its {@link Transport#addedExpectContinue} answer), followed by the send without it. A transport
   * that holds answers from the caller ({@link #mayBeReplaced()}) holds exactly these, and the
   * exchange replaces no other.
   */
  public boolean mayBeReplacedBy(int status, boolean addedExpect) {
    return pipe != null && (status == 411 || (status == 417 && expectContinue && addedExpect));
  }

  /**
   * Returns true if this send should go on a connection of its own, one that carries no other
   * request before or after it: true for a streamed body's sends (the first, and the one without
   * {@code Expect} after a 417) to an origin not known to answer over a multiplexed protocol; false
   * for a frozen body, for the resend, and for a streamed body to an origin whose last answer came
   * over HTTP/2 or HTTP/3 ({@link Transport#multiplexed}).
   *
   * <p>A server may answer 411 before it read the body, and close the connection without saying so
   * (haproxy does): the resend must not meet that half-read connection in the client's pool. An
   * adapter whose client can close a connection itself does that in {@link Transport#discard}; one
   * that cannot keep a connection from its client's pool (an OkHttp application interceptor) adds
   * {@code Connection: close} (RFC 9112 §9.6) when this is true, unless the caller set a {@code
   * Connection} field or the client refuses the field. Over HTTP/2 that field never reaches the
   * wire, but a client that sees it may retire the connection every other request shares (OkHttp
   * does), and a 411 ends one stream there, not the connection: so a body to an origin known to
   * answer that way does without.
   */
  public boolean ownConnection() {
    return ownConnection;
  }

  /** Returns true if this is the resend after a 411. */
  public boolean isResend() {
    return resend;
  }

  /**
   * Returns true if the request should carry {@code Expect: 100-continue} (RFC 9110 §10.1.1), so
   * that a server that wants a length answers 411 before any byte of the body is written: only a
   * streamed first send asks, where {@link GuardPolicy#expectContinue()} or the transport ({@link
   * Transport#continueBeforeStreaming()}) wants it, and not to an origin that refused {@code
   * Expect} with 417 within its time to live. Add it unless the caller's request asks for 100
   * (Continue) itself, and tell the exchange with {@link Transport#addedExpectContinue}.
   */
  public boolean expectContinue() {
    return expectContinue;
  }

  /** Returns the value of the {@code Content-Digest} header to add (RFC 9530), or null. */
  public @Nullable String contentDigest() {
    return contentDigest;
  }

  /**
   * Writes the body to {@code out}; does not close it. A streamed body takes the caller's bytes as
   * they are written, so this blocks until they come; writing it a second time writes the same
   * bytes from the guard's copy, as {@link #openStream()} says. An {@code IOException} thrown by
   * {@code out} is rethrown, and tells the exchange that the wire failed.
   *
   * @throws IOException from {@code out}; the caller's own body failure; writing a streamed body a
   *     second time, if the guard kept no copy of it; or if the exchange took the streamed body
   *     back for another send before the client opened it
   */
  public void writeTo(OutputStream out) throws IOException {
    if (frozen != null) {
      frozen.writeTo(out);
    } else if (openFirst()) {
      pipe.drainTo(out);
    } else {
      try (InputStream again = replay.open()) {
        again.transferTo(out);
      }
    }
  }

  /**
   * Returns a stream of the body's bytes, for clients that pull a body: a new stream each call. A
   * streamed body's first stream reads the body as the caller writes it; a later one waits for the
   * caller's body to end and reads the same bytes from the guard's copy. The caller closes it.
   *
   * @throws IOException on a streamed body's later call, if the guard kept no copy of the body (it
   *     passed the buffering limit or the memory budget) or the caller's body failed; or if the
   *     exchange took the body back for another send before the client opened it
   */
  public InputStream openStream() throws IOException {
    if (frozen != null) return frozen.openStream();
    if (openFirst()) return pipe.openStream();
    return replay.open();
  }

  /**
   * Opens a streamed body's first write for a client that sends from an event loop (an I/O reactor
   * that must never wait): a {@link Source} that hands over what the caller wrote so far and asks
   * to be called again when there is more. Once per body, as {@link #openStream()}'s first stream.
   *
   * @throws IllegalStateException if this body is frozen (its bytes are all there: send {@link
   *     #frozen()}), or its first write was opened already, or the exchange took the body back for
   *     another send
   */
  public Source openSource() {
    Checks.requireState(frozen == null, "a frozen body has no source: send its frozen bytes");
    int was = first.compareAndExchange(FRESH, OPENED);
    Checks.requireState(was != WITHDRAWN, WITHDRAWN_MESSAGE);
    Checks.requireState(was == FRESH, "a streamed body can be written only once");
    return pipe.openSource();
  }

  private static final String WITHDRAWN_MESSAGE =
      "the body went with another send: the exchange took it back after a 417 to Expect";

  /**
   * Returns true for the call that takes a streamed body's first write; throws if the exchange took
   * the body back.
   */
  private boolean openFirst() throws IOException {
    int was = first.compareAndExchange(FRESH, OPENED);
    if (was == WITHDRAWN) throw new IOException(WITHDRAWN_MESSAGE);
    return was == FRESH;
  }

  /**
   * Takes a streamed body's first write back from the client, for the exchange to send it with
   * another body: returns true if the client never opened it, so that not one byte of it went;
   * every later write or open by the client then fails. Returns false for a frozen body, or one the
   * client opened.
   */
  boolean withdraw() {
    return pipe != null && first.compareAndSet(FRESH, WITHDRAWN);
  }

  /**
   * Where a {@link Source} writes: the client's channel, which may take fewer bytes than offered.
   */
  @FunctionalInterface
  public interface Sink {
    /**
     * Takes up to {@code length} bytes from {@code bytes} at {@code offset}; returns how many. The
     * array is the source's again once this returns: copy what is kept.
     */
    int write(byte[] bytes, int offset, int length) throws IOException;

    /**
     * Takes up to {@code length} bytes that nothing writes again (the guard's own copy of the
     * body): a sink may keep them, and send them later, without a copy. It must not change them.
     * The default {@linkplain #write writes} them.
     */
    default int lend(byte[] bytes, int offset, int length) throws IOException {
      return write(bytes, offset, length);
    }
  }

  /**
   * A streamed body's first write for a client that must never wait. The client calls {@link
   * #writeTo} whenever it can send: the source writes what is queued until the sink takes less than
   * it was offered or nothing is left. Used by one thread at a time.
   */
  public interface Source extends java.io.Closeable {
    /**
     * Writes what the caller wrote so far to {@code sink}; never waits. When it stops for want of
     * bytes, {@code wake} runs once when more are queued: on the caller's thread, or on a guard
     * thread about 10 ms after a few bytes that nothing followed. The client then calls again.
     * Returns true once the whole body was written.
     *
     * @throws IOException the caller's own body failure, or if the body was abandoned; the source
     *     is closed
     */
    boolean writeTo(Sink sink, Runnable wake) throws IOException;

    /**
     * Returns how many bytes {@link #writeTo} would write now without waiting, at least 1 if it
     * would only end the body (or fail it), 0 if it has nothing yet: a client asks for output while
     * this is positive.
     */
    int available();

    /** Abandons the body before its end: the caller's writes stop waiting. Any thread. */
    @Override
    void close();
  }

  @Override
  public String toString() {
    return frozen != null
        ? "OutgoingBody{" + frozen.contentLength() + " bytes" + (resend ? ", resend" : "") + "}"
        : "OutgoingBody{streamed}";
  }
}
