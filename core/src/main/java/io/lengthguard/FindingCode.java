package io.lengthguard;

import io.lengthguard.FramingFinding.Severity;

/**
 * What {@link FramingCheck} found wrong with a request's framing. The names are stable: alert on
 * them, count them, match them in tests.
 *
 * <p>An {@link Severity#ERROR} is something a server must reject, or that desynchronizes the
 * connection (the server reads a different number of bytes than the client sends). A {@link
 * Severity#WARNING} is legal framing that strict servers refuse or that has no defined meaning.
 */
public enum FindingCode {
  /**
   * The method is not a token, or the request target is empty or holds a space, a control or a
   * non-ASCII character (RFC 9110 §9.1, RFC 9112 §3.2): the request line cannot be parsed.
   */
  INVALID_REQUEST_LINE(Severity.ERROR),

  /**
   * A field name is not a token, or a value holds CR, LF or NUL (RFC 9110 §5.1, §5.5). Whitespace
   * before the colon must get a 400 (RFC 9112 §5.1); a CR or LF starts a new field or ends the
   * head.
   */
  INVALID_FIELD(Severity.ERROR),

  /**
   * {@code Content-Length} sent together with {@code Transfer-Encoding} (RFC 9112 §6.2 forbids it;
   * §6.3 lets a server reject it, and a proxy that picks the other header is open to smuggling).
   */
  CONTENT_LENGTH_WITH_TRANSFER_ENCODING(Severity.ERROR),

  /**
   * Two or more {@code Content-Length} fields with different or invalid values: the body length
   * cannot be determined and a server must reject the request (RFC 9112 §6.3). The same value
   * repeated is {@link #REPEATED_CONTENT_LENGTH}.
   */
  DUPLICATE_CONTENT_LENGTH(Severity.ERROR),

  /**
   * One {@code Content-Length} field holding a comma-separated list of different or invalid values
   * ({@code "5, 7"}, {@code "5,"}): a server must reject the request (RFC 9112 §6.3). The same
   * value repeated ({@code "5, 5"}) is {@link #REPEATED_CONTENT_LENGTH}.
   */
  CONTENT_LENGTH_LIST(Severity.ERROR),

  /**
   * A {@code Content-Length} value that is not ASCII digits: empty, a sign, whitespace, hex, a
   * fraction, or an empty element of a list ({@code "5,"}) (RFC 9110 §8.6; RFC 9112 §6.3 makes it
   * an unrecoverable error).
   */
  INVALID_CONTENT_LENGTH(Severity.ERROR),

  /** A {@code Content-Length} of ASCII digits too large for a {@code long}. */
  CONTENT_LENGTH_OVERFLOW(Severity.ERROR),

  /**
   * {@code Transfer-Encoding} whose last coding is not {@code chunked}: the server cannot find the
   * end of the body and must answer 400 and close the connection (RFC 9112 §6.3).
   */
  TRANSFER_ENCODING_NOT_CHUNKED_LAST(Severity.ERROR),

  /** {@code chunked} applied more than once (RFC 9112 §6.1 forbids it). */
  CHUNKED_MORE_THAN_ONCE(Severity.ERROR),

  /**
   * The declared {@code Content-Length} differs from the body's byte count: the server reads the
   * declared number of bytes, so the rest becomes the next request, or it waits for bytes that
   * never come.
   */
  LENGTH_MISMATCH(Severity.ERROR),

  /**
   * Body bytes with neither {@code Content-Length} nor {@code Transfer-Encoding}: an HTTP/1.1
   * server reads a body of 0 bytes (RFC 9112 §6.3) and takes the bytes as the next request.
   */
  UNFRAMED_BODY(Severity.ERROR),

  /**
   * The same {@code Content-Length} value more than once: in two or more fields, or as a list in
   * one ({@code "5, 5"}). The length is known, but RFC 9110 §8.6 lets a server either take the
   * value once or reject the request as invalid.
   */
  REPEATED_CONTENT_LENGTH(Severity.WARNING),

  /**
   * A POST, PUT or PATCH with neither {@code Content-Length} nor {@code Transfer-Encoding}. It
   * frames a body of 0 bytes, but RFC 9110 §8.6 asks for {@code Content-Length: 0} and servers such
   * as lighttpd answer 411 without it.
   */
  MISSING_LENGTH(Severity.WARNING),

  /**
   * Content on a GET, HEAD, DELETE, CONNECT or TRACE: it has no defined meaning (RFC 9110 §9.3) and
   * some servers and proxies reject or drop it. {@code Content-Length: 0} on these methods is not
   * reported.
   */
  CONTENT_WITHOUT_SEMANTICS(Severity.WARNING);

  private final Severity severity;

  FindingCode(Severity severity) {
    this.severity = severity;
  }

  /** Returns how serious a finding with this code is; it never changes between releases. */
  public Severity severity() {
    return severity;
  }
}
