package io.lengthguard;

/**
 * Encodes a {@link CharSequence} as UTF-8 into one exactly sized array, as {@link
 * String#getBytes(java.nio.charset.Charset)} does: an unpaired surrogate becomes {@code '?'}.
 */
final class Utf8 {
  private Utf8() {}

  static long encodedLength(CharSequence text) {
    long length = 0;
    int n = text.length();
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        length += 1;
      } else if (c < 0x800) {
        length += 2;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < n
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        length += 4;
        i++;
      } else if (Character.isSurrogate(c)) {
        length += 1; // '?'
      } else {
        length += 3;
      }
    }
    return length;
  }

  static byte[] encode(CharSequence text) {
    long size = encodedLength(text);
    if (size > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "text encodes to " + size + " bytes: too large for an array");
    }
    byte[] out = new byte[(int) size];
    int p = 0;
    int n = text.length();
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        out[p++] = (byte) c;
      } else if (c < 0x800) {
        out[p++] = (byte) (0xc0 | (c >> 6));
        out[p++] = (byte) (0x80 | (c & 0x3f));
      } else if (Character.isHighSurrogate(c)
          && i + 1 < n
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, text.charAt(++i));
        out[p++] = (byte) (0xf0 | (cp >> 18));
        out[p++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
        out[p++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
        out[p++] = (byte) (0x80 | (cp & 0x3f));
      } else if (Character.isSurrogate(c)) {
        out[p++] = '?';
      } else {
        out[p++] = (byte) (0xe0 | (c >> 12));
        out[p++] = (byte) (0x80 | ((c >> 6) & 0x3f));
        out[p++] = (byte) (0x80 | (c & 0x3f));
      }
    }
    return out;
  }
}
