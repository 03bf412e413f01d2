package io.lengthguard.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;

/** Deterministic test payloads. */
public final class Payloads {
  private Payloads() {}

  /** Returns {@code size} pseudo-random bytes, the same for the same size and seed. */
  public static byte[] bytes(int size, long seed) {
    byte[] result = new byte[size];
    new Random(seed).nextBytes(result);
    return result;
  }

  /** Returns {@code size} pseudo-random bytes seeded by the size. */
  public static byte[] bytes(int size) {
    return bytes(size, size);
  }

  /** Returns a stream of {@code bytes} that returns at most {@code maxRead} bytes per read. */
  public static InputStream trickle(byte[] bytes, int maxRead) {
    return new ByteArrayInputStream(bytes) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        return super.read(b, off, Math.min(len, maxRead));
      }
    };
  }

  /** Returns a stream of {@code size} zero bytes that holds no buffer of that size. */
  public static InputStream zeros(long size) {
    return new InputStream() {
      private long remaining = size;

      @Override
      public int read() {
        if (remaining == 0) return -1;
        remaining--;
        return 0;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        if (remaining == 0) return -1;
        int n = (int) Math.min(len, remaining);
        java.util.Arrays.fill(b, off, off + n, (byte) 0);
        remaining -= n;
        return n;
      }
    };
  }
}
