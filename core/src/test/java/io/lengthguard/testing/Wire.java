package io.lengthguard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import mockwebserver3.RecordedRequest;

/** Assertions on what reached the wire. */
public final class Wire {
  private Wire() {}

  /**
   * Asserts that {@code request} arrived with {@code Content-Length: expected.length}, no {@code
   * Transfer-Encoding}, not chunked, and exactly {@code expected} as its body.
   */
  public static void assertExactLength(RecordedRequest request, byte[] expected) {
    assertThat(request.getHeaders().values("Content-Length"))
        .as("Content-Length of %s", request.getRequestLine())
        .containsExactly(String.valueOf(expected.length));
    assertThat(request.getHeaders().get("Transfer-Encoding"))
        .as("Transfer-Encoding of %s", request.getRequestLine())
        .isNull();
    assertThat(request.getChunkSizes()).as("chunk sizes").isNull();
    assertThat(request.getBodySize()).isEqualTo(expected.length);
    byte[] body = request.getBody() == null ? new byte[0] : request.getBody().toByteArray();
    assertThat(body).as("body bytes").isEqualTo(expected);
  }

  /** Asserts that {@code request} arrived chunked, without {@code Content-Length}. */
  public static void assertChunked(RecordedRequest request) {
    assertThat(request.getHeaders().get("Transfer-Encoding")).isEqualToIgnoringCase("chunked");
    assertThat(request.getHeaders().get("Content-Length")).isNull();
  }

  /**
   * Asserts that {@code request} arrived chunked, without {@code Content-Length}, with exactly
   * {@code expected} as its body.
   */
  public static void assertChunked(RecordedRequest request, byte[] expected) {
    assertChunked(request);
    byte[] body = request.getBody() == null ? new byte[0] : request.getBody().toByteArray();
    assertThat(body).as("body bytes of %s", request.getRequestLine()).isEqualTo(expected);
  }

  /**
   * Asserts that {@code request} arrived chunked, without {@code Content-Length} or {@code Expect},
   * with exactly {@code expected} as its body: as the bare client sends a body of unknown length.
   */
  public static void assertChunkedWithoutExpect(RawOrigin.Received request, byte[] expected) {
    assertThat(request.expect()).as("Expect").isNull();
    assertThat(request.chunked()).as("chunked").isTrue();
    assertThat(request.field("Content-Length")).as("Content-Length").isNull();
    assertThat(request.body()).as("body bytes").isEqualTo(expected);
  }

  /** Asserts that {@code request} asked for 100 (Continue) and sent no byte of its body. */
  public static void assertAskedContinue(RawOrigin.Received request) {
    assertThat(request.expect()).as("Expect").isEqualToIgnoringCase("100-continue");
    assertThat(request.body()).as("body bytes").isEmpty();
  }
}
