package io.lengthguard;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * How a {@link GuardedExchange} sends one request through a client, and reads what came back. For
 * adapter authors: an adapter implements it once per client, translating an {@link OutgoingBody}
 * into the client's body type and its response into a status code; users never see it.
 *
 * <p>{@link #send} may be called on a thread of the guard's own (while the caller's thread writes a
 * body of unknown length into the exchange), and at most three times per exchange: the first send;
 * one send of the same streamed body without {@code Expect}, after a 417 to the {@code Expect} the
 * adapter added to the first; and one resend after a 411. {@link #cancel()} may be called from any
 * thread. The other methods are called on the thread that called {@link GuardedExchange#execute},
 * or, after {@link #sendAsync}, on the thread that completes its future; about a 417 to a streamed
 * send, on the thread that sent it; one at a time for one exchange.
 *
 * @param <R> the client's response type
 */
public interface Transport<R> {
  /**
   * Sends the request once, with {@code body} as its body, and returns the response once its status
   * is known. Set {@code Content-Length} to {@link OutgoingBody#contentLength()} when it is not -1,
   * and never {@code Transfer-Encoding} with it; let the client frame the body (chunked on
   * HTTP/1.1) when it is -1. Add the headers {@link OutgoingBody#expectContinue()} and {@link
   * OutgoingBody#contentDigest()} ask for, unless the caller set them (or configured the client to
   * add them), and say with {@link #addedExpectContinue} whether the request went with that {@code
   * Expect}. Keep every other header, option and tag of the caller's request.
   *
   * @throws IOException as the client would: nothing is retried by the guard after one
   */
  R send(OutgoingBody body) throws IOException;

  /**
   * Sends as {@link #send} does, but returns at once: for a client that sends from an event loop.
   * {@link GuardedExchange#executeAsync} calls it for the first send of a body frozen in memory, so
   * that no thread waits for that response; the exchange then decides on it (and tells the
   * listener) on the thread that completes the future. The default calls {@link #send} and returns
   * its outcome, complete.
   *
   * @return the response once its status is known, or the failure {@link #send} would throw
   */
  default CompletableFuture<R> sendAsync(OutgoingBody body) {
    try {
      return CompletableFuture.completedFuture(send(body));
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Returns the status code of {@code response}. */
  int status(R response);

  /**
   * Releases {@code response}, which the caller will not get: the 411 that a resend replaces, or
   * the 417 that a send without {@code Expect} replaces. It must close the connection that carried
   * it, not return it to a pool: the server refused the request before processing it (RFC 9110
   * §15.5.12, §15.5.18) and may not have read the body. Must not throw.
   */
  void discard(R response);

  /**
   * Returns true if this client loses an early answer when the server closes the connection while
   * the body is being written (haproxy answers 411 and closes without reading the body), so that a
   * body streamed past the read-ahead should first ask for 100 (Continue) (RFC 9110 §10.1.1): the
   * answer then comes before any byte of the body is written. The exchange then asks for it
   * whatever {@link GuardPolicy#expectContinue()} says ({@link OutgoingBody#expectContinue()}). The
   * default returns false.
   */
  default boolean continueBeforeStreaming() {
    return false;
  }

  /**
   * Returns true if the request that carried {@code body} went with the {@code Expect:
   * 100-continue} that {@link OutgoingBody#expectContinue()} asked for, added by this transport.
   * Returns false if {@code body} asked for none, or the caller's request asks for 100 (Continue)
   * itself (an {@code Expect} field it set, or the client configured to add one), or the client or
   * the protocol left it out (HTTP/2, a client that takes no {@code Expect}). Asked once {@link
   * #send} returned, on the thread that called it.
   *
   * <p>A 417 (Expectation Failed) to the transport's own {@code Expect}, before the client took a
   * byte of the body, is the exchange's to answer: it sends the body once more without {@code
   * Expect}, as the bare client would have sent it, and remembers the origin. A 417 to the caller's
   * own {@code Expect} goes back to the caller. The default returns false: every 417 goes back.
   */
  default boolean addedExpectContinue(OutgoingBody body) {
    return false;
  }

  /**
   * Returns the origin that sent {@code response}, if the client followed a redirect to another
   * one, or null for the origin the exchange sent to. What the guard learns from a 411 is learned
   * for the origin that answered it.
   */
  default @Nullable Origin answeredBy(R response) {
    return null;
  }

  /**
   * Returns {@code TRUE} if {@code response} came over a protocol that carries many exchanges on
   * one connection (HTTP/2, HTTP/3), where a connection of its own is neither needed nor cheap,
   * {@code FALSE} if it came over one that does not (HTTP/1.x), or null if the client does not say.
   * The exchange remembers {@code TRUE} for the origin that answered, and a later streamed body to
   * that origin asks for no connection of its own ({@link OutgoingBody#ownConnection()}); {@code
   * FALSE} forgets it; null teaches nothing, so that a client that cannot tell never undoes what
   * another sharing the guard learned. The default returns null: such a client's streamed bodies
   * ask for a connection of their own unless another client taught otherwise.
   */
  default @Nullable Boolean multiplexed(R response) {
    return null;
  }

  /**
   * Returns true if the caller canceled the call (or its timeout passed): the exchange then stops
   * reading the caller's body and fails with an {@code InterruptedIOException}. Polled while a body
   * is read; the default never cancels.
   */
  default boolean canceled() {
    return false;
  }

  /**
   * Cancels the client's call in flight, and makes any later {@link #send} or {@link #sendAsync}
   * fail canceled. Called by {@link GuardedExchange#cancel()}, from any thread, possibly more than
   * once, and possibly before any send. Must not block, and must not throw. The default does
   * nothing: for a client whose caller cancels the client's call itself, which {@link #canceled()}
   * then reports.
   */
  default void cancel() {}
}
