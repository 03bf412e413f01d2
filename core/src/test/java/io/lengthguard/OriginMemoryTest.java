package io.lengthguard;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class OriginMemoryTest {
  private final AtomicLong clock = new AtomicLong(-50); // nanoTime may be negative
  private final OriginMemory memory = new OriginMemory(2, 100, clock::get);

  @Test
  void remembersAnOriginUntilItsTimeToLivePasses() {
    memory.add(origin("a"));

    clock.addAndGet(99);
    assertThat(memory.contains(origin("a"))).isTrue();
    clock.addAndGet(1);
    assertThat(memory.contains(origin("a"))).isFalse();
    assertThat(memory.size()).isZero(); // the expired entry was dropped on lookup
  }

  @Test
  void newestOriginStaysWhenTheClockStandsStill() {
    // A coarse clock gives every origin the same expiry: the one just learned must not go.
    memory.add(origin("a"));
    memory.add(origin("b"));
    memory.add(origin("c"));

    assertThat(memory.contains(origin("c"))).isTrue();
    assertThat(memory.size()).isEqualTo(2);
  }

  @Test
  void oldestOriginGoesFirst() {
    memory.add(origin("a"));
    clock.incrementAndGet();
    memory.add(origin("b"));
    clock.incrementAndGet();
    memory.add(origin("c"));

    assertThat(memory.contains(origin("a"))).isFalse();
    assertThat(memory.contains(origin("b"))).isTrue();
    assertThat(memory.contains(origin("c"))).isTrue();
  }

  @Test
  void relearningRenewsAnOrigin() {
    memory.add(origin("a"));
    clock.incrementAndGet();
    memory.add(origin("b"));
    clock.incrementAndGet();
    memory.add(origin("a"));
    clock.incrementAndGet();
    memory.add(origin("c"));

    assertThat(memory.contains(origin("a"))).isTrue();
    assertThat(memory.contains(origin("b"))).isFalse();
    assertThat(memory.contains(origin("c"))).isTrue();
  }

  @Test
  void clockWrappingPastLongMaxStillExpires() {
    clock.set(Long.MAX_VALUE - 10);
    memory.add(origin("a"));

    clock.addAndGet(50); // wraps to negative
    assertThat(memory.contains(origin("a"))).isTrue();
    clock.addAndGet(50);
    assertThat(memory.contains(origin("a"))).isFalse();
  }

  @Test
  void renewingRemembersAnOriginAndRenewsItOnlyOnceHalfItsTimeToLivePassed() {
    memory.renew(origin("a"));
    clock.addAndGet(49);
    memory.renew(origin("a")); // more than half its time to live left: kept as it is
    clock.addAndGet(50);
    assertThat(memory.contains(origin("a"))).isTrue();
    clock.addAndGet(1);
    assertThat(memory.contains(origin("a"))).isFalse();

    memory.renew(origin("a"));
    clock.addAndGet(50);
    memory.renew(origin("a")); // half left: renewed
    clock.addAndGet(99);
    assertThat(memory.contains(origin("a"))).isTrue();
  }

  @Test
  void forgettingDropsAnOrigin() {
    memory.add(origin("a"));
    memory.forget(origin("a"));
    memory.forget(origin("b"));

    assertThat(memory.contains(origin("a"))).isFalse();
    assertThat(memory.size()).isZero();
  }

  private static Origin origin(String host) {
    return Origin.of("http", host, 80);
  }
}
