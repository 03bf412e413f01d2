package io.lengthguard.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.FindingCode;
import io.lengthguard.FramingFinding;
import io.lengthguard.FramingViolationException;
import io.lengthguard.FrozenBody;
import io.lengthguard.GuardListener;
import io.lengthguard.Origin;
import java.util.ArrayList;
import java.util.List;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.http.message.BasicHttpRequest;
import org.junit.jupiter.api.Test;

class FramingTest {
  private static final Origin ORIGIN = Origin.of("http", "example.com", 80);
  private final List<FindingCode> findings = new ArrayList<>();
  private final GuardListener listener =
      new GuardListener() {
        @Override
        public void framingFinding(Origin origin, FramingFinding finding) {
          findings.add(finding.code());
        }
      };

  @Test
  void originTakesTheSchemesDefaultPort() throws Exception {
    assertThat(Framing.origin(new HttpHost("http", "Example.COM", -1)))
        .isEqualTo(Origin.of("http", "example.com", 80));
    assertThat(Framing.origin(new HttpHost("https", "example.com", -1)))
        .isEqualTo(Origin.of("https", "example.com", 443));
    assertThat(Framing.origin(new HttpHost("http", "example.com", 8080)))
        .isEqualTo(Origin.of("http", "example.com", 8080));
  }

  @Test
  void unknownLengthIsNegativeOrChunked() {
    byte[] bytes = new byte[3];
    assertThat(Framing.unknownLength(new ByteArrayEntity(bytes, null))).isFalse();
    assertThat(Framing.unknownLength(new ByteArrayEntity(bytes, null, true))).isTrue();
    assertThat(
            Framing.unknownLength(
                new InputStreamEntity(
                    new java.io.ByteArrayInputStream(bytes), -1, ContentType.TEXT_PLAIN)))
        .isTrue();
  }

  @Test
  void frozenDropsACallerLengthThatMatches() throws Exception {
    HttpRequest request = post("Content-Length", "005");

    Framing.frozen(request, FrozenBody.ofUtf8("hello"), null, ORIGIN, listener);

    assertThat(request.getHeaders()).isEmpty();
    assertThat(findings).isEmpty();
  }

  @Test
  void frozenDropsACallerTransferEncoding() throws Exception {
    HttpRequest request = post("Transfer-Encoding", "chunked");

    Framing.frozen(request, FrozenBody.ofUtf8("hello"), null, ORIGIN, listener);

    assertThat(request.getHeaders()).isEmpty();
  }

  @Test
  void frozenRefusesACallerLengthThatDiffers() {
    HttpRequest request = post("Content-Length", "4");

    assertThatThrownBy(
            () -> Framing.frozen(request, FrozenBody.ofUtf8("hello"), null, ORIGIN, listener))
        .isInstanceOf(FramingViolationException.class)
        .hasMessageStartingWith(
            "bad framing in POST /upload: ERROR LENGTH_MISMATCH: Content-Length declares 4 bytes"
                + " but the body has 5 (1 more)");
    assertThat(findings).containsExactly(FindingCode.LENGTH_MISMATCH);
    assertThat(request.getFirstHeader("Content-Length").getValue()).isEqualTo("4");
  }

  @Test
  void frozenRefusesLengthAndTransferEncodingTogether() {
    HttpRequest request = post("Content-Length", "5");
    request.addHeader("Transfer-Encoding", "chunked");

    assertThatThrownBy(
            () -> Framing.frozen(request, FrozenBody.ofUtf8("hello"), null, ORIGIN, listener))
        .isInstanceOf(FramingViolationException.class);
    assertThat(findings).isNotEmpty();
  }

  @Test
  void frozenAddsTheDigestUnlessTheCallerSetOne() throws Exception {
    HttpRequest plain = new BasicHttpRequest("POST", "/upload");
    Framing.frozen(plain, FrozenBody.ofUtf8("hello"), "sha-256=:x:", ORIGIN, listener);
    assertThat(plain.getFirstHeader("Content-Digest").getValue()).isEqualTo("sha-256=:x:");

    HttpRequest own = post("Content-Digest", "sha-512=:y:");
    Framing.frozen(own, FrozenBody.ofUtf8("hello"), "sha-256=:x:", ORIGIN, listener);
    assertThat(own.getHeaders("Content-Digest")).hasSize(1);
    assertThat(own.getFirstHeader("Content-Digest").getValue()).isEqualTo("sha-512=:y:");
  }

  @Test
  void streamedLeavesFramingToHttpClientAndExpectsContinueWhenAsked() {
    HttpRequest asked = post("Transfer-Encoding", "chunked");
    Framing.streamed(asked, true);
    assertThat(asked.getHeaders()).hasSize(1);
    assertThat(asked.getFirstHeader("Expect").getValue()).isEqualTo("100-continue");

    HttpRequest notAsked = new BasicHttpRequest("POST", "/upload");
    Framing.streamed(notAsked, false);
    assertThat(notAsked.getHeaders()).isEmpty();
  }

  @Test
  void theCallerExpectsContinueByItsFieldOrItsConfiguration() {
    RequestConfig expecting = RequestConfig.custom().setExpectContinueEnabled(true).build();
    assertThat(Framing.callerExpects(post("Expect", "100-continue"), null)).isTrue();
    assertThat(Framing.callerExpects(new BasicHttpRequest("POST", "/upload"), null)).isFalse();

    HttpPost configured = new HttpPost("/upload");
    configured.setConfig(expecting);
    assertThat(Framing.callerExpects(configured, null)).isTrue();

    HttpClientContext context = HttpClientContext.create();
    context.setRequestConfig(expecting);
    assertThat(Framing.callerExpects(new BasicHttpRequest("POST", "/upload"), context)).isTrue();
    assertThat(
            Framing.callerExpects(
                new BasicHttpRequest("POST", "/upload"), HttpClientContext.create()))
        .isFalse();
  }

  @Test
  void refuseBadFramingLeavesTheQueryOutOfTheReport() {
    HttpRequest request = new BasicHttpRequest("POST", "/upload?token=secret");
    request.addHeader("Content-Length", "abc");

    assertThatThrownBy(() -> Framing.refuseBadFraming(request, -1, ORIGIN, listener))
        .isInstanceOf(FramingViolationException.class)
        .hasMessageStartingWith("bad framing in POST /upload: ")
        .hasMessageNotContaining("secret");
  }

  private static HttpRequest post(String name, String value) {
    HttpRequest request = new BasicHttpRequest("POST", "/upload");
    request.addHeader(name, value);
    return request;
  }
}
