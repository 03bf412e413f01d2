package io.lengthguard.benchmarks.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void readsObjectsInOrderArraysNumbersAndLiterals() {
    Object value = Json.parse(" {\"b\": [1, -2.5e3, true, false, null], \"a\": {}, \"c\": []} ");

    Map<String, Object> expected = new LinkedHashMap<>();
    expected.put("b", Arrays.asList(1.0, -2500.0, true, false, null));
    expected.put("a", Map.of());
    expected.put("c", List.of());
    assertThat(value).isEqualTo(expected);
    assertThat(new ArrayList<Object>(((Map<?, ?>) value).keySet())).containsExactly("b", "a", "c");
  }

  @Test
  void decodesEscapes() {
    assertThat(Json.parse("\"a\\\"b\\\\c\\/d\\n\\t\\u00e9\"")).isEqualTo("a\"b\\c/d\n\té");
  }

  @Test
  void readsNaNThatJmhWritesAsAString() {
    assertThat(Json.number(Json.parse("\"NaN\""))).isNaN();
    assertThat(Json.number(Json.parse("12.5"))).isEqualTo(12.5);
    assertThat(Json.number(null)).isNaN();
  }

  @Test
  void rejectsTextAfterTheValue() {
    assertThatThrownBy(() -> Json.parse("[1] x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not JMH JSON: expected end of input at 4");
  }

  @Test
  void rejectsAnUnclosedString() {
    assertThatThrownBy(() -> Json.parse("{\"a"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not JMH JSON: expected a closing quote at 3");
  }
}
