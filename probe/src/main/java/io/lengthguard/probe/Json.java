package io.lengthguard.probe;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** The little JSON the probe writes: string quoting by RFC 8259 §7. */
final class Json {
  private Json() {}

  /** Returns {@code text} as a JSON string literal, or {@code null}. */
  static String quote(@Nullable String text) {
    if (text == null) return "null";
    StringBuilder out = new StringBuilder(text.length() + 2).append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        case '\b':
          out.append("\\b");
          break;
        case '\f':
          out.append("\\f");
          break;
        default:
          // Control characters must be escaped; U+2028/9 too, for readers that eval JavaScript.
          if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
            out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            out.append(c);
          }
      }
    }
    return out.append('"').toString();
  }
}
