package io.lengthguard.probe;

/** A command line the probe cannot run; the message says what to change. */
final class UsageException extends Exception {
  UsageException(String message) {
    super(message);
  }
}
