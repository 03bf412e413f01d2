package io.lengthguard.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.lengthguard.testing.StrictOrigin;
import io.lengthguard.testing.Wire;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ProbeTest {
  private static final int PAYLOAD_BYTES = EndpointProbe.PAYLOAD.length;

  private final MockWebServer server = new MockWebServer();

  @AfterEach
  void stopServer() {
    server.close();
  }

  @Test
  void strictEndpointRequiresLengthAndExitsThree() throws Exception {
    server.setDispatcher(new StrictOrigin());
    start();

    ProbeRun run = ProbeRun.of(url(), "--timeout", "5s");

    assertThat(run.err()).isEmpty();
    assertThat(run.exit()).isEqualTo(Probe.EXIT_REQUIRES_LENGTH).isEqualTo(3);
    assertThat(run.out())
        .isEqualTo(
            "LengthGuard probe: POST "
                + url()
                + "\n"
                + PAYLOAD_BYTES
                + "-byte JSON payload, one connection per request, timeout 5s\n"
                + "\n"
                + "  framing                        answer\n"
                + "  Content-Length: "
                + PAYLOAD_BYTES
                + "             200 OK\n"
                + "  Transfer-Encoding: chunked     411 Client Error\n"
                + "  chunked + Expect: 100-continue 411 Client Error, no 100 within 1s\n"
                + "  empty body, no length header   411 Client Error\n"
                + "\n"
                + "Verdict: requires Content-Length\n"
                + "Use:     GuardMode.PREBUFFER\n"
                + "\n"
                + "* It requires Content-Length: chunked bodies get 411 Client Error. Use\n"
                + "  GuardMode.PREBUFFER: each body of unknown length is frozen and sent with its\n"
                + "  exact length, with no wasted round trip. ADAPTIVE also works: one 411 per\n"
                + "  origin, then prebuffered.\n"
                + "\n"
                + "* It ignores Expect: 100-continue (no answer within 1s), so expectContinue(true)\n"
                + "  would only add a wait.\n"
                + "\n"
                + "* An empty body without a length header gets 411 (as stock lighttpd answers):\n"
                + "  send Content-Length: 0 with an empty POST, PUT or PATCH (RFC 9110 §8.6).\n");
    assertThat(run.out().lines())
        .allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(80));

    // What reached the wire: one request per framing, each exactly as labelled.
    assertThat(server.getRequestCount()).isEqualTo(4);
    Wire.assertExactLength(take(), EndpointProbe.PAYLOAD);
    RecordedRequest chunked = take();
    Wire.assertChunked(chunked);
    assertThat(chunked.getChunkSizes()).containsExactly(PAYLOAD_BYTES);
    RecordedRequest expect = take();
    Wire.assertChunked(expect);
    assertThat(expect.getHeaders().get("Expect")).isEqualTo("100-continue");
    assertThat(expect.getBody().toByteArray()).isEqualTo(EndpointProbe.PAYLOAD);
    RecordedRequest empty = take();
    assertThat(empty.getHeaders().get("Content-Length")).isNull();
    assertThat(empty.getHeaders().get("Transfer-Encoding")).isNull();
    assertThat(empty.getBodySize()).isZero();
  }

  @Test
  void lenientEndpointAcceptsChunkedAndExitsZero() throws Exception {
    server.setDispatcher(ok());
    start();

    ProbeRun run = ProbeRun.of(url(), "--timeout", "5s");

    assertThat(run.exit()).isEqualTo(Probe.EXIT_ACCEPTS_CHUNKED).isZero();
    assertThat(run.err()).isEmpty();
    assertThat(run.out())
        .contains("  Transfer-Encoding: chunked     200 OK\n")
        .contains("  empty body, no length header   200 OK\n")
        .contains("Verdict: accepts chunked bodies\n")
        .contains("Use:     GuardMode.ADAPTIVE\n")
        .contains("* It accepts chunked bodies, so GuardMode.ADAPTIVE (the default) is free")
        .doesNotContain("expectContinue(true)");
    assertThat(server.getRequestCount()).isEqualTo(4);
  }

  @Test
  void strictEndpointAnsweringBeforeTheBodyRecommendsExpectContinue() throws Exception {
    server.enqueue(new MockResponse.Builder().code(200).build());
    server.enqueue(lengthRequired().build());
    server.enqueue(lengthRequired().doNotReadRequestBody().build());
    server.enqueue(lengthRequired().build());
    start();

    ProbeRun run = ProbeRun.of(url(), "--timeout", "5s");

    assertThat(run.exit()).isEqualTo(3);
    assertThat(run.out())
        .contains("  chunked + Expect: 100-continue 411 Length Required, before the body\n")
        .contains("Use:     GuardMode.PREBUFFER (or ADAPTIVE with expectContinue(true))\n")
        .contains("* With Expect: 100-continue it answers 411 before the body is sent: with\n");
    take();
    take();
    RecordedRequest expect = take();
    assertThat(expect.getHeaders().get("Expect")).isEqualTo("100-continue");
    assertThat(expect.getBodySize()).isZero();
  }

  @Test
  void endpointAnswering100ContinueGetsTheBodyAfterIt() throws Exception {
    server.enqueue(new MockResponse.Builder().code(200).build());
    server.enqueue(new MockResponse.Builder().code(200).build());
    server.enqueue(new MockResponse.Builder().add100Continue().code(200).build());
    server.enqueue(new MockResponse.Builder().code(200).build());
    start();

    ProbeRun run = ProbeRun.of(url(), "--timeout", "5s");

    assertThat(run.exit()).isZero();
    assertThat(run.out()).contains("  chunked + Expect: 100-continue 200 OK, after 100 Continue\n");
    take();
    take();
    assertThat(take().getBody().toByteArray()).isEqualTo(EndpointProbe.PAYLOAD);
  }

  @Test
  void lengthRequiredEvenWithLengthGivesNoVerdict() throws Exception {
    for (int i = 0; i < 4; i++) server.enqueue(lengthRequired().build());
    start();

    ProbeRun run = ProbeRun.of(url(), "--timeout", "5s");

    assertThat(run.exit()).isEqualTo(Probe.EXIT_NO_VERDICT).isEqualTo(4);
    assertThat(run.out())
        .contains("Verdict: no verdict: 411 even with Content-Length\n")
        .doesNotContain("Use:")
        // Every framing got 411: the empty body's 411 says nothing about framing.
        .doesNotContain("empty body without a length header gets 411");
  }

  @Test
  void jsonReportsTheSameResult() throws Exception {
    server.setDispatcher(new StrictOrigin());
    start();

    ProbeRun run = ProbeRun.of("--json", "--timeout=5s", "--method", "PUT", url());

    assertThat(run.exit()).isEqualTo(3);
    assertThat(run.err()).isEmpty();
    String json = run.out();
    assertThat(json).startsWith("{\n").endsWith("\n}\n");
    assertThat(json)
        .contains("\"url\": \"" + url() + "\",\n")
        .contains("\"method\": \"PUT\",\n")
        .contains("\"payloadBytes\": " + PAYLOAD_BYTES + ",\n")
        .contains("\"timeoutMillis\": 5000,\n")
        .contains(
            "{\"framing\": \"content-length\", \"status\": 200, \"reason\": \"OK\","
                + " \"continueReceived\": false, \"bodySent\": true, \"earlyAnswer\": null,"
                + " \"error\": null},\n")
        .contains(
            "{\"framing\": \"chunked\", \"status\": 411, \"reason\": \"Client Error\","
                + " \"continueReceived\": false, \"bodySent\": true, \"earlyAnswer\": null,"
                + " \"error\": null},\n")
        .contains("{\"framing\": \"chunked-expect-continue\", \"status\": 411")
        .contains("{\"framing\": \"empty-without-length\", \"status\": 411")
        .contains("\"verdict\": \"requires-length\",\n")
        .contains("\"acceptsChunked\": false,\n")
        .contains("\"requiresLength\": true,\n")
        .contains("\"expectContinue\": \"ignored\",\n")
        .contains("\"emptyWithoutLength\": \"rejected\",\n")
        .contains("\"recommendedMode\": \"PREBUFFER\",\n")
        .contains("\"recommendExpectContinue\": false,\n")
        .contains("\"advice\": [\n    \"It requires Content-Length: chunked bodies get 411")
        .contains("(RFC 9110 §8.6).\"\n  ],\n")
        .contains("\"closesWithoutReadingBody\": false,\n")
        .contains("\"origin\": \"http://127.0.0.1:" + server.getPort() + "\",\n")
        .contains(
            "\"lengthRequired\": \"Origin.of(\\\"http\\\", \\\"127.0.0.1\\\", "
                + server.getPort()
                + ")\",\n")
        .contains("\"exitCode\": 3\n");
    assertThat(take().getMethod()).isEqualTo("PUT");
  }

  @Test
  void helpExplainsEveryOptionAndExitCode() {
    ProbeRun run = ProbeRun.of("--help");

    assertThat(run.exit()).isZero();
    assertThat(run.err()).isEmpty();
    assertThat(run.out())
        .isEqualTo(Probe.HELP)
        .contains("sends FOUR REAL REQUESTS", "such as --method OPTIONS")
        .contains("--method METHOD", "--header 'Name: value'", "--timeout DURATION")
        .contains("--insecure", "--json", "-h, --help")
        .contains("  0  the endpoint accepts chunked", "  1  error:", "  2  usage error")
        .contains("  3  the endpoint requires Content-Length", "  4  no verdict");
    assertThat(run.out().lines())
        .allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(80));
  }

  @Test
  void helpWinsOverOtherArguments() {
    assertThat(ProbeRun.of("--bogus", "-h").out()).isEqualTo(Probe.HELP);
  }

  @Test
  void badUrlIsAUsageError() {
    assertUsageError(
        ProbeRun.of("ftp://example.com/"),
        "bad URL: ftp://example.com/ (only http and https are supported)");
    assertUsageError(
        ProbeRun.of("example.com"),
        "bad URL: example.com (expected http://host[:port]/path or https://...)");
    assertUsageError(
        ProbeRun.of("http://exa mple.com/"),
        "bad URL: http://exa mple.com/ (Illegal character in authority)");
  }

  @Test
  void badOptionsAreUsageErrors() {
    assertUsageError(ProbeRun.of("--verbose", "http://127.0.0.1/"), "unknown option: --verbose");
    assertUsageError(ProbeRun.of("--json"), "no URL given");
    assertUsageError(ProbeRun.of("http://127.0.0.1/", "--timeout"), "--timeout needs a value");
    assertUsageError(
        ProbeRun.of("http://127.0.0.1/", "--timeout", "soon"),
        "bad --timeout: soon (use e.g. 500ms, 5s or 1m)");
    assertUsageError(
        ProbeRun.of("http://127.0.0.1/", "--header", "Content-Length: 5"),
        "--header Content-Length is not allowed: the probe sets Content-Length,"
            + " Transfer-Encoding, Expect and Connection itself");
  }

  @Test
  void unknownHostIsOneLineAndExitsOne() {
    ProbeRun run = ProbeRun.of("http://lengthguard-probe.invalid/upload", "--timeout", "5s");

    assertError(run, "unknown host: lengthguard-probe.invalid");
  }

  @Test
  void refusedConnectionIsOneLineAndExitsOne() throws Exception {
    int port;
    try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = closed.getLocalPort();
    }

    ProbeRun run = ProbeRun.of("http://127.0.0.1:" + port + "/", "--timeout", "5s");

    assertError(run, "connection refused: 127.0.0.1:" + port);
  }

  @Test
  void silentServerTimesOutWithOneLineAndExitsOne() throws Exception {
    // The kernel completes the TCP handshake from the backlog; nothing ever answers.
    try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = silent.getLocalPort();

      ProbeRun run = ProbeRun.of("http://127.0.0.1:" + port + "/", "--timeout", "300ms");

      assertError(run, "timed out after 300ms waiting for a response from 127.0.0.1:" + port);
    }
  }

  @Test
  void plainTextServerSpokenToWithHttpsIsATlsFailure() throws Exception {
    try (RawServer plain =
        RawServer.answering("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")) {
      ProbeRun run = ProbeRun.of("https://127.0.0.1:" + plain.port() + "/", "--timeout", "5s");

      assertError(
          run,
          "TLS handshake with 127.0.0.1:"
              + plain.port()
              + " failed: Unsupported or unrecognized SSL message");
    }
  }

  @Test
  void untrustedCertificateFailsUnlessInsecure() throws Exception {
    HeldCertificate certificate =
        new HeldCertificate.Builder().addSubjectAlternativeName("localhost").build();
    server.useHttps(
        new HandshakeCertificates.Builder()
            .heldCertificate(certificate)
            .build()
            .sslSocketFactory());
    server.setDispatcher(ok());
    start();
    String url = "https://127.0.0.1:" + server.getPort() + "/";

    ProbeRun strict = ProbeRun.of(url, "--timeout", "5s");
    ProbeRun insecure = ProbeRun.of(url, "--timeout", "5s", "--insecure");

    assertError(
        strict,
        "TLS handshake with 127.0.0.1:"
            + server.getPort()
            + " failed: certificate not trusted: unable to find valid certification path to"
            + " requested target (--insecure skips certificate checks)");
    assertThat(insecure.exit()).isZero();
    assertThat(insecure.out()).contains("Verdict: accepts chunked bodies\n");
    assertThat(server.getRequestCount()).isEqualTo(4);
  }

  @Test
  void errorsInJsonModeAlsoPrintAJsonError() throws Exception {
    int port;
    try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = closed.getLocalPort();
    }

    ProbeRun run = ProbeRun.of("--json", "http://127.0.0.1:" + port + "/");

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err())
        .isEqualTo("lengthguard-probe: connection refused: 127.0.0.1:" + port + "\n");
    assertThat(run.out())
        .isEqualTo(
            "{\n  \"error\": \"connection refused: 127.0.0.1:"
                + port
                + "\",\n  \"exitCode\": 1\n}\n");
  }

  private void start() throws Exception {
    server.start(InetAddress.getByName("127.0.0.1"), 0);
  }

  private String url() {
    return "http://127.0.0.1:" + server.getPort() + "/upload";
  }

  private RecordedRequest take() throws InterruptedException {
    RecordedRequest request = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(request).as("a recorded request").isNotNull();
    return request;
  }

  private static MockResponse.Builder lengthRequired() {
    return new MockResponse.Builder().status("HTTP/1.1 411 Length Required");
  }

  private static Dispatcher ok() {
    return new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return new MockResponse.Builder().code(200).build();
      }
    };
  }

  private static void assertUsageError(ProbeRun run, String message) {
    assertThat(run.exit()).isEqualTo(Probe.EXIT_USAGE).isEqualTo(2);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).isEqualTo("lengthguard-probe: " + message + "; see --help\n");
  }

  private static void assertError(ProbeRun run, String message) {
    assertThat(run.exit()).isEqualTo(Probe.EXIT_ERROR).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).isEqualTo("lengthguard-probe: " + message + "\n");
  }
}
