package io.lengthguard.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.testing.Wire;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ExchangeTest {
  private static final byte[] PAYLOAD = EndpointProbe.PAYLOAD;

  private final MockWebServer server = new MockWebServer();

  @AfterEach
  void stopServer() {
    server.close();
  }

  @Test
  void contentLengthFramingSendsExactLengthAndBytes() throws Exception {
    server.enqueue(new MockResponse.Builder().code(201).body("created").build());
    start();

    Outcome outcome = exchange(List.of()).send(Framing.CONTENT_LENGTH);

    // mockwebserver names every 2xx "OK".
    assertThat(outcome).isEqualTo(Outcome.answered(201, "OK", false, true));
    RecordedRequest request = take();
    Wire.assertExactLength(request, PAYLOAD);
    assertThat(request.getHeaders().get("Connection")).isEqualTo("close");
    assertThat(request.getHeaders().get("Content-Type")).isEqualTo("application/json");
    assertThat(request.getHeaders().get("Host")).isEqualTo("127.0.0.1:" + server.getPort());
  }

  @Test
  void chunkedFramingSendsOneChunkWithoutLength() throws Exception {
    server.enqueue(new MockResponse.Builder().code(200).chunkedBody("fine", 2).build());
    start();

    Outcome outcome = exchange(List.of()).send(Framing.CHUNKED);

    assertThat(outcome).isEqualTo(Outcome.answered(200, "OK", false, true));
    RecordedRequest request = take();
    Wire.assertChunked(request);
    assertThat(request.getChunkSizes()).containsExactly(PAYLOAD.length);
    assertThat(request.getBody().toByteArray()).isEqualTo(PAYLOAD);
  }

  @Test
  void emptyFramingSendsNeitherLengthNorChunked() throws Exception {
    server.enqueue(new MockResponse.Builder().code(204).build());
    start();

    Outcome outcome = exchange(List.of()).send(Framing.EMPTY_WITHOUT_LENGTH);

    assertThat(outcome).isEqualTo(Outcome.answered(204, "OK", false, false));
    RecordedRequest request = take();
    assertThat(request.getHeaders().get("Content-Length")).isNull();
    assertThat(request.getHeaders().get("Transfer-Encoding")).isNull();
    assertThat(request.getHeaders().get("Content-Type")).isNull();
    assertThat(request.getBodySize()).isZero();
  }

  @Test
  void expectContinueSendsTheBodyAfter100Continue() throws Exception {
    server.enqueue(new MockResponse.Builder().add100Continue().code(200).build());
    start();

    Outcome outcome = exchange(List.of()).send(Framing.CHUNKED_EXPECT_CONTINUE);

    assertThat(outcome).isEqualTo(Outcome.answered(200, "OK", true, true));
    RecordedRequest request = take();
    Wire.assertChunked(request);
    assertThat(request.getHeaders().get("Expect")).isEqualTo("100-continue");
    assertThat(request.getBody().toByteArray()).isEqualTo(PAYLOAD);
  }

  @Test
  void expectContinueHoldsTheBodyBackFromAnEarlyFinalStatus() throws Exception {
    server.enqueue(
        new MockResponse.Builder()
            .status("HTTP/1.1 411 Length Required")
            .doNotReadRequestBody()
            .build());
    start();

    Outcome outcome = exchange(List.of()).send(Framing.CHUNKED_EXPECT_CONTINUE);

    assertThat(outcome).isEqualTo(Outcome.answered(411, "Length Required", false, false));
    assertThat(take().getBodySize()).isZero();
  }

  @Test
  void expectContinueSendsTheBodyAfterSilence() throws Exception {
    server.enqueue(new MockResponse.Builder().code(200).build());
    start();

    Outcome outcome = exchange(List.of()).send(Framing.CHUNKED_EXPECT_CONTINUE);

    assertThat(outcome).isEqualTo(Outcome.answered(200, "OK", false, true));
    assertThat(take().getBody().toByteArray()).isEqualTo(PAYLOAD);
  }

  @Test
  void skipsInterimResponsesItDidNotAskFor() throws Exception {
    server.enqueue(
        new MockResponse.Builder()
            .addInformationalResponse(new MockResponse.Builder().code(103).build())
            .code(200)
            .build());
    start();

    assertThat(exchange(List.of()).send(Framing.CONTENT_LENGTH).status()).isEqualTo(200);
  }

  @Test
  void sendsTheMethodAndUserHeadersAndLetsThemReplaceDefaults() throws Exception {
    server.enqueue(new MockResponse.Builder().code(200).build());
    start();
    List<Options.Header> headers =
        List.of(
            new Options.Header("Authorization", "Bearer t0k3n"),
            new Options.Header("Content-Type", "application/x-ndjson"),
            new Options.Header("User-Agent", "custom/1"));

    new Exchange(connector(), "PATCH", headers, PAYLOAD).send(Framing.CONTENT_LENGTH);

    RecordedRequest request = take();
    assertThat(request.getMethod()).isEqualTo("PATCH");
    assertThat(request.getTarget()).isEqualTo("/upload?x=1");
    assertThat(request.getHeaders().values("Authorization")).containsExactly("Bearer t0k3n");
    assertThat(request.getHeaders().values("Content-Type")).containsExactly("application/x-ndjson");
    assertThat(request.getHeaders().values("User-Agent")).containsExactly("custom/1");
  }

  @Test
  void aPeerThatIsNotHttpIsNamed() throws Exception {
    try (RawServer ssh = RawServer.answering("SSH-2.0-OpenSSH_9.2\r\n")) {
      Exchange exchange = new Exchange(connector(ssh.port()), "POST", List.of(), PAYLOAD);

      assertThatThrownBy(() -> exchange.send(Framing.CONTENT_LENGTH))
          .isInstanceOf(ProbeException.class)
          .hasMessage(
              "127.0.0.1:" + ssh.port() + " did not answer in HTTP/1.1: 'SSH-2.0-OpenSSH_9.2'");
    }
  }

  @Test
  void aPeerThatClosesWithoutAnsweringIsNamed() throws Exception {
    try (RawServer mute = RawServer.answering("")) {
      Exchange exchange = new Exchange(connector(mute.port()), "POST", List.of(), PAYLOAD);

      assertThatThrownBy(() -> exchange.send(Framing.CHUNKED))
          .isInstanceOf(ProbeException.class)
          .hasMessage("127.0.0.1:" + mute.port() + " closed the connection without a response");
    }
  }

  @Test
  void anOversizedResponseLineIsRefusedNotBuffered() throws Exception {
    try (RawServer huge =
        RawServer.answering("HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(9000) + "\r\n\r\n")) {
      Exchange exchange = new Exchange(connector(huge.port()), "POST", List.of(), PAYLOAD);

      assertThatThrownBy(() -> exchange.send(Framing.CONTENT_LENGTH))
          .isInstanceOf(ProbeException.class)
          .hasMessage("127.0.0.1:" + huge.port() + " sent a response line over 8192 bytes");
    }
  }

  private Exchange exchange(List<Options.Header> headers) throws Exception {
    return new Exchange(connector(), "POST", headers, PAYLOAD);
  }

  private Connector connector() throws Exception {
    return Connector.create(
        Target.parse("http://127.0.0.1:" + server.getPort() + "/upload?x=1"),
        Duration.ofSeconds(5),
        false);
  }

  private static Connector connector(int port) throws Exception {
    return Connector.create(
        Target.parse("http://127.0.0.1:" + port + "/"), Duration.ofSeconds(5), false);
  }

  private void start() throws Exception {
    server.start(InetAddress.getByName("127.0.0.1"), 0);
  }

  private RecordedRequest take() throws InterruptedException {
    RecordedRequest request = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(request).as("a recorded request").isNotNull();
    return request;
  }
}
