package io.lengthguard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

/** The leak check the wire tests rely on can fail: a buffer left unreleased is reported. */
class NettyLeaksTest {
  @Test
  void reportsBufferNeverReleased() {
    assertThat(NettyLeaks.installed()).isTrue();
    assertThat(io.netty.util.ResourceLeakDetector.getLevel())
        .isEqualTo(io.netty.util.ResourceLeakDetector.Level.PARANOID);
    NettyLeaks.collect();
    leak();

    assertThat(NettyLeaks.collect()).anySatisfy(report -> assertThat(report).contains("leaked"));
  }

  private static void leak() {
    ByteBuf buffer = PooledByteBufAllocator.DEFAULT.buffer(64);
    buffer.writeInt(42);
  }
}
