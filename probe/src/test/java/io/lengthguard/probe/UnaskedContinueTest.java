package io.lengthguard.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A server may send {@code 100 Continue} to any request with a body, asked for or not (RFC 9110
 * §15.2): on the chunked request's head it is no answer, and the probe sends the body after it.
 */
class UnaskedContinueTest {
  private static final int PAYLOAD_BYTES = EndpointProbe.PAYLOAD.length;

  @Test
  void unasked100ContinueOnTheHeadIsNoAnswerAndTheBodyGoes() throws Exception {
    GatewayImitation lenient = new GatewayImitation(GatewayImitation.Rule.UNASKED_CONTINUE);
    Outcome outcome;
    try (lenient) {
      outcome = exchange(lenient).send(Framing.CHUNKED);
    }

    assertThat(outcome).isEqualTo(Outcome.answered(200, "OK", false, true));
    assertThat(lenient.requests())
        .containsExactly("POST chunked 200 read " + PAYLOAD_BYTES + " bytes in 1 chunks");
  }

  @Test
  void endpointSendingUnasked100ContinueAcceptsChunkedAndExitsZero() throws Exception {
    GatewayImitation lenient = new GatewayImitation(GatewayImitation.Rule.UNASKED_CONTINUE);
    ProbeRun run;
    try (lenient) {
      run = ProbeRun.of("http://127.0.0.1:" + lenient.port() + "/upload", "--timeout", "3s");
    }

    assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(Probe.EXIT_ACCEPTS_CHUNKED);
    assertThat(run.err()).isEmpty();
    assertThat(run.out())
        .contains("  Transfer-Encoding: chunked     200 OK\n")
        .contains("Verdict: accepts chunked bodies\n");
    assertThat(lenient.requests())
        .contains("POST chunked 200 read " + PAYLOAD_BYTES + " bytes in 1 chunks");
  }

  private static Exchange exchange(GatewayImitation gateway) throws Exception {
    Connector connector =
        Connector.create(
            Target.parse("http://127.0.0.1:" + gateway.port() + "/upload"),
            Duration.ofSeconds(5),
            false);
    return new Exchange(connector, "POST", List.of(), EndpointProbe.PAYLOAD);
  }
}
