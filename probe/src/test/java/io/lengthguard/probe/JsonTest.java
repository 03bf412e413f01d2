package io.lengthguard.probe;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void quotesAndEscapesWhatJsonRequires() {
    assertThat(Json.quote("say \"hi\" \\ now")).isEqualTo("\"say \\\"hi\\\" \\\\ now\"");
    assertThat(Json.quote("a\nb\rc\td\be\ff")).isEqualTo("\"a\\nb\\rc\\td\\be\\ff\"");
    assertThat(Json.quote("\u0000\u001f\u007f")).isEqualTo("\"\\u0000\\u001f\\u007f\"");
    assertThat(Json.quote("line\u2028sep")).isEqualTo("\"line\\u2028sep\"");
  }

  @Test
  void keepsOtherTextAsIs() {
    assertThat(Json.quote("§8.6 é 😀 </script>")).isEqualTo("\"§8.6 é 😀 </script>\"");
  }

  @Test
  void writesNullForNull() {
    assertThat(Json.quote(null)).isEqualTo("null");
  }
}
