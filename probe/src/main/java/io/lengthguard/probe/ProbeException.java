package io.lengthguard.probe;

import java.io.IOException;

/** A request the probe could not complete; the message is one line a person can act on. */
final class ProbeException extends IOException {
  ProbeException(String message) {
    super(message);
  }
}
