package io.lengthguard.it;

/** How a request body tells its client its length; each client builds its own body of each kind. */
enum BodyKind {
  /** A length known up front: the client sends {@code Content-Length} and the guard stays out. */
  KNOWN("known length"),
  /** No length up front (-1), but the body can be written again: the client sends it chunked. */
  UNKNOWN("unknown length"),
  /** No length up front, and the bytes can be read only once (a stream): sent chunked. */
  ONE_SHOT("one-shot");

  private final String displayName;

  BodyKind(String displayName) {
    this.displayName = displayName;
  }

  @Override
  public String toString() {
    return displayName;
  }
}
