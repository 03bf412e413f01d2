package io.lengthguard.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TargetTest {
  @Test
  void fillsInDefaultPortsAndPath() throws Exception {
    Target http = Target.parse("http://example.com");
    Target https = Target.parse("HTTPS://Example.com?x=1");

    assertThat(http).isEqualTo(new Target("http://example.com", false, "example.com", 80, "/"));
    assertThat(http.hostHeader()).isEqualTo("example.com");
    assertThat(https.https()).isTrue();
    assertThat(https.port()).isEqualTo(443);
    assertThat(https.requestTarget()).isEqualTo("/?x=1");
  }

  @Test
  void keepsExplicitPortQueryAndEncodingButDropsFragment() throws Exception {
    Target target = Target.parse("http://127.0.0.1:8080/a%20b/c?q=%C3%A9&r#frag");

    assertThat(target.port()).isEqualTo(8080);
    assertThat(target.requestTarget()).isEqualTo("/a%20b/c?q=%C3%A9&r");
    assertThat(target.hostHeader()).isEqualTo("127.0.0.1:8080");
    assertThat(target.authority()).isEqualTo("127.0.0.1:8080");
  }

  @Test
  void encodesNonAsciiPathsAsUtf8() throws Exception {
    assertThat(Target.parse("http://h/é").requestTarget()).isEqualTo("/%C3%A9");
  }

  @Test
  void bracketsIpv6LiteralsOnlyWhereTheWireNeedsThem() throws Exception {
    Target target = Target.parse("http://[::1]:8080/");

    assertThat(target.host()).isEqualTo("::1");
    assertThat(target.hostHeader()).isEqualTo("[::1]:8080");
    assertThat(target.authority()).isEqualTo("[::1]:8080");
  }

  @Test
  void rejectsWhatItCannotProbe() {
    assertBad(
        "mailto:a@b.c", "bad URL: mailto:a@b.c (expected http://host[:port]/path or https://...)");
    assertBad("ws://h/", "bad URL: ws://h/ (only http and https are supported)");
    assertBad("http:///path", "bad URL: http:///path (no host)");
    assertBad(
        "http://user:pw@h/",
        "bad URL: http://user:pw@h/ (user info is not supported; send credentials with --header)");
    assertBad("http://h:99999/", "bad URL: http://h:99999/ (port out of range: 99999)");
  }

  private static void assertBad(String url, String message) {
    assertThatThrownBy(() -> Target.parse(url))
        .isInstanceOf(UsageException.class)
        .hasMessage(message);
  }
}
