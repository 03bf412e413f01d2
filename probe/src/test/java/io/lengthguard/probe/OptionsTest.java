package io.lengthguard.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class OptionsTest {
  @Test
  void defaultsArePostTenSecondsVerifiedTlsAndText() throws Exception {
    Options options = Options.parse(new String[] {"https://example.com/upload"});

    assertThat(options.target()).isEqualTo(Target.parse("https://example.com/upload"));
    assertThat(options.method()).isEqualTo("POST");
    assertThat(options.headers()).isEmpty();
    assertThat(options.timeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(options.insecure()).isFalse();
    assertThat(options.json()).isFalse();
    assertThat(options.help()).isFalse();
  }

  @Test
  void readsEveryOptionInBothSpellings() throws Exception {
    Options options =
        Options.parse(
            new String[] {
              "--method",
              "PUT",
              "--header",
              "Authorization: Bearer abc",
              "--header=X-Trace:  1 ",
              "--timeout=500ms",
              "--insecure",
              "--json",
              "http://127.0.0.1:8080/"
            });

    assertThat(options.method()).isEqualTo("PUT");
    assertThat(options.headers())
        .containsExactly(
            new Options.Header("Authorization", "Bearer abc"), new Options.Header("X-Trace", "1"));
    assertThat(options.timeout()).isEqualTo(Duration.ofMillis(500));
    assertThat(options.insecure()).isTrue();
    assertThat(options.json()).isTrue();
  }

  @Test
  void helpNeedsNoUrl() throws Exception {
    assertThat(Options.parse(new String[] {"-h"}).help()).isTrue();
    assertThat(Options.parse(new String[] {"--json", "--help"}).target()).isNull();
  }

  @Test
  void timeoutTakesMillisecondsSecondsOrMinutes() throws Exception {
    assertThat(Options.parseTimeout("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(Options.parseTimeout("5s")).isEqualTo(Duration.ofSeconds(5));
    assertThat(Options.parseTimeout("7")).isEqualTo(Duration.ofSeconds(7));
    assertThat(Options.parseTimeout("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(Options.format(Duration.ofMillis(250))).isEqualTo("250ms");
    assertThat(Options.format(Duration.ofMinutes(2))).isEqualTo("120s");
  }

  @Test
  void rejectsTimeoutsThatAreZeroTooLongOrMalformed() {
    assertUsage(() -> Options.parseTimeout("0s"), "bad --timeout: 0s (must be > 0)");
    assertUsage(() -> Options.parseTimeout("11m"), "bad --timeout: 11m (at most 10m)");
    assertUsage(
        () -> Options.parseTimeout("1.5s"), "bad --timeout: 1.5s (use e.g. 500ms, 5s or 1m)");
    assertUsage(() -> Options.parseTimeout("-1s"), "bad --timeout: -1s (use e.g. 500ms, 5s or 1m)");
  }

  @Test
  void rejectsHeadersThatCouldBreakTheRequest() {
    assertUsage(
        () -> Options.parseHeader("NoColon"), "bad --header: NoColon (expected 'Name: value')");
    assertUsage(
        () -> Options.parseHeader("X Trace: 1"),
        "bad --header name: 'X Trace' (letters, digits and !#$%&'*+.^_`|~-)");
    assertUsage(
        () -> Options.parseHeader("X-Trace: a\r\nInjected: yes"),
        "bad --header value for X-Trace: only visible ASCII, space and tab (found U+000D)");
    assertUsage(
        () -> Options.parseHeader("X-Name: é"),
        "bad --header value for X-Name: only visible ASCII, space and tab (found U+00E9)");
  }

  @Test
  void rejectsFramingHeadersWhateverTheirCase() {
    for (String name :
        new String[] {"content-length", "Transfer-Encoding", "EXPECT", "Connection"}) {
      assertUsage(
          () -> Options.parseHeader(name + ": x"),
          "--header "
              + name
              + " is not allowed: the probe sets Content-Length, Transfer-Encoding, Expect and"
              + " Connection itself");
    }
  }

  @Test
  void rejectsBadMethodsFlagsWithValuesAndSecondUrls() {
    assertUsage(
        () -> Options.parse(new String[] {"--method", "GET /x", "http://h/"}),
        "bad --method: 'GET /x' (a token such as POST or PUT)");
    assertUsage(
        () -> Options.parse(new String[] {"--json=yes", "http://h/"}), "--json takes no value");
    assertUsage(
        () -> Options.parse(new String[] {"http://a/", "http://b/"}),
        "more than one URL: http://a/, http://b/");
    assertUsage(
        () -> Options.parse(new String[] {"http://a/", "--method"}), "--method needs a value");
  }

  private static void assertUsage(
      org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String message) {
    assertThatThrownBy(call).isInstanceOf(UsageException.class).hasMessage(message);
  }
}
