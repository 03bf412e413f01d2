package io.lengthguard;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * One guard for a client: its policy, the origins it learned want a length ({@link
 * GuardMode#ADAPTIVE}) or refuse {@code Expect: 100-continue}, the memory budget its in-flight
 * bodies share, and the reports of each step to the policy's {@link GuardListener} and to the
 * {@code System.Logger} named {@code io.lengthguard}.
 *
 * <p>Users create one per client, or share one between clients so that they share what it learned,
 * and hand it to an adapter. Adapters drive each request with a body of unknown length through
 * {@link #exchange}: the decisions (read ahead, freeze, capture, resend, learn, release) are made
 * there, once, for every client.
 *
 * <p>This class is thread-safe: one instance serves a whole client.
 */
public final class LengthGuard {
  private static final System.Logger LOGGER = System.getLogger("io.lengthguard");

  /**
   * Runs the sends of bodies streamed past the read-ahead, and {@link
   * GuardedExchange#executeAsync}: daemon threads, made on demand and kept a minute when idle.
   */
  static final ExecutorService EXECUTOR = newExecutor();

  private final GuardPolicy policy;
  private final GuardListener listener;
  private final OriginMemory origins;
  final MemoryBudget budget;

  /**
   * The origins whose last answer came over a protocol that carries many exchanges on one
   * connection (HTTP/2, HTTP/3): their streamed bodies need no connection of their own.
   */
  private final OriginMemory multiplexed;

  /** The origins warned about (data at risk), so that each is warned of once per time to live. */
  private final OriginMemory warned;

  /** The origins that answered 417 to the guard's {@code Expect}: their bodies go without it. */
  private final OriginMemory refuseExpect;

  private LengthGuard(GuardPolicy policy, LongSupplier ticker) {
    this.policy = policy;
    this.listener = policy.listener();
    long ttl = nanos(policy.originTtl());
    this.origins = new OriginMemory(policy.maxOrigins(), ttl, ticker);
    this.warned = new OriginMemory(policy.maxOrigins(), ttl, ticker);
    this.refuseExpect = new OriginMemory(policy.maxOrigins(), ttl, ticker);
    this.budget = new MemoryBudget(policy.memoryBudget());
    this.multiplexed = new OriginMemory(policy.maxOrigins(), ttl, ticker);
  }

  /** Returns how many bytes this guard's in-flight bodies hold in memory now. */
  public long memoryInUse() {
    return budget.used();
  }

  private static ExecutorService newExecutor() {
    AtomicInteger threads = new AtomicInteger();
    return new ThreadPoolExecutor(
        0,
        Integer.MAX_VALUE,
        60,
        TimeUnit.SECONDS,
        new SynchronousQueue<>(),
        task -> {
          Thread thread = new Thread(task, "lengthguard-send-" + threads.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        });
  }

  /**
   * Returns a new exchange for one request with a body of unknown length to {@code origin}. For
   * adapter authors: see {@link GuardedExchange}.
   */
  public GuardedExchange exchange(Origin origin, String method) {
    return new GuardedExchange(
        this, requireNonNull(origin, "origin == null"), requireNonNull(method, "method == null"));
  }

  /** Returns {@code ttl} in nanoseconds; past about 292 years, which is forever here, the most. */
  private static long nanos(Duration ttl) {
    try {
      return ttl.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  /** Returns a guard that follows {@code policy}. */
  public static LengthGuard create(GuardPolicy policy) {
    return new LengthGuard(requireNonNull(policy, "policy == null"), System::nanoTime);
  }

  static LengthGuard create(GuardPolicy policy, LongSupplier ticker) {
    return new LengthGuard(policy, ticker);
  }

  /** Returns this guard's policy. */
  public GuardPolicy policy() {
    return policy;
  }

  /**
   * Returns why a body of unknown length to {@code origin} must be frozen before its first send, or
   * null to send it as the client frames it and watch for a 411.
   */
  @Nullable FreezeReason freezeBeforeSend(Origin origin) {
    requireNonNull(origin, "origin == null");
    switch (policy.mode()) {
      case PREBUFFER:
        return FreezeReason.PREBUFFER;
      case ADAPTIVE:
        return wantsLength(origin) ? FreezeReason.LEARNED_ORIGIN : null;
      default:
        return null;
    }
  }

  /**
   * Returns true if {@code origin} answered 411 within its time to live ({@link
   * GuardMode#ADAPTIVE}).
   */
  public boolean wantsLength(Origin origin) {
    requireNonNull(origin, "origin == null");
    return policy.lengthRequired().contains(origin) || origins.contains(origin);
  }

  /**
   * Returns true if {@code origin}'s last answer within its time to live came over a multiplexed
   * protocol ({@link Transport#multiplexed}).
   */
  boolean answersMultiplexed(Origin origin) {
    return multiplexed.contains(origin);
  }

  /** Returns true if this guard remembers any origin as answering over a multiplexed protocol. */
  boolean remembersMultiplexed() {
    return multiplexed.size() > 0;
  }

  /**
   * Remembers whether {@code origin} answered over a multiplexed protocol: renewed while it does,
   * forgotten at its first answer that did not.
   */
  void answered(Origin origin, boolean overMultiplexed) {
    if (overMultiplexed) {
      multiplexed.renew(origin);
    } else {
      multiplexed.forget(origin);
    }
  }

  /** Returns how many origins this guard remembers as wanting a length, given ones included. */
  public int learnedOrigins() {
    return origins.size() + policy.lengthRequired().size();
  }

  /**
   * Runs {@code writer} once into a frozen body, buffered as the policy says.
   *
   * @throws BodyTooLargeException if the body passes the policy's limit; nothing was kept
   */
  FrozenBody freeze(Origin origin, BodyWriter writer, FreezeReason reason) throws IOException {
    FrozenBody body;
    try {
      body = FrozenBody.write(writer, policy.buffering());
    } catch (BodyTooLargeException e) {
      bodyTooLarge(origin, e);
      throw e;
    }
    bodyFrozen(origin, body.contentLength(), reason);
    return body;
  }

  /**
   * Returns true if a response with {@code status} to a body of unknown length calls for the one
   * resend: a 411 (RFC 9110 §15.5.12) to a request that carried no {@code Content-Length}. Such a
   * 411 is remembered for {@code origin} in {@link GuardMode#ADAPTIVE} mode; a 411 to a request
   * that carried one is not, as it says nothing about wanting a length.
   *
   * @param lengthSent whether the request that got this response carried a {@code Content-Length}
   */
  boolean shouldResend(Origin origin, int status, boolean lengthSent) {
    requireNonNull(origin, "origin == null");
    if (status != 411) return false;
    emitLengthRequired(origin, lengthSent);
    if (lengthSent) {
      // Learning from it would read every later body of unknown length to the origin whole before
      // its first byte, for a 411 that a length does not cure.
      gaveUp(
          origin,
          GiveUpReason.LENGTH_REFUSED,
          "the origin answered 411 to a request with an exact Content-Length");
      return false;
    }
    learn(origin);
    return true;
  }

  void resending(Origin origin, long bytes) {
    LOGGER.log(Level.DEBUG, () -> "resending " + bytes + " bytes with Content-Length to " + origin);
    ListenerCalls.call(listener, "resent", l -> l.resent(origin, bytes));
  }

  /** Records the status the resend got: recovered, or a second 411 handed back to the caller. */
  void resendAnswered(Origin origin, int status) {
    if (status == 411) {
      shouldResend(origin, status, true);
      return;
    }
    LOGGER.log(Level.DEBUG, () -> "recovered from 411 at " + origin + ": resend got " + status);
    ListenerCalls.call(listener, "recovered", l -> l.recovered(origin, status));
  }

  /**
   * Returns the {@code Content-Digest} header value for {@code body} if the policy names an
   * algorithm, or null.
   */
  @Nullable String contentDigest(FrozenBody body) throws IOException {
    String algorithm = policy.contentDigest();
    return algorithm == null ? null : body.contentDigest(algorithm);
  }

  /** Remembers {@code origin} as one that wants a length, in ADAPTIVE; INFO the first time. */
  private void learn(Origin origin) {
    if (policy.mode() != GuardMode.ADAPTIVE || policy.lengthRequired().contains(origin)) return;
    if (origins.add(origin)) {
      LOGGER.log(
          Level.INFO,
          () -> origin + " wants a Content-Length: its bodies of unknown length are frozen first");
    }
  }

  /**
   * Returns true if {@code origin} answered 417 to the guard's {@code Expect: 100-continue} within
   * its time to live: a body streamed to it asks for no 100 (Continue).
   */
  boolean refusesExpect(Origin origin) {
    return refuseExpect.contains(origin);
  }

  /**
   * Remembers {@code origin} as one that refuses {@code Expect} (417, RFC 9110 §10.1.1), in every
   * mode: a body streamed to it within its time to live goes as the bare client sends it, without a
   * 417 round trip first.
   */
  void expectRefused(Origin origin) {
    boolean fresh = refuseExpect.add(origin);
    LOGGER.log(
        Level.DEBUG,
        () ->
            "417 Expectation Failed from "
                + origin
                + " to Expect: 100-continue; the body goes again without it"
                + (fresh ? ", as will later bodies to it" : ""));
  }

  /** A 411 to a request with an exact length: reported, not learned, and handed back. */
  void lengthRefused(Origin origin) {
    shouldResend(origin, 411, true);
  }

  /** A 411 that is not resent; learned only if the request carried no length. */
  void lengthRequired(Origin origin, boolean lengthSent) {
    emitLengthRequired(origin, lengthSent);
    if (!lengthSent) learn(origin);
  }

  void bodyNotRead(Origin origin, long bytesWritten, int status) {
    learn(origin);
    if (warned.add(origin)) {
      LOGGER.log(
          Level.WARNING,
          () ->
              origin
                  + " answered "
                  + status
                  + " after "
                  + bytesWritten
                  + " bytes of a body of unknown length, before the rest was sent: it may have"
                  + " dropped the body. Later bodies to it go with their exact length (ADAPTIVE),"
                  + " or use PREBUFFER");
    } else {
      LOGGER.log(Level.DEBUG, () -> origin + " answered " + status + " before the body was read");
    }
    ListenerCalls.call(listener, "bodyNotRead", l -> l.bodyNotRead(origin, bytesWritten, status));
  }

  void overBudget(Origin origin) {
    LOGGER.log(
        Level.DEBUG,
        () ->
            "body to "
                + origin
                + " sent without a copy: the memory budget ("
                + budget.limit()
                + " bytes) is spent");
    ListenerCalls.call(listener, "overBudget", l -> l.overBudget(origin, budget.limit()));
  }

  void bodyChanged(Origin origin, long firstBytes, long replayBytes) {
    String detail =
        "the body written again differs from the first send ("
            + firstBytes
            + " bytes sent, "
            + replayBytes
            + " written again"
            + (firstBytes == replayBytes ? ", other bytes" : "")
            + "): it is not repeatable, so nothing was resent";
    if (warned.add(origin)) {
      LOGGER.log(Level.WARNING, () -> "411 from " + origin + " handed back: " + detail);
    } else {
      LOGGER.log(Level.DEBUG, () -> "411 from " + origin + " handed back: " + detail);
    }
    ListenerCalls.call(
        listener, "gaveUp", l -> l.gaveUp(origin, GiveUpReason.BODY_CHANGED, detail));
  }

  void bodyFrozen(Origin origin, long bytes, FreezeReason reason) {
    LOGGER.log(Level.DEBUG, () -> "froze " + bytes + " bytes to " + origin + " (" + reason + ")");
    ListenerCalls.call(listener, "bodyFrozen", l -> l.bodyFrozen(origin, bytes, reason));
  }

  void bodyTooLarge(Origin origin, BodyTooLargeException e) {
    LOGGER.log(
        Level.DEBUG,
        () ->
            "body to "
                + origin
                + " passed maxBytes ("
                + e.limit()
                + ") at "
                + e.bytesRead()
                + " bytes");
    ListenerCalls.call(
        listener, "bodyTooLarge", l -> l.bodyTooLarge(origin, e.limit(), e.bytesRead()));
  }

  private void emitLengthRequired(Origin origin, boolean lengthSent) {
    LOGGER.log(
        Level.DEBUG,
        () -> "411 Length Required from " + origin + (lengthSent ? " (length was sent)" : ""));
    ListenerCalls.call(listener, "lengthRequired", l -> l.lengthRequired(origin, lengthSent));
  }

  void gaveUp(Origin origin, GiveUpReason reason, String detail) {
    LOGGER.log(Level.DEBUG, () -> "gave up at " + origin + ": " + reason + ", " + detail);
    ListenerCalls.call(listener, "gaveUp", l -> l.gaveUp(origin, reason, detail));
  }

  @Override
  public String toString() {
    return "LengthGuard{" + policy + ", origins=" + origins.size() + "}";
  }
}
