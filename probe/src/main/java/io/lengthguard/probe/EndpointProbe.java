package io.lengthguard.probe;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.EnumMap;
import java.util.Map;

/** Sends the fixed payload framed four ways to one endpoint and judges the answers. */
final class EndpointProbe {
  /** The payload: small, fixed, and JSON, as the bodies that meet a 411 usually are. */
  static final byte[] PAYLOAD =
      "{\"probe\":\"lengthguard\",\"question\":\"which request framings do you accept?\"}"
          .getBytes(UTF_8);

  private EndpointProbe() {}

  /**
   * Returns the answers of {@code options.target()} to each framing, in order, and the verdict.
   *
   * @throws ProbeException if the endpoint cannot be reached, or the Content-Length request (the
   *     baseline every other framing is judged against) gets no response
   */
  static ProbeResult run(Options options) throws ProbeException {
    Target target = options.target();
    if (target == null) throw new IllegalArgumentException("options without a target");
    Connector connector = Connector.create(target, options.timeout(), options.insecure());
    Exchange exchange = new Exchange(connector, options.method(), options.headers(), PAYLOAD);
    Map<Framing, Outcome> outcomes = new EnumMap<>(Framing.class);
    for (Framing framing : Framing.values()) {
      Outcome outcome;
      try {
        outcome = exchange.send(framing);
      } catch (ProbeException e) {
        if (framing == Framing.CONTENT_LENGTH) throw e;
        // The endpoint answered the baseline, so a failure here is this framing's answer.
        outcome = Outcome.failed(e.getMessage());
      }
      outcomes.put(framing, outcome);
    }
    return new ProbeResult(options, PAYLOAD.length, outcomes, Verdict.of(outcomes));
  }
}
