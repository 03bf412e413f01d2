package io.lengthguard.spring;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.lengthguard.testing.StrictOrigin;
import io.lengthguard.testing.Wire;
import java.io.IOException;
import java.net.InetAddress;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.QueueDispatcher;
import mockwebserver3.RecordedRequest;

/** A mockwebserver3 on loopback, strict by default, with the wire assertions the tests share. */
final class WireServer implements AutoCloseable {
  final MockWebServer server = new MockWebServer();
  final StrictOrigin strict = new StrictOrigin();

  WireServer() throws IOException {
    server.setDispatcher(strict);
    server.start(InetAddress.getByName("127.0.0.1"), 0);
  }

  String url() {
    return "http://127.0.0.1:" + server.getPort() + "/upload";
  }

  /** Answers with {@code responses} in turn, in place of the strict origin. */
  void answer(MockResponse... responses) {
    QueueDispatcher queue = new QueueDispatcher();
    for (MockResponse response : responses) queue.enqueue(response);
    server.setDispatcher(queue);
  }

  static MockResponse lengthRequired() {
    return new MockResponse.Builder().code(411).body("Length Required").build();
  }

  /** A 411 sent before the body is read, closing the connection (haproxy does so). */
  static MockResponse earlyLengthRequired() {
    return new MockResponse.Builder()
        .code(411)
        .body("Length Required")
        .doNotReadRequestBody()
        .build();
  }

  static MockResponse ok() {
    return new MockResponse.Builder().code(200).body("ok").build();
  }

  RecordedRequest take() throws InterruptedException {
    RecordedRequest request = server.takeRequest(10, SECONDS);
    assertThat(request).as("a request within 10 s").isNotNull();
    return request;
  }

  int requestCount() {
    return server.getRequestCount();
  }

  static byte[] body(RecordedRequest request) {
    return request.getBody() == null ? new byte[0] : request.getBody().toByteArray();
  }

  /**
   * Asserts the guard's streamed path: the body went chunked, got 411, and went again with its
   * exact length and the very bytes of the first send; returns those bytes.
   */
  byte[] assertStreamedThenResent() throws InterruptedException {
    RecordedRequest first = take();
    RecordedRequest second = take();
    Wire.assertChunked(first);
    byte[] sent = body(first);
    Wire.assertExactLength(second, sent);
    assertThat(requestCount()).isEqualTo(2);
    return sent;
  }

  /**
   * Asserts what {@code ADAPTIVE} puts on the wire for two sends of {@code payload}: chunked, 411,
   * the same bytes with their length; then the next send with its length at once, the origin being
   * known.
   */
  void assertLearnedThenSentWithLength(byte[] payload) throws InterruptedException {
    Wire.assertChunked(take());
    Wire.assertExactLength(take(), payload);
    Wire.assertExactLength(take(), payload);
    assertThat(requestCount()).isEqualTo(3);
  }

  /** Asserts one request with its exact length; returns its bytes. */
  byte[] assertOneWithLength() throws InterruptedException {
    RecordedRequest only = take();
    byte[] sent = body(only);
    Wire.assertExactLength(only, sent);
    assertThat(requestCount()).isEqualTo(1);
    return sent;
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
