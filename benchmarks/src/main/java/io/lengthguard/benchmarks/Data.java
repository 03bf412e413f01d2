package io.lengthguard.benchmarks;

import java.nio.charset.StandardCharsets;
import java.util.Random;

/** Deterministic benchmark inputs: the same bytes and text in every fork and every run. */
final class Data {
  private Data() {}

  /** Returns {@code size} pseudo-random bytes, the same for the same size. */
  static byte[] bytes(int size) {
    byte[] result = new byte[size];
    new Random(size).nextBytes(result);
    return result;
  }

  /**
   * Returns text that encodes to exactly {@code utf8Bytes} bytes of UTF-8: {@code pattern}
   * repeated, then ASCII where the next code point would not fit.
   */
  static String text(String pattern, int utf8Bytes) {
    StringBuilder text = new StringBuilder(utf8Bytes);
    int[] codePoints = pattern.codePoints().toArray();
    int size = 0;
    for (int i = 0; ; i = (i + 1) % codePoints.length) {
      int codePoint = codePoints[i];
      int n = utf8Length(codePoint);
      if (size + n > utf8Bytes) break;
      text.appendCodePoint(codePoint);
      size += n;
    }
    while (size < utf8Bytes) {
      text.append('.');
      size++;
    }
    String result = text.toString();
    if (result.getBytes(StandardCharsets.UTF_8).length != utf8Bytes) {
      throw new IllegalStateException("text is not " + utf8Bytes + " bytes of UTF-8");
    }
    return result;
  }

  private static int utf8Length(int codePoint) {
    if (codePoint < 0x80) return 1;
    if (codePoint < 0x800) return 2;
    if (codePoint < 0x10000) return 3;
    return 4;
  }
}
