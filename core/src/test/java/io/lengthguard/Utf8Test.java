package io.lengthguard;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class Utf8Test {
  @Test
  void encodesLikeStringGetBytesAtEveryBoundary() {
    String[] samples = {
      "",
      "\u0000",
      "\u007f",
      "\u0080",
      "\u07ff",
      "\u0800",
      "\ud7ff",
      "\ue000",
      "\uffff",
      "\ud800\udc00",
      "\udbff\udfff",
      "\ud83d\ude00",
    };
    for (String sample : samples) {
      assertThat(Utf8.encode(new StringBuilder(sample)))
          .as("U+%04X...", sample.isEmpty() ? 0 : (int) sample.charAt(0))
          .isEqualTo(sample.getBytes(UTF_8));
    }
  }

  @Test
  void unpairedSurrogatesBecomeQuestionMarksAsInStringGetBytes() {
    String[] samples = {
      "\ud800", // high at the end
      "\udc00", // low alone
      "\ud800a", // high then not a low
      "\ud800\ud800\udc00", // high, then a pair
      "\udc00\ud800", // reversed pair
      "a\udbff\udbffb",
    };
    for (String sample : samples) {
      byte[] expected = sample.getBytes(UTF_8);
      assertThat(Utf8.encode(new StringBuilder(sample))).isEqualTo(expected);
      assertThat(Utf8.encodedLength(new StringBuilder(sample))).isEqualTo(expected.length);
    }
    assertThat(Utf8.encode("\ud800a")).containsExactly('?', 'a');
  }
}
