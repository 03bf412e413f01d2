package io.lengthguard.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The probe tells a gateway that answers 411 and closes without reading the body (haproxy's deny
 * rule) from one that answers 411 and reads the body (nginx's {@code return 411}): HttpClient 5's
 * classic one-line setups fail at the first and recover at the second.
 */
class ClosesWithoutReadingTest {
  private static final int PAYLOAD_BYTES = EndpointProbe.PAYLOAD.length;

  @Test
  void haproxyLikeDenyIsAnAnswerThenACloseWithoutReading() throws Exception {
    GatewayImitation haproxy = new GatewayImitation(GatewayImitation.Rule.HAPROXY_DENY);
    Outcome outcome;
    try (haproxy) {
      outcome = exchange(haproxy).send(Framing.CHUNKED);
    }

    assertThat(outcome).isEqualTo(Outcome.answeredBeforeBody(411, "Length Required", false));
    assertThat(outcome.bodySent()).isFalse();
    assertThat(haproxy.requests()).containsExactly("POST chunked 411 not read");
  }

  @Test
  void nginxLikeReturn411IsAnAnswerThenTheBodyRead() throws Exception {
    GatewayImitation nginx = new GatewayImitation(GatewayImitation.Rule.NGINX_RETURN_411);
    Outcome outcome;
    try (nginx) {
      outcome = exchange(nginx).send(Framing.CHUNKED);
    }

    assertThat(outcome).isEqualTo(Outcome.answeredBeforeBody(411, "Length Required", true));
    assertThat(outcome.bodySent()).isTrue();
    // The whole payload went after the answer, in pieces a reset could interrupt.
    assertThat(nginx.requests())
        .containsExactly(
            "POST chunked 411 read "
                + PAYLOAD_BYTES
                + " bytes in "
                + Exchange.EARLY_PIECES
                + " chunks");
  }

  @Test
  void theTwoGatewaysGetDifferentVerdicts() throws Exception {
    GatewayImitation haproxy = new GatewayImitation(GatewayImitation.Rule.HAPROXY_DENY);
    GatewayImitation nginx = new GatewayImitation(GatewayImitation.Rule.NGINX_RETURN_411);
    ProbeRun haproxyRun;
    ProbeRun nginxRun;
    try (haproxy;
        nginx) {
      haproxyRun = ProbeRun.of(url(haproxy), "--timeout", "5s");
      nginxRun = ProbeRun.of(url(nginx), "--timeout", "5s");
    }

    assertThat(haproxyRun.exit()).isEqualTo(nginxRun.exit()).isEqualTo(3);
    assertThat(haproxyRun.err()).isEmpty();
    assertThat(haproxyRun.out())
        .contains(
            "  Transfer-Encoding: chunked     411 Length Required, before the body; closed\n"
                + "                                 without reading the body\n")
        .contains("Verdict: requires Content-Length; closes without reading the body\n")
        .contains("Use:     GuardMode.PREBUFFER (or ADAPTIVE with expectContinue(true))\n")
        .contains("ADAPTIVE works only where the client\n  reads the 411 (below).\n")
        .contains("* It answers 411 on the request head and closes the connection without")
        .contains("loses some such calls under RETRY_ON_411 and ADAPTIVE")
        .contains("These recover: PREBUFFER; expectContinue(true),")
        .doesNotContain("ADAPTIVE also works");
    assertThat(haproxyRun.out().lines())
        .allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(80));

    assertThat(nginxRun.err()).isEmpty();
    assertThat(nginxRun.out())
        .contains(
            "  Transfer-Encoding: chunked     411 Length Required, before the body; body read\n")
        .contains("Verdict: requires Content-Length\n")
        .contains("ADAPTIVE also works: one 411 per\n  origin, then prebuffered.")
        .doesNotContain("closes without reading")
        .doesNotContain("closes the connection without");

    // What each server saw: the same four requests; only nginx read the refused body.
    assertThat(haproxy.requests())
        .containsExactly(
            "POST length 200 read " + PAYLOAD_BYTES,
            "POST chunked 411 not read",
            "POST chunked 411 not read",
            "POST empty 200 read 0");
    assertThat(nginx.requests())
        .containsExactly(
            "POST length 200 read " + PAYLOAD_BYTES,
            "POST chunked 411 read "
                + PAYLOAD_BYTES
                + " bytes in "
                + Exchange.EARLY_PIECES
                + " chunks",
            // With Expect: 100-continue the probe holds the body back from the early 411.
            "POST chunked 411 read 0 bytes, then the end of the stream",
            "POST empty 200 read 0");
  }

  @Test
  void jsonSaysWhichGatewayClosesWithoutReading() throws Exception {
    try (GatewayImitation haproxy = new GatewayImitation(GatewayImitation.Rule.HAPROXY_DENY);
        GatewayImitation nginx = new GatewayImitation(GatewayImitation.Rule.NGINX_RETURN_411)) {
      String haproxyJson = ProbeRun.of(url(haproxy), "--json", "--timeout", "5s").out();
      String nginxJson = ProbeRun.of(url(nginx), "--json", "--timeout", "5s").out();

      assertThat(haproxyJson)
          .contains("\"summary\": \"requires Content-Length; closes without reading the body\",\n")
          .contains("\"closesWithoutReadingBody\": true,\n")
          .contains(
              "{\"framing\": \"chunked\", \"status\": 411, \"reason\": \"Length Required\","
                  + " \"continueReceived\": false, \"bodySent\": false,"
                  + " \"earlyAnswer\": \"closed-without-reading\", \"error\": null},\n");
      assertThat(nginxJson)
          .contains("\"summary\": \"requires Content-Length\",\n")
          .contains("\"closesWithoutReadingBody\": false,\n")
          .contains(
              "{\"framing\": \"chunked\", \"status\": 411, \"reason\": \"Length Required\","
                  + " \"continueReceived\": false, \"bodySent\": true,"
                  + " \"earlyAnswer\": \"body-read\", \"error\": null},\n");
    }
  }

  private static Exchange exchange(GatewayImitation gateway) throws Exception {
    Connector connector =
        Connector.create(Target.parse(url(gateway)), Duration.ofSeconds(5), false);
    return new Exchange(connector, "POST", List.of(), EndpointProbe.PAYLOAD);
  }

  private static String url(GatewayImitation gateway) {
    return "http://127.0.0.1:" + gateway.port() + "/upload";
  }
}
