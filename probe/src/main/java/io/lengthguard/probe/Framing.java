package io.lengthguard.probe;

/** The four ways the probe frames its request. */
enum Framing {
  /** The payload with its exact {@code Content-Length}. */
  CONTENT_LENGTH("content-length", "Content-Length"),
  /** The payload as one chunk with {@code Transfer-Encoding: chunked} (RFC 9112 §7.1). */
  CHUNKED("chunked", "Transfer-Encoding: chunked"),
  /**
   * The payload chunked, its headers carrying {@code Expect: 100-continue} (RFC 9110 §10.1.1): the
   * body waits for a 100 Continue, or for a short while if the server says nothing.
   */
  CHUNKED_EXPECT_CONTINUE("chunked-expect-continue", "chunked + Expect: 100-continue"),
  /**
   * No body and neither {@code Content-Length} nor {@code Transfer-Encoding}: a length of zero by
   * RFC 9112 §6.3, which stock lighttpd still answers with 411 for a POST.
   */
  EMPTY_WITHOUT_LENGTH("empty-without-length", "empty body, no length header");

  private final String id;
  private final String label;

  Framing(String id, String label) {
    this.id = id;
    this.label = label;
  }

  /** Returns the name used in JSON output. */
  String id() {
    return id;
  }

  /** Returns the name used in the text report. */
  String label() {
    return label;
  }

  /** Returns whether this framing carries the payload. */
  boolean hasBody() {
    return this != EMPTY_WITHOUT_LENGTH;
  }
}
