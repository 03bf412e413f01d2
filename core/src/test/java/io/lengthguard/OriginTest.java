package io.lengthguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

class OriginTest {
  @Test
  void schemeAndHostAreLowerCased() {
    Origin origin = Origin.of("HTTPS", "Api.Example.COM", 443);

    assertThat(origin.scheme()).isEqualTo("https");
    assertThat(origin.host()).isEqualTo("api.example.com");
    assertThat(origin.port()).isEqualTo(443);
    assertThat(origin).isEqualTo(new Origin("https", "api.example.com", 443));
    assertThat(origin).hasSameHashCodeAs(new Origin("https", "api.example.com", 443));
  }

  @Test
  void portsAndSchemesTellOriginsApart() {
    Origin origin = Origin.of("http", "example.com", 80);

    assertThat(origin).isNotEqualTo(Origin.of("http", "example.com", 8080));
    assertThat(origin).isNotEqualTo(Origin.of("https", "example.com", 80));
    assertThat(origin).isNotEqualTo(Origin.of("http", "www.example.com", 80));
  }

  @Test
  void toStringIsTheOriginWithItsPort() {
    assertThat(Origin.of("https", "example.com", 443)).hasToString("https://example.com:443");
    assertThat(Origin.of("http", "127.0.0.1", 8080)).hasToString("http://127.0.0.1:8080");
    assertThat(Origin.of("http", "::1", 80)).hasToString("http://[::1]:80");
  }

  @Test
  void anIpv6LiteralIsTheSameOriginWithOrWithoutBrackets() {
    Origin bracketed = Origin.of("http", "[::1]", 8080);

    assertThat(bracketed.host()).isEqualTo("::1");
    assertThat(bracketed).hasToString("http://[::1]:8080");
    assertThat(bracketed).isEqualTo(Origin.of("http", "::1", 8080));
    assertThat(bracketed).hasSameHashCodeAs(Origin.of("http", "::1", 8080));
    assertThat(new Origin("http", "[FE80::1]", 80)).isEqualTo(Origin.of("http", "fe80::1", 80));
    // One pair only, and only an enclosing one.
    assertThat(Origin.of("http", "[[::1]]", 80).host()).isEqualTo("[::1]");
    assertThat(Origin.of("http", "[", 80).host()).isEqualTo("[");
    assertThat(Origin.of("http", "[]", 80).host()).isEmpty();
  }

  @Test
  void aConfiguredBracketedOriginMatchesTheAdaptersOrigin() {
    URI url = URI.create("http://[::1]:8080/upload");
    LengthGuard guard =
        LengthGuard.create(
            GuardPolicy.builder()
                .lengthRequired(Origin.of(url.getScheme(), url.getHost(), url.getPort()))
                .build());

    assertThat(guard.wantsLength(Origin.of("http", "::1", 8080))).isTrue();
  }

  @Test
  void badArgumentsAreRejected() {
    assertThatThrownBy(() -> Origin.of("http", "h", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port out of range: 0");
    assertThatThrownBy(() -> Origin.of("http", "h", 65536))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port out of range: 65536");
    assertThatThrownBy(() -> Origin.of(null, "h", 80))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("scheme == null");
    assertThatThrownBy(() -> Origin.of("http", null, 80))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("host == null");
    assertThat(Origin.of("http", "h", 65535).port()).isEqualTo(65535);
    assertThat(Origin.of("http", "h", 1).port()).isEqualTo(1);
  }
}
