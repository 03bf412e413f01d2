package io.lengthguard.probe;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TextTest {
  @Test
  void wrapsAtSpacesWithinTheWidth() {
    assertThat(Text.wrap("aaa bbb ccc  ddd", 7)).containsExactly("aaa bbb", "ccc ddd");
  }

  @Test
  void givesALongWordALineOfItsOwn() {
    assertThat(Text.wrap("a https://example.com/a/long/path b", 10))
        .containsExactly("a", "https://example.com/a/long/path", "b");
  }

  @Test
  void padsAndCuts() {
    assertThat(Text.pad("ab", 4)).isEqualTo("ab  ");
    assertThat(Text.cut("abcdefgh", 6)).isEqualTo("abc...");
    assertThat(Text.cut("abc", 6)).isEqualTo("abc");
  }

  @Test
  void wrapsEmptyTextToOneEmptyLine() {
    assertThat(Text.wrap("", 10)).containsExactly("");
  }
}
