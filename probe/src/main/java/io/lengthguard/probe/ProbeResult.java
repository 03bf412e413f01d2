package io.lengthguard.probe;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * Everything {@code probe URL} found out.
 *
 * @param options the command line it ran with
 * @param payloadBytes the size of the payload each framing carried
 * @param outcomes the answer to each framing, in {@link Framing} order
 * @param verdict what the answers mean
 */
record ProbeResult(
    Options options, int payloadBytes, Map<Framing, Outcome> outcomes, Verdict verdict) {
  ProbeResult {
    outcomes = Collections.unmodifiableMap(new EnumMap<>(outcomes));
  }
}
