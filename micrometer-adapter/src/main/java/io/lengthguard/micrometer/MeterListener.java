package io.lengthguard.micrometer;

import io.lengthguard.FindingCode;
import io.lengthguard.FramingFinding;
import io.lengthguard.FreezeReason;
import io.lengthguard.GiveUpReason;
import io.lengthguard.GuardListener;
import io.lengthguard.Origin;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.BaseUnits;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The listener {@link LengthGuardMetrics#create} returns. Each (event, reason) pair is one series
 * index; each host has an array of meters by index, filled on first use.
 *
 * <p>This class is thread-safe.
 */
final class MeterListener implements GuardListener {
  static final String OTHER = "_OTHER";
  static final String NONE = "none";

  private static final FreezeReason[] FREEZE_REASONS = FreezeReason.values();
  private static final GiveUpReason[] GIVE_UP_REASONS = GiveUpReason.values();
  private static final FindingCode[] CODES = FindingCode.values();

  // Series indexes: an event without a reason takes one, an event with reasons one per reason.
  private static final int FROZEN = 0;
  private static final int LENGTH_REQUIRED = FROZEN + FREEZE_REASONS.length;
  private static final int RESENT = LENGTH_REQUIRED + 1;
  private static final int RECOVERED = RESENT + 1;
  private static final int GAVE_UP = RECOVERED + 1;
  private static final int TOO_LARGE = GAVE_UP + GIVE_UP_REASONS.length;
  private static final int BODY_NOT_READ = TOO_LARGE + 1;
  private static final int FRAMING = BODY_NOT_READ + 1;
  private static final int OVER_BUDGET = FRAMING + CODES.length;
  private static final int SERIES = OVER_BUDGET + 1;

  private static final String[] EVENT_TAG = new String[SERIES];
  private static final String[] REASON_TAG = new String[SERIES];

  static {
    name(FROZEN, "frozen", FREEZE_REASONS);
    name(LENGTH_REQUIRED, "length.required");
    name(RESENT, "resent");
    name(RECOVERED, "recovered");
    name(GAVE_UP, "gave.up", GIVE_UP_REASONS);
    name(TOO_LARGE, "too.large");
    name(BODY_NOT_READ, "body.not.read");
    name(FRAMING, "framing", CODES);
    name(OVER_BUDGET, "over.budget");
  }

  private final MeterRegistry registry;
  private final int maxServerAddresses;
  private final ConcurrentHashMap<String, AddressMeters> addresses = new ConcurrentHashMap<>();
  // Set once maxServerAddresses hosts are tagged: hosts are never untagged, so it stays set.
  private volatile boolean addressesFull;
  private final AddressMeters other = new AddressMeters(OTHER);

  MeterListener(MeterRegistry registry, int maxServerAddresses) {
    this.registry = registry;
    this.maxServerAddresses = maxServerAddresses;
  }

  private static void name(int series, String event) {
    EVENT_TAG[series] = event;
    REASON_TAG[series] = NONE;
  }

  private static void name(int first, String event, Enum<?>[] reasons) {
    for (Enum<?> reason : reasons) {
      EVENT_TAG[first + reason.ordinal()] = event;
      REASON_TAG[first + reason.ordinal()] = tagValue(reason);
    }
  }

  /** Returns {@code LENGTH_REFUSED} as {@code length.refused}, the style of Micrometer's tags. */
  static String tagValue(Enum<?> constant) {
    return constant.name().toLowerCase(Locale.ROOT).replace('_', '.');
  }

  @Override
  public void bodyFrozen(Origin origin, long bytes, FreezeReason reason) {
    AddressMeters meters = metersOf(origin);
    meters.counter(FROZEN + reason.ordinal()).increment();
    meters.frozenSize(reason).record(bytes);
  }

  @Override
  public void lengthRequired(Origin origin, boolean lengthSent) {
    metersOf(origin).counter(LENGTH_REQUIRED).increment();
  }

  @Override
  public void resent(Origin origin, long bytes) {
    metersOf(origin).counter(RESENT).increment();
  }

  @Override
  public void recovered(Origin origin, int status) {
    metersOf(origin).counter(RECOVERED).increment();
  }

  @Override
  public void gaveUp(Origin origin, GiveUpReason reason, String detail) {
    metersOf(origin).counter(GAVE_UP + reason.ordinal()).increment();
  }

  @Override
  public void bodyTooLarge(Origin origin, long limit, long bytesRead) {
    metersOf(origin).counter(TOO_LARGE).increment();
  }

  @Override
  public void bodyNotRead(Origin origin, long bytesWritten, int status) {
    metersOf(origin).counter(BODY_NOT_READ).increment();
  }

  @Override
  public void overBudget(Origin origin, long budget) {
    metersOf(origin).counter(OVER_BUDGET).increment();
  }

  @Override
  public void framingFinding(Origin origin, FramingFinding finding) {
    metersOf(origin).counter(FRAMING + finding.code().ordinal()).increment();
  }

  private AddressMeters metersOf(Origin origin) {
    String host = origin.host();
    AddressMeters meters = addresses.get(host);
    if (meters != null) return meters;
    if (addressesFull) return other;
    // A new host: one at a time, so that a host sent to _OTHER is never tagged on its own later
    // (racing reservations that were given back let one in after its first events were counted).
    synchronized (addresses) {
      meters = addresses.get(host);
      if (meters != null) return meters;
      if (addresses.size() >= maxServerAddresses) {
        addressesFull = true;
        return other;
      }
      meters = new AddressMeters(host);
      addresses.put(host, meters);
      return meters;
    }
  }

  @Override
  public String toString() {
    return "LengthGuardMetrics{maxServerAddresses="
        + maxServerAddresses
        + ", serverAddresses="
        + addresses.size()
        + "}";
  }

  /** The meters of one {@code server.address} value, registered on first use. */
  private final class AddressMeters {
    private final String address;
    private final AtomicReferenceArray<Counter> counters = new AtomicReferenceArray<>(SERIES);
    private final AtomicReferenceArray<DistributionSummary> sizes =
        new AtomicReferenceArray<>(FREEZE_REASONS.length);

    AddressMeters(String address) {
      this.address = address;
    }

    Counter counter(int series) {
      Counter counter = counters.get(series);
      if (counter != null) return counter;
      // Racing threads get the same meter back: the registry keeps one per name and tags.
      counter =
          Counter.builder(LengthGuardMetrics.EVENTS)
              .description("LengthGuard's events: bodies frozen, 411s, resends and their outcome")
              .tag("event", EVENT_TAG[series])
              .tag("reason", REASON_TAG[series])
              .tag("server.address", address)
              .register(registry);
      counters.set(series, counter);
      return counter;
    }

    DistributionSummary frozenSize(FreezeReason reason) {
      DistributionSummary summary = sizes.get(reason.ordinal());
      if (summary != null) return summary;
      summary =
          DistributionSummary.builder(LengthGuardMetrics.FROZEN_SIZE)
              .description("Sizes of the request bodies LengthGuard froze")
              .baseUnit(BaseUnits.BYTES)
              .tag("reason", tagValue(reason))
              .tag("server.address", address)
              .register(registry);
      sizes.set(reason.ordinal(), summary);
      return summary;
    }
  }
}
