package io.lengthguard.benchmarks.chart;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A small JSON reader, enough for JMH's result files: objects become {@link LinkedHashMap}s in
 * their order, arrays {@link ArrayList}s, numbers {@link Double}s.
 */
final class Json {
  private final String text;
  private int position;

  private Json(String text) {
    this.text = text;
  }

  /** Returns the value {@code text} holds. */
  static @Nullable Object parse(String text) {
    Json json = new Json(text);
    Object value = json.value();
    json.skipWhitespace();
    if (json.position != text.length()) throw json.error("end of input");
    return value;
  }

  /**
   * Returns {@code value} as a number. JMH writes a score it could not compute, such as the error
   * of a single iteration, as the string {@code "NaN"}.
   */
  static double number(@Nullable Object value) {
    if (value instanceof Double) return (Double) value;
    if (value instanceof String) return Double.parseDouble((String) value);
    return Double.NaN;
  }

  private @Nullable Object value() {
    skipWhitespace();
    if (position == text.length()) throw error("a value");
    char c = text.charAt(position);
    switch (c) {
      case '{':
        return object();
      case '[':
        return array();
      case '"':
        return string();
      case 't':
        return literal("true", Boolean.TRUE);
      case 'f':
        return literal("false", Boolean.FALSE);
      case 'n':
        return literal("null", null);
      default:
        return number();
    }
  }

  private Map<String, @Nullable Object> object() {
    Map<String, @Nullable Object> result = new LinkedHashMap<>();
    position++; // '{'
    skipWhitespace();
    if (peek() == '}') {
      position++;
      return result;
    }
    while (true) {
      skipWhitespace();
      if (peek() != '"') throw error("a member name");
      String name = string();
      skipWhitespace();
      expect(':');
      result.put(name, value());
      skipWhitespace();
      if (peek() == ',') {
        position++;
      } else {
        expect('}');
        return result;
      }
    }
  }

  private List<@Nullable Object> array() {
    List<@Nullable Object> result = new ArrayList<>();
    position++; // '['
    skipWhitespace();
    if (peek() == ']') {
      position++;
      return result;
    }
    while (true) {
      result.add(value());
      skipWhitespace();
      if (peek() == ',') {
        position++;
      } else {
        expect(']');
        return result;
      }
    }
  }

  private String string() {
    position++; // '"'
    StringBuilder result = new StringBuilder();
    while (true) {
      if (position == text.length()) throw error("a closing quote");
      char c = text.charAt(position++);
      if (c == '"') return result.toString();
      if (c != '\\') {
        result.append(c);
        continue;
      }
      if (position == text.length()) throw error("an escape");
      char e = text.charAt(position++);
      switch (e) {
        case 'b':
          result.append('\b');
          break;
        case 'f':
          result.append('\f');
          break;
        case 'n':
          result.append('\n');
          break;
        case 'r':
          result.append('\r');
          break;
        case 't':
          result.append('\t');
          break;
        case 'u':
          if (position + 4 > text.length()) throw error("four hex digits");
          result.append((char) Integer.parseInt(text.substring(position, position + 4), 16));
          position += 4;
          break;
        default:
          result.append(e); // '"', '\\' and '/'
      }
    }
  }

  private Double number() {
    int start = position;
    while (position < text.length() && "+-0123456789.eE".indexOf(text.charAt(position)) >= 0) {
      position++;
    }
    if (start == position) throw error("a value");
    return Double.valueOf(text.substring(start, position));
  }

  private @Nullable Object literal(String word, @Nullable Object value) {
    if (!text.startsWith(word, position)) throw error(word);
    position += word.length();
    return value;
  }

  private char peek() {
    return position < text.length() ? text.charAt(position) : '\0';
  }

  private void expect(char c) {
    if (peek() != c) throw error("'" + c + "'");
    position++;
  }

  private void skipWhitespace() {
    while (position < text.length() && Character.isWhitespace(text.charAt(position))) position++;
  }

  private IllegalArgumentException error(String expected) {
    return new IllegalArgumentException("not JMH JSON: expected " + expected + " at " + position);
  }
}
