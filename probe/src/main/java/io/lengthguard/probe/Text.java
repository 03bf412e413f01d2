package io.lengthguard.probe;

import java.util.ArrayList;
import java.util.List;

/** Layout for an 80-column terminal. */
final class Text {
  static final int WIDTH = 80;

  private Text() {}

  /**
   * Returns {@code text} broken at spaces into lines of at most {@code width} characters; a word
   * longer than that gets a line of its own.
   */
  static List<String> wrap(String text, int width) {
    List<String> lines = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    for (String word : text.split(" +")) {
      if (word.isEmpty()) continue;
      if (line.length() > 0 && line.length() + 1 + word.length() > width) {
        lines.add(line.toString());
        line.setLength(0);
      }
      if (line.length() > 0) line.append(' ');
      line.append(word);
    }
    if (line.length() > 0 || lines.isEmpty()) lines.add(line.toString());
    return lines;
  }

  /** Returns {@code text} padded with spaces to {@code width}. */
  static String pad(String text, int width) {
    return text.length() >= width ? text : text + " ".repeat(width - text.length());
  }

  /** Returns {@code text} cut to {@code width}, its end marked with "...". */
  static String cut(String text, int width) {
    return text.length() <= width ? text : text.substring(0, Math.max(0, width - 3)) + "...";
  }
}
