package io.lengthguard.it;

import io.lengthguard.FreezeReason;
import io.lengthguard.GuardCounters;
import io.lengthguard.GuardCounters.Event;

/**
 * The guard's events during one exchange, as a counting listener saw them: what a cell asserts
 * besides the bytes. Any give-up or body over the limit shows here too, so an equality check
 * against one of the constants proves that nothing else happened.
 */
record GuardEvents(
    long lengthRequired,
    long frozenBeforeSend,
    long frozenForLearnedOrigin,
    long frozenForResend,
    long resent,
    long recovered,
    long gaveUp,
    long bodyTooLarge,
    long frozenReadAhead) {

  /** A body of known length: the guard stays out. */
  static final GuardEvents NONE = new GuardEvents(0, 0, 0, 0, 0, 0, 0, 0, 0);

  /** {@code PREBUFFER}: frozen before the first send, which had its length: no 411. */
  static final GuardEvents PREBUFFERED = new GuardEvents(0, 1, 0, 0, 0, 0, 0, 0, 0);

  /** One 411 to the chunked first send, then one resend with the frozen body: recovered. */
  static final GuardEvents RESENT_AFTER_411 = new GuardEvents(1, 0, 0, 1, 1, 1, 0, 0, 0);

  /** {@code ADAPTIVE} after a 411 from the origin: frozen before the first send, no 411. */
  static final GuardEvents FROZEN_FOR_LEARNED_ORIGIN = new GuardEvents(0, 0, 1, 0, 0, 0, 0, 0, 0);

  /** The body ended within the read-ahead: sent once with its length, no 411. */
  static final GuardEvents READ_AHEAD = new GuardEvents(0, 0, 0, 0, 0, 0, 0, 0, 1);

  /** Returns the counts in {@code counters} so far. */
  static GuardEvents of(GuardCounters counters) {
    GuardCounters.Snapshot snapshot = counters.snapshot();
    return new GuardEvents(
        snapshot.count(Event.LENGTH_REQUIRED),
        snapshot.frozen(FreezeReason.PREBUFFER),
        snapshot.frozen(FreezeReason.LEARNED_ORIGIN),
        snapshot.frozen(FreezeReason.LENGTH_REQUIRED),
        snapshot.count(Event.RESENT),
        snapshot.count(Event.RECOVERED),
        snapshot.count(Event.GAVE_UP),
        snapshot.count(Event.BODY_TOO_LARGE),
        snapshot.frozen(FreezeReason.READ_AHEAD));
  }

  /** Returns the events since {@code earlier}, a reading of the same counters. */
  GuardEvents since(GuardEvents earlier) {
    return new GuardEvents(
        lengthRequired - earlier.lengthRequired,
        frozenBeforeSend - earlier.frozenBeforeSend,
        frozenForLearnedOrigin - earlier.frozenForLearnedOrigin,
        frozenForResend - earlier.frozenForResend,
        resent - earlier.resent,
        recovered - earlier.recovered,
        gaveUp - earlier.gaveUp,
        bodyTooLarge - earlier.bodyTooLarge,
        frozenReadAhead - earlier.frozenReadAhead);
  }
}
