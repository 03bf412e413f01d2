package io.lengthguard;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.jspecify.annotations.Nullable;

/**
 * The body a {@link Transport} puts on the wire for one send of a {@link GuardedExchange}: either
 * frozen bytes of exact length, or the caller's body streamed as the client frames it. For adapter
 * authors.
 *
 * <p>A frozen body ({@link #frozen()} not null) may be written any number of times with the same
 * bytes, so a client may send it again for a redirect or its own retry. A streamed body ({@link
 * #contentLength()} -1) can be written once: it is one-shot, and {@link #isOneShot()} says so, so
 * that the client never repeats a request it cannot repeat byte for byte.
 *
 * <p>This class is thread-safe.
 */
public final class OutgoingBody {
  private final @Nullable FrozenBody frozen;
  private final @Nullable BodyPipe pipe;
  private final boolean expectContinue;
  private final @Nullable String contentDigest;
  private final boolean oneShot;
  private final boolean resend;

  private OutgoingBody(
      @Nullable FrozenBody frozen,
      @Nullable BodyPipe pipe,
      boolean expectContinue,
      @Nullable String contentDigest,
      boolean oneShot,
      boolean resend) {
    this.frozen = frozen;
    this.pipe = pipe;
    this.expectContinue = expectContinue;
    this.contentDigest = contentDigest;
    this.oneShot = oneShot;
    this.resend = resend;
  }

  static OutgoingBody frozen(
      FrozenBody frozen, @Nullable String contentDigest, boolean oneShot, boolean resend) {
    return new OutgoingBody(frozen, null, false, contentDigest, oneShot, resend);
  }

  static OutgoingBody streamed(BodyPipe pipe, boolean expectContinue) {
    return new OutgoingBody(null, pipe, expectContinue, null, true, false);
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
   * Returns true if this body can be written only once: a streamed body, or the frozen resend of a
   * caller's one-shot body (the client must not repeat it on its own any more than the original).
   */
  public boolean isOneShot() {
    return oneShot;
  }

  /** Returns true if this is the resend after a 411. */
  public boolean isResend() {
    return resend;
  }

  /**
   * Returns true if the request should carry {@code Expect: 100-continue} (RFC 9110 §10.1.1), so
   * that a server that wants a length answers 411 before any byte of the body is written.
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
   * they are written, so this blocks until they come; writing it a second time throws {@link
   * IllegalStateException}. An {@code IOException} thrown by {@code out} is rethrown, and tells the
   * exchange that the wire failed.
   *
   * @throws IOException from {@code out}, or the caller's own body failure
   */
  public void writeTo(OutputStream out) throws IOException {
    if (frozen != null) {
      frozen.writeTo(out);
    } else {
      pipe.drainTo(out);
    }
  }

  /**
   * Returns a stream of the body's bytes, for clients that pull a body (a frozen body: a new stream
   * each call; a streamed body: one stream, once). The caller closes it.
   */
  public InputStream openStream() throws IOException {
    if (frozen != null) return frozen.openStream();
    return pipe.openStream();
  }

  @Override
  public String toString() {
    return frozen != null
        ? "OutgoingBody{" + frozen.contentLength() + " bytes" + (resend ? ", resend" : "") + "}"
        : "OutgoingBody{streamed}";
  }
}
