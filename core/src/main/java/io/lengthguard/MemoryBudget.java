package io.lengthguard;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes one guard's in-flight read-aheads, captures and frozen bodies hold in memory, against
 * the policy's {@linkplain GuardPolicy#memoryBudget() budget}. Spill files do not count.
 *
 * <p>This class is thread-safe and takes no lock.
 */
final class MemoryBudget {
  private final long limit;
  private final AtomicLong used = new AtomicLong();

  MemoryBudget(long limit) {
    this.limit = limit;
  }

  /** Takes {@code bytes} from the budget and returns true, or returns false and takes nothing. */
  boolean tryAcquire(long bytes) {
    while (true) {
      long current = used.get();
      if (bytes > limit - current) return false;
      if (used.compareAndSet(current, current + bytes)) return true;
    }
  }

  void release(long bytes) {
    if (bytes > 0) used.addAndGet(-bytes);
  }

  long used() {
    return used.get();
  }

  long limit() {
    return limit;
  }
}
