package io.lengthguard;

/**
 * Receives the guard's events. Every method has an empty default, so a listener overrides only what
 * it needs. Methods are called on the thread that runs the exchange: the caller's, one of the
 * guard's own for async clients, or, for the answer to an async client's body sent with its length,
 * the client's own I/O thread that brought it. They must return quickly.
 *
 * <p>Whatever a listener throws is logged and otherwise ignored, so that a broken listener never
 * fails a call: any exception, and any {@link Error} but a {@link VirtualMachineError} (such as a
 * {@link NoClassDefFoundError} from a metrics library missing at run time). A {@code
 * VirtualMachineError} ({@link OutOfMemoryError}, {@link StackOverflowError}) goes on to the
 * caller. The log has it at {@code WARNING} the first time a listener class throws a given class of
 * throwable from a given method, and at {@code DEBUG} when it does so again.
 *
 * <p>The same events also go to the {@code System.Logger} named {@code io.lengthguard}, with sizes
 * and origins only, never body bytes.
 */
public interface GuardListener {
  /** A listener that does nothing. */
  GuardListener NONE = new GuardListener() {};

  /** A body of {@code bytes} bytes to {@code origin} was frozen, for {@code reason}. */
  default void bodyFrozen(Origin origin, long bytes, FreezeReason reason) {}

  /**
   * {@code origin} answered 411 Length Required; {@code lengthSent} says whether the request
   * carried a {@code Content-Length}.
   */
  default void lengthRequired(Origin origin, boolean lengthSent) {}

  /** The request was sent again with a frozen body of {@code bytes} bytes and its exact length. */
  default void resent(Origin origin, long bytes) {}

  /** The resend got {@code status}, not 411: the guard recovered the request. */
  default void recovered(Origin origin, int status) {}

  /** The guard handed the 411 back to the caller, for {@code reason}; {@code detail} says more. */
  default void gaveUp(Origin origin, GiveUpReason reason, String detail) {}

  /** A body to {@code origin} passed the buffering limit after {@code bytesRead} bytes. */
  default void bodyTooLarge(Origin origin, long limit, long bytesRead) {}

  /**
   * {@code origin} answered {@code status}, a 2xx, before the body of unknown length was wholly
   * written: only {@code bytesWritten} bytes had gone out, so the server did not read the rest
   * (some servers answer 200 to a chunked body they silently drop). The response still goes to the
   * caller; in {@link GuardMode#ADAPTIVE} the origin is remembered as one that wants a length.
   */
  default void bodyNotRead(Origin origin, long bytesWritten, int status) {}

  /**
   * A body of unknown length to {@code origin} was sent as the client frames it, without a capture
   * for a resend, because holding it would pass the policy's {@linkplain GuardPolicy#memoryBudget()
   * memory budget}; a 411 to it goes back to the caller.
   */
  default void overBudget(Origin origin, long budget) {}

  /**
   * A request to {@code origin} has {@code finding} in its framing (see {@link FramingCheck}); one
   * call per finding.
   */
  default void framingFinding(Origin origin, FramingFinding finding) {}

  /**
   * Returns a listener that passes each event to every one of {@code listeners}, in order. When
   * some throw an unchecked exception or an {@link Error}, the others are still called, then the
   * first is rethrown with the later ones suppressed; a {@link VirtualMachineError} is rethrown at
   * once.
   *
   * @throws NullPointerException if {@code listeners} or one of them is null
   */
  static GuardListener composite(GuardListener... listeners) {
    return CompositeListener.of(listeners);
  }
}
