package io.lengthguard;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * A listener that counts the guard's events, in total, per origin and per reason, and the framing
 * findings per code, so that a metrics system can read them and a user can alert on a spike of 411s
 * or findings. It has no dependencies: read a {@link #snapshot()} from a gauge or a function
 * counter.
 *
 * <pre>{@code
 * GuardCounters counters = GuardCounters.create();
 * GuardPolicy policy =
 *     GuardPolicy.builder().listener(GuardListener.composite(counters, myListener)).build();
 * ...
 * long refused = counters.snapshot().count(GuardCounters.Event.LENGTH_REQUIRED);
 * }</pre>
 *
 * <p>At most {@link #maxOrigins()} origins are counted one by one; events of the origins after
 * those are counted together, under {@link Snapshot#otherOrigins(Event)}, so that memory stays
 * bounded however many hosts a client calls. Counts only grow.
 *
 * <p>This class is thread-safe: counting takes no lock. Its methods and the snapshot's throw {@link
 * NullPointerException} for a null event, reason or code, and nothing else.
 */
public final class GuardCounters implements GuardListener {
  /**
   * How many origins {@link #create()} counts one by one: as many as a default policy remembers.
   */
  public static final int DEFAULT_MAX_ORIGINS = 1024;

  /** The events counted, one per {@link GuardListener} method. */
  public enum Event {
    /** {@link GuardListener#bodyFrozen}. */
    BODY_FROZEN,
    /** {@link GuardListener#lengthRequired}: a 411 Length Required arrived. */
    LENGTH_REQUIRED,
    /** {@link GuardListener#resent}. */
    RESENT,
    /** {@link GuardListener#recovered}. */
    RECOVERED,
    /** {@link GuardListener#gaveUp}: a 411 was handed back to the caller. */
    GAVE_UP,
    /** {@link GuardListener#bodyTooLarge}. */
    BODY_TOO_LARGE,
    /** {@link GuardListener#framingFinding}: one per finding. */
    FRAMING_FINDING,
    /** {@link GuardListener#bodyNotRead}: a 2xx came before the body was wholly written. */
    BODY_NOT_READ,
    /** {@link GuardListener#overBudget}: sent without a capture, over the memory budget. */
    OVER_BUDGET,
  }

  private static final Event[] EVENTS = Event.values();
  private static final FreezeReason[] FREEZE_REASONS = FreezeReason.values();
  private static final GiveUpReason[] GIVE_UP_REASONS = GiveUpReason.values();
  private static final FindingCode[] CODES = FindingCode.values();

  private final int maxOrigins;
  private final LongAdder[] totals = adders(EVENTS.length);
  private final LongAdder[] frozen = adders(FREEZE_REASONS.length);
  private final LongAdder[] gaveUp = adders(GIVE_UP_REASONS.length);
  private final LongAdder[] findings = adders(CODES.length);
  private final ConcurrentHashMap<Origin, AtomicLongArray> origins = new ConcurrentHashMap<>();
  private final AtomicInteger originSlots = new AtomicInteger();
  private final AtomicLongArray otherOrigins = new AtomicLongArray(EVENTS.length);

  private GuardCounters(int maxOrigins) {
    this.maxOrigins = maxOrigins;
  }

  /** Returns counters that count up to {@value #DEFAULT_MAX_ORIGINS} origins one by one. */
  public static GuardCounters create() {
    return new GuardCounters(DEFAULT_MAX_ORIGINS);
  }

  /**
   * Returns counters that count up to {@code maxOrigins} origins one by one.
   *
   * @throws IllegalArgumentException if {@code maxOrigins} is negative
   */
  public static GuardCounters create(int maxOrigins) {
    Checks.requireArgument(maxOrigins >= 0, "maxOrigins < 0: %s", maxOrigins);
    return new GuardCounters(maxOrigins);
  }

  /** Returns how many origins are counted one by one. */
  public int maxOrigins() {
    return maxOrigins;
  }

  /** Returns the counts so far. Each count is read once, while events may still arrive. */
  public Snapshot snapshot() {
    Map<Origin, long[]> byOrigin = new HashMap<>();
    origins.forEach((origin, counts) -> byOrigin.put(origin, read(counts)));
    return new Snapshot(
        sums(totals), sums(frozen), sums(gaveUp), sums(findings), byOrigin, read(otherOrigins));
  }

  @Override
  public void bodyFrozen(Origin origin, long bytes, FreezeReason reason) {
    count(origin, Event.BODY_FROZEN);
    frozen[reason.ordinal()].increment();
  }

  @Override
  public void lengthRequired(Origin origin, boolean lengthSent) {
    count(origin, Event.LENGTH_REQUIRED);
  }

  @Override
  public void resent(Origin origin, long bytes) {
    count(origin, Event.RESENT);
  }

  @Override
  public void recovered(Origin origin, int status) {
    count(origin, Event.RECOVERED);
  }

  @Override
  public void gaveUp(Origin origin, GiveUpReason reason, String detail) {
    count(origin, Event.GAVE_UP);
    gaveUp[reason.ordinal()].increment();
  }

  @Override
  public void bodyTooLarge(Origin origin, long limit, long bytesRead) {
    count(origin, Event.BODY_TOO_LARGE);
  }

  @Override
  public void bodyNotRead(Origin origin, long bytesWritten, int status) {
    count(origin, Event.BODY_NOT_READ);
  }

  @Override
  public void overBudget(Origin origin, long budget) {
    count(origin, Event.OVER_BUDGET);
  }

  @Override
  public void framingFinding(Origin origin, FramingFinding finding) {
    count(origin, Event.FRAMING_FINDING);
    findings[finding.code().ordinal()].increment();
  }

  private void count(Origin origin, Event event) {
    totals[event.ordinal()].increment();
    countsOf(origin).incrementAndGet(event.ordinal());
  }

  private AtomicLongArray countsOf(Origin origin) {
    AtomicLongArray counts = origins.get(origin);
    if (counts != null) return counts;
    // Reserve a slot before inserting, so that racing threads never pass the bound.
    if (originSlots.incrementAndGet() > maxOrigins) {
      originSlots.decrementAndGet();
      return otherOrigins;
    }
    AtomicLongArray fresh = new AtomicLongArray(EVENTS.length);
    AtomicLongArray raced = origins.putIfAbsent(origin, fresh);
    if (raced == null) return fresh;
    originSlots.decrementAndGet();
    return raced;
  }

  private static LongAdder[] adders(int n) {
    LongAdder[] adders = new LongAdder[n];
    for (int i = 0; i < n; i++) adders[i] = new LongAdder();
    return adders;
  }

  private static long[] sums(LongAdder[] adders) {
    long[] sums = new long[adders.length];
    for (int i = 0; i < adders.length; i++) sums[i] = adders[i].sum();
    return sums;
  }

  private static long[] read(AtomicLongArray counts) {
    long[] values = new long[counts.length()];
    for (int i = 0; i < values.length; i++) values[i] = counts.get(i);
    return values;
  }

  @Override
  public String toString() {
    return "GuardCounters{maxOrigins=" + maxOrigins + ", " + snapshot() + "}";
  }

  /**
   * The counts at one moment. Counts are read one by one while events arrive, so one snapshot may,
   * say, hold a resend whose 411 it does not hold yet; a later snapshot never holds less.
   *
   * <p>This class is immutable and thread-safe.
   */
  public static final class Snapshot {
    private final long[] totals;
    private final long[] frozen;
    private final long[] gaveUp;
    private final long[] findings;
    private final Map<Origin, long[]> byOrigin;
    private final long[] otherOrigins;

    private Snapshot(
        long[] totals,
        long[] frozen,
        long[] gaveUp,
        long[] findings,
        Map<Origin, long[]> byOrigin,
        long[] otherOrigins) {
      this.totals = totals;
      this.frozen = frozen;
      this.gaveUp = gaveUp;
      this.findings = findings;
      this.byOrigin = byOrigin;
      this.otherOrigins = otherOrigins;
    }

    /** Returns how many times {@code event} happened, for all origins. */
    public long count(Event event) {
      return totals[event.ordinal()];
    }

    /**
     * Returns how many times {@code event} happened for {@code origin}; 0 if the origin is not
     * among {@link #origins()}.
     */
    public long count(Origin origin, Event event) {
      long[] counts = byOrigin.get(origin);
      return counts == null ? 0 : counts[event.ordinal()];
    }

    /** Returns the origins counted one by one: at most {@link GuardCounters#maxOrigins()}. */
    public Set<Origin> origins() {
      return Set.copyOf(byOrigin.keySet());
    }

    /** Returns how many times {@code event} happened for origins past the bound, together. */
    public long otherOrigins(Event event) {
      return otherOrigins[event.ordinal()];
    }

    /** Returns how many bodies were frozen for {@code reason}. */
    public long frozen(FreezeReason reason) {
      return frozen[reason.ordinal()];
    }

    /** Returns how many 411s were handed back to the caller for {@code reason}. */
    public long gaveUp(GiveUpReason reason) {
      return gaveUp[reason.ordinal()];
    }

    /** Returns how many framing findings had {@code code}. */
    public long findings(FindingCode code) {
      return findings[code.ordinal()];
    }

    /** Returns the counts that are not zero, as {@code name=count}, events first. */
    @Override
    public String toString() {
      StringBuilder out = new StringBuilder("{");
      appendNonZero(out, "", EVENTS, totals);
      appendNonZero(out, "frozen.", FREEZE_REASONS, frozen);
      appendNonZero(out, "gaveUp.", GIVE_UP_REASONS, gaveUp);
      appendNonZero(out, "finding.", CODES, findings);
      if (out.length() > 1) out.append(", ");
      return out.append("origins=").append(byOrigin.size()).append('}').toString();
    }

    private static void appendNonZero(
        StringBuilder out, String prefix, Enum<?>[] names, long[] counts) {
      for (int i = 0; i < counts.length; i++) {
        if (counts[i] == 0) continue;
        if (out.length() > 1) out.append(", ");
        out.append(prefix).append(names[i]).append('=').append(counts[i]);
      }
    }
  }
}
