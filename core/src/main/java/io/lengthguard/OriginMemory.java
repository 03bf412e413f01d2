package io.lengthguard;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Origins the guard learned one thing of (that they want a length, that they refuse {@code
 * Expect}), each until its time to live passes. Lookups take no lock; an insert past the bound
 * evicts expired origins, then the oldest.
 *
 * <p>This class is thread-safe.
 */
final class OriginMemory {
  private final ConcurrentHashMap<Origin, Long> expiries = new ConcurrentHashMap<>();
  private final int maxOrigins;
  private final long ttlNanos;
  private final LongSupplier ticker;

  OriginMemory(int maxOrigins, long ttlNanos, LongSupplier ticker) {
    this.maxOrigins = maxOrigins;
    this.ttlNanos = ttlNanos;
    this.ticker = ticker;
  }

  boolean contains(Origin origin) {
    Long expiry = expiries.get(origin);
    if (expiry == null) return false;
    if (ticker.getAsLong() - expiry >= 0) {
      expiries.remove(origin, expiry);
      return false;
    }
    return true;
  }

  /** Remembers {@code origin} anew; returns true if it was not remembered before. */
  boolean add(Origin origin) {
    boolean fresh = !contains(origin);
    expiries.put(origin, ticker.getAsLong() + ttlNanos);
    if (expiries.size() > maxOrigins) evict(origin);
    return fresh;
  }

  /**
   * Remembers {@code origin} if it is not remembered, or anew once half its time to live passed: an
   * origin remembered lately costs a lookup, with no write and no allocation.
   */
  void renew(Origin origin) {
    Long expiry = expiries.get(origin);
    if (expiry != null && expiry - ticker.getAsLong() > ttlNanos / 2) return;
    add(origin);
  }

  /** Forgets {@code origin}; an origin not remembered costs a lookup. */
  void forget(Origin origin) {
    if (expiries.containsKey(origin)) expiries.remove(origin);
  }

  int size() {
    return expiries.size();
  }

  private synchronized void evict(Origin added) {
    long now = ticker.getAsLong();
    expiries.entrySet().removeIf(e -> now - e.getValue() >= 0);
    while (expiries.size() > maxOrigins) {
      Map.Entry<Origin, Long> oldest = null;
      for (Map.Entry<Origin, Long> e : expiries.entrySet()) {
        // The origin just learned stays even when a coarse clock gave the others the same expiry.
        if (e.getKey().equals(added)) continue;
        if (oldest == null || e.getValue() - oldest.getValue() < 0) oldest = e;
      }
      if (oldest == null) return;
      expiries.remove(oldest.getKey(), oldest.getValue());
    }
  }
}
