package io.lengthguard.micrometer;

import static java.util.Objects.requireNonNull;

import io.lengthguard.GuardListener;
import io.lengthguard.LengthGuard;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;

/**
 * Records LengthGuard's events as Micrometer meters, so that a spike of 411s after a deploy shows
 * on the dashboards a service already has.
 *
 * <pre>{@code
 * GuardPolicy policy = GuardPolicy.builder()
 *     .listener(LengthGuardMetrics.create(registry))
 *     .build();
 * }</pre>
 *
 * <p>The listener registers, on first use of each tag set:
 *
 * <ul>
 *   <li>{@value #EVENTS}, a counter tagged {@code event} ({@code frozen}, {@code length.required},
 *       {@code resent}, {@code recovered}, {@code gave.up}, {@code too.large}, {@code
 *       body.not.read}, {@code framing}, {@code over.budget}), {@code reason} (the {@code
 *       FreezeReason} of {@code frozen}, the {@code GiveUpReason} of {@code gave.up}, the {@code
 *       FindingCode} of {@code framing}, lower-case and dotted like {@code length.refused}; {@code
 *       none} for the other events) and {@code server.address} (the origin's host);
 *   <li>{@value #FROZEN_SIZE}, a distribution summary of the sizes of frozen bodies in bytes,
 *       tagged {@code reason} and {@code server.address}.
 * </ul>
 *
 * <p>{@link #bindLearnedOrigins(MeterRegistry, LengthGuard)} adds the gauge {@value
 * #LEARNED_ORIGINS} for code that holds the {@link LengthGuard} itself; a listener cannot see it.
 *
 * <p>Every meter of one name has the same tag keys, as Prometheus requires. The origin's scheme and
 * port are not tags: an operator alerts on a host, and a port per series would let test servers on
 * random ports fill the bound below. At most {@link #DEFAULT_MAX_SERVER_ADDRESSES} hosts (or the
 * number given to {@link #create(MeterRegistry, int)}) are tagged one by one per listener; the
 * events of the hosts after those are tagged {@code server.address=_OTHER}.
 */
public final class LengthGuardMetrics {
  /** How many {@code server.address} values {@link #create(MeterRegistry)} tags one by one. */
  public static final int DEFAULT_MAX_SERVER_ADDRESSES = 100;

  /** The counter of events. */
  static final String EVENTS = "lengthguard.events";

  /** The distribution summary of frozen body sizes. */
  static final String FROZEN_SIZE = "lengthguard.frozen.size";

  /** The gauge of learned origins. */
  static final String LEARNED_ORIGINS = "lengthguard.origins.learned";

  private LengthGuardMetrics() {}

  /**
   * Returns a listener that records every event in {@code registry}, tagging up to {@value
   * #DEFAULT_MAX_SERVER_ADDRESSES} hosts one by one. Combine it with other listeners through {@link
   * GuardListener#composite}.
   *
   * <p>The listener is thread-safe, and one instance may serve several policies: the bound on hosts
   * is per instance. Once the meters of a tag set exist, recording an event is a map look-up and
   * the meter's own update: no lock, no registration. The listener keeps the meters it registered,
   * so a meter removed from the registry later is not registered again.
   */
  public static GuardListener create(MeterRegistry registry) {
    return create(registry, DEFAULT_MAX_SERVER_ADDRESSES);
  }

  /**
   * Returns a listener that records every event in {@code registry}, tagging up to {@code
   * maxServerAddresses} hosts one by one and the rest {@code _OTHER}; see {@link
   * #create(MeterRegistry)}.
   *
   * @throws IllegalArgumentException if {@code maxServerAddresses} is negative
   */
  public static GuardListener create(MeterRegistry registry, int maxServerAddresses) {
    requireNonNull(registry, "registry == null");
    if (maxServerAddresses < 0) {
      throw new IllegalArgumentException("maxServerAddresses < 0: " + maxServerAddresses);
    }
    return new MeterListener(registry, maxServerAddresses);
  }

  /**
   * Registers the gauge {@value #LEARNED_ORIGINS}: how many origins {@code guard} remembers as
   * wanting a {@code Content-Length} ({@link LengthGuard#learnedOrigins()}, the policy's given ones
   * included). The gauge holds the guard weakly, as Micrometer's gauges do: it does not keep the
   * guard alive, and reads NaN once the guard is gone.
   */
  public static Gauge bindLearnedOrigins(MeterRegistry registry, LengthGuard guard) {
    return bindLearnedOrigins(registry, guard, Tags.empty());
  }

  /**
   * Registers the gauge {@value #LEARNED_ORIGINS} for {@code guard} with {@code tags}, which tell
   * guards apart when a registry has more than one: Micrometer keeps the first gauge of a name and
   * tag set and returns it for later registrations. See {@link #bindLearnedOrigins(MeterRegistry,
   * LengthGuard)}.
   */
  public static Gauge bindLearnedOrigins(
      MeterRegistry registry, LengthGuard guard, Iterable<Tag> tags) {
    requireNonNull(registry, "registry == null");
    requireNonNull(guard, "guard == null");
    requireNonNull(tags, "tags == null");
    return Gauge.builder(LEARNED_ORIGINS, guard, LengthGuard::learnedOrigins)
        .description("Origins LengthGuard remembers as wanting a Content-Length")
        .tags(tags)
        .register(registry);
  }
}
