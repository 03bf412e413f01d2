package io.lengthguard;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Checks how a request frames its body on HTTP/1.1, against RFC 9110 §8.6 and RFC 9112 §6: the
 * method, the header fields as sent (repeated names kept, names in any case) and, when known, the
 * body's byte count. The result is a {@link FramingReport} of {@linkplain FindingCode findings}.
 *
 * <pre>{@code
 * FramingReport report =
 *     FramingCheck.request("POST")
 *         .target("/upload")
 *         .header("Content-Length", "5")
 *         .bodyBytes(7)
 *         .check();
 * report.requireNoErrors(); // throws FramingViolationException: LENGTH_MISMATCH
 * }</pre>
 *
 * <p>The check models HTTP/1.1, where the head alone says where the body ends. HTTP/2 and HTTP/3
 * carry the length in their frames and have no {@code Transfer-Encoding}: there a body with neither
 * header is normal, so callers should not report {@link FindingCode#UNFRAMED_BODY} or {@link
 * FindingCode#MISSING_LENGTH} for those protocols.
 *
 * <p>The check reads nothing but its arguments, never throws for any header content, and keeps no
 * state. This class is thread-safe.
 */
public final class FramingCheck {
  /** What {@link #parse} returns for a value that is not ASCII digits. */
  static final long INVALID = -1;

  /** What {@link #parse} returns for ASCII digits larger than {@link Long#MAX_VALUE}. */
  static final long OVERFLOW = -2;

  private static final int MAX_QUOTED = 64;
  private static final Set<String> BODY_METHODS = Set.of("POST", "PUT", "PATCH");
  // RFC 9110 §9.3.1 GET, §9.3.2 HEAD, §9.3.5 DELETE, §9.3.6 CONNECT, §9.3.8 TRACE: content has no
  // defined semantics (TRACE: a client must not send any).
  private static final Set<String> NO_CONTENT_METHODS =
      Set.of("GET", "HEAD", "DELETE", "CONNECT", "TRACE");

  private FramingCheck() {}

  /**
   * Returns the report on a request whose target is not known.
   *
   * @param method the method, case-sensitive (RFC 9110 §9.1)
   * @param headers the header fields in the order sent, repeated names kept
   * @param bodyBytes the body's byte count before any transfer coding, or -1 if unknown
   * @throws NullPointerException if an argument, a header, a name or a value is null
   * @throws IllegalArgumentException if {@code bodyBytes} is less than -1
   */
  public static FramingReport check(
      String method, List<? extends Map.Entry<String, String>> headers, long bodyBytes) {
    return check(method, null, headers, bodyBytes);
  }

  /**
   * Returns the report on a request.
   *
   * @param method the method, case-sensitive (RFC 9110 §9.1)
   * @param target the request target as sent ({@code /path?query}), or null if not known
   * @param headers the header fields in the order sent, repeated names kept
   * @param bodyBytes the body's byte count before any transfer coding, or -1 if unknown
   * @throws NullPointerException if {@code method}, {@code headers}, a header, a name or a value is
   *     null
   * @throws IllegalArgumentException if {@code bodyBytes} is less than -1
   */
  public static FramingReport check(
      String method,
      @Nullable String target,
      List<? extends Map.Entry<String, String>> headers,
      long bodyBytes) {
    requireNonNull(method, "method == null");
    requireNonNull(headers, "headers == null");
    Checks.requireArgument(bodyBytes >= -1, "bodyBytes < -1: %s", bodyBytes);
    String[] fields = new String[headers.size() * 2];
    int i = 0;
    for (Map.Entry<String, String> header : headers) {
      int index = i / 2;
      requireNonNull(header, () -> "headers[" + index + "] == null");
      fields[i++] = requireNonNull(header.getKey(), () -> "headers[" + index + "] name == null");
      fields[i++] = requireNonNull(header.getValue(), () -> "headers[" + index + "] value == null");
    }
    return analyze(method, target, fields, bodyBytes);
  }

  /**
   * Returns a builder for the check of a request with {@code method}, for callers that hold headers
   * in their own form.
   *
   * @throws NullPointerException if {@code method} is null
   */
  public static Builder request(String method) {
    return new Builder(requireNonNull(method, "method == null"));
  }

  /**
   * Returns the length a {@code Content-Length} field value declares. The value must be one or more
   * ASCII digits (RFC 9110 §8.6) and nothing else: no sign, whitespace, list, hex or fraction.
   * Callers pass the value without the whitespace around it in the message, as HTTP clients store
   * it. Leading zeros are allowed.
   *
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if the value is not ASCII digits, or its number does not fit a
   *     {@code long}; the message quotes the value
   */
  public static long parseContentLength(String value) {
    requireNonNull(value, "value == null");
    long length = parse(value);
    if (length == OVERFLOW) {
      throw new IllegalArgumentException(
          "Content-Length overflows a long (max " + Long.MAX_VALUE + "): " + quote(value));
    }
    Checks.requireArgument(
        length != INVALID, "Content-Length is not ASCII digits (RFC 9110 §8.6): %s", quote(value));
    return length;
  }

  /** Returns the length {@code value} declares, {@link #INVALID}, or {@link #OVERFLOW}. */
  static long parse(String value) {
    int n = value.length();
    if (n == 0) return INVALID;
    long length = 0;
    boolean overflow = false;
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') return INVALID;
      int digit = c - '0';
      // Keep scanning past an overflow: "99999999999999999999x" is invalid, not too large.
      if (overflow || length > (Long.MAX_VALUE - digit) / 10) {
        overflow = true;
      } else {
        length = length * 10 + digit;
      }
    }
    return overflow ? OVERFLOW : length;
  }

  static FramingReport analyze(
      String method, @Nullable String target, String[] fields, long bodyBytes) {
    List<FramingFinding> findings = new ArrayList<>();
    checkRequestLine(method, target, findings);

    List<String> lengths = new ArrayList<>(1);
    List<String> codings = new ArrayList<>(1);
    long headerBytes = 2; // the blank line that ends the head
    for (int i = 0; i < fields.length; i += 2) {
      String name = fields[i];
      String value = fields[i + 1];
      headerBytes += Utf8.encodedLength(name) + 2 + Utf8.encodedLength(value) + 2;
      if (!checkField(name, value, findings)) continue;
      if (name.equalsIgnoreCase("Content-Length")) {
        lengths.add(value);
      } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
        codings.add(value);
      }
    }

    long declared = checkContentLength(lengths, bodyBytes, findings);
    if (!codings.isEmpty()) checkTransferEncoding(lengths, codings, bodyBytes, findings);
    checkBody(method, lengths, codings, declared, bodyBytes, findings);

    // Group by code, in FindingCode's order; a stable sort keeps field order within a code.
    findings.sort(Comparator.comparing(FramingFinding::code));
    long requestLineBytes =
        target == null
            ? -1
            : Utf8.encodedLength(method)
                + 1
                + Utf8.encodedLength(target)
                + " HTTP/1.1\r\n".length();
    return new FramingReport(
        method,
        target,
        findings,
        fields.length / 2,
        requestLineBytes,
        headerBytes,
        declared,
        bodyBytes,
        !lengths.isEmpty(),
        !codings.isEmpty());
  }

  private static void checkRequestLine(
      String method, @Nullable String target, List<FramingFinding> findings) {
    if (!isToken(method)) {
      findings.add(
          new FramingFinding(
              FindingCode.INVALID_REQUEST_LINE,
              "method "
                  + quote(method)
                  + " is not a token (RFC 9110 §9.1), so the request line cannot be parsed; use a"
                  + " method name such as POST"));
    }
    if (target != null && !isTarget(target)) {
      findings.add(
          new FramingFinding(
              FindingCode.INVALID_REQUEST_LINE,
              "request target "
                  + quote(target)
                  + " is empty or holds a space, control or non-ASCII character (RFC 9112 §3.2),"
                  + " so the request line cannot be parsed; percent-encode the target"));
    }
  }

  /** Reports a malformed field; returns false if its name is not a token. */
  private static boolean checkField(String name, String value, List<FramingFinding> findings) {
    if (!isToken(name)) {
      findings.add(
          new FramingFinding(
              FindingCode.INVALID_FIELD,
              "field name "
                  + quote(name)
                  + " is not a token (RFC 9110 §5.1): a server answers 400 or reads another field"
                  + " than the one meant (RFC 9112 §5.1); use only letters, digits and '-', with"
                  + " no whitespace before the colon"));
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\r' || c == '\n' || c == 0) {
        findings.add(
            new FramingFinding(
                FindingCode.INVALID_FIELD,
                "value of "
                    + escape(name)
                    + " holds "
                    + (c == '\r' ? "CR" : c == '\n' ? "LF" : "NUL")
                    + " at index "
                    + i
                    + " (RFC 9110 §5.5): parsers end the field there, so the server may read"
                    + " other fields or another request than the one meant; remove CR, LF and NUL"
                    + " from field values"));
        break;
      }
    }
    return true;
  }

  /** Reports malformed Content-Length fields; returns the length they agree on, or -1. */
  private static long checkContentLength(
      List<String> lengths, long bodyBytes, List<FramingFinding> findings) {
    if (lengths.isEmpty()) return -1;
    long agreed = -1;
    boolean conflict = false;
    for (String value : lengths) {
      // Empty elements are kept: Content-Length is 1*DIGIT, not a list (RFC 9110 §8.6), so the
      // rule that a list's empty elements are ignored (§5.6.1) does not apply, and parsers such as
      // Node's and nginx answer 400 to "5," where ignoring the element would report it clean.
      List<String> members = value.indexOf(',') < 0 ? List.of(value) : elements(value);
      long first = -1;
      boolean differ = false;
      boolean emptyNamed = false;
      for (String member : members) {
        long length = parse(member);
        if (length == INVALID && member.isEmpty() && members.size() > 1) {
          if (!emptyNamed) findings.add(emptyElement(value, bodyBytes));
          emptyNamed = true;
        } else if (length == INVALID) {
          findings.add(invalidLength(member, bodyBytes));
        } else if (length == OVERFLOW) {
          findings.add(
              new FramingFinding(
                  FindingCode.CONTENT_LENGTH_OVERFLOW,
                  "Content-Length "
                      + quote(member)
                      + " overflows a 64-bit length (max "
                      + Long.MAX_VALUE
                      + "), so no server can read it; "
                      + sendLength(bodyBytes)));
        }
        if (length < 0 || (first >= 0 && length != first)) differ = true;
        if (first < 0) first = length;
      }
      if (members.size() > 1) {
        // Equal values give the length, so a recipient may accept them (RFC 9110 §8.6, RFC 9112
        // §6.3): a warning, never a reason to refuse what the bare client would send.
        findings.add(
            new FramingFinding(
                differ ? FindingCode.CONTENT_LENGTH_LIST : FindingCode.REPEATED_CONTENT_LENGTH,
                differ
                    ? "Content-Length is a list of different or invalid values ("
                        + quote(value)
                        + "): the body length cannot be determined and a server must reject the"
                        + " request (RFC 9112 §6.3); "
                        + sendLength(bodyBytes)
                    : "Content-Length is a list ("
                        + quote(value)
                        + "), not one number: RFC 9110 §8.6 lets a server reject it; send"
                        + " Content-Length: "
                        + first
                        + " once"));
      }
      if (differ || (agreed >= 0 && first != agreed)) conflict = true;
      if (agreed < 0) agreed = first;
    }
    if (lengths.size() > 1) {
      findings.add(
          new FramingFinding(
              conflict ? FindingCode.DUPLICATE_CONTENT_LENGTH : FindingCode.REPEATED_CONTENT_LENGTH,
              conflict
                  ? lengths.size()
                      + " Content-Length fields with different or invalid values ("
                      + quoteAll(lengths)
                      + "): the body length cannot be determined and a server must reject the"
                      + " request (RFC 9112 §6.3); "
                      + sendLength(bodyBytes)
                  : lengths.size()
                      + " Content-Length fields with the same value ("
                      + agreed
                      + "): RFC 9110 §8.6 lets a server reject the repeat; send Content-Length: "
                      + agreed
                      + " once"));
    }
    return conflict ? -1 : agreed;
  }

  private static FramingFinding invalidLength(String value, long bodyBytes) {
    return new FramingFinding(
        FindingCode.INVALID_CONTENT_LENGTH,
        "Content-Length "
            + quote(value)
            + " is not a decimal number: RFC 9110 §8.6 allows ASCII digits only (no sign,"
            + " whitespace, hex or fraction) and a server must reject the request (RFC 9112 §6.3); "
            + sendLength(bodyBytes));
  }

  private static FramingFinding emptyElement(String value, long bodyBytes) {
    return new FramingFinding(
        FindingCode.INVALID_CONTENT_LENGTH,
        "Content-Length "
            + quote(value)
            + " holds an empty list element: RFC 9110 §8.6 allows ASCII digits only and a server"
            + " must reject the request (RFC 9112 §6.3); "
            + sendLength(bodyBytes));
  }

  private static void checkTransferEncoding(
      List<String> lengths, List<String> codings, long bodyBytes, List<FramingFinding> findings) {
    String joined = String.join(", ", codings);
    if (!lengths.isEmpty()) {
      findings.add(
          new FramingFinding(
              FindingCode.CONTENT_LENGTH_WITH_TRANSFER_ENCODING,
              "Content-Length ("
                  + quoteAll(lengths)
                  + ") sent with Transfer-Encoding ("
                  + quote(joined)
                  + "): RFC 9112 §6.2 forbids both; a server rejects the request or ignores the"
                  + " length, and a proxy that reads the other header is open to request"
                  + " smuggling; remove Content-Length to send chunked, or remove"
                  + " Transfer-Encoding and "
                  + sendLength(bodyBytes)));
    }
    List<String> members = new ArrayList<>();
    for (String value : codings) members.addAll(members(value));
    int chunked = 0;
    for (String member : members) {
      int semicolon = member.indexOf(';');
      String coding = semicolon < 0 ? member : trimOws(member.substring(0, semicolon));
      if (coding.equalsIgnoreCase("chunked")) chunked++;
    }
    if (members.isEmpty() || !members.get(members.size() - 1).equalsIgnoreCase("chunked")) {
      findings.add(
          new FramingFinding(
              FindingCode.TRANSFER_ENCODING_NOT_CHUNKED_LAST,
              "Transfer-Encoding "
                  + quote(joined)
                  + " does not end with chunked: the server cannot tell where the body ends and"
                  + " must answer 400 and close the connection (RFC 9112 §6.3); end the list with"
                  + " chunked, or drop Transfer-Encoding and "
                  + sendLength(bodyBytes)));
    }
    if (chunked > 1) {
      findings.add(
          new FramingFinding(
              FindingCode.CHUNKED_MORE_THAN_ONCE,
              "Transfer-Encoding "
                  + quote(joined)
                  + " applies chunked "
                  + chunked
                  + " times; RFC 9112 §6.1 allows it once; send Transfer-Encoding: chunked"));
    }
  }

  private static void checkBody(
      String method,
      List<String> lengths,
      List<String> codings,
      long declared,
      long bodyBytes,
      List<FramingFinding> findings) {
    if (lengths.isEmpty() && codings.isEmpty()) {
      if (bodyBytes > 0) {
        findings.add(
            new FramingFinding(
                FindingCode.UNFRAMED_BODY,
                bytes(bodyBytes)
                    + " of body with neither Content-Length nor Transfer-Encoding: an HTTP/1.1"
                    + " server reads a body of 0 bytes (RFC 9112 §6.3) and takes the "
                    + bytes(bodyBytes)
                    + " as the start of the next request; send Content-Length: "
                    + bodyBytes));
      } else if (BODY_METHODS.contains(method)) {
        findings.add(
            new FramingFinding(
                FindingCode.MISSING_LENGTH,
                escape(method)
                    + " with neither Content-Length nor Transfer-Encoding: servers that want a"
                    + " length answer 411 Length Required; "
                    + (bodyBytes == 0
                        ? "send Content-Length: 0 (RFC 9110 §8.6)"
                        : "send Content-Length with the body's byte count, or Content-Length: 0"
                            + " for no body (RFC 9110 §8.6)")));
      }
    } else if (codings.isEmpty() && declared >= 0 && bodyBytes >= 0 && declared != bodyBytes) {
      long difference = Math.abs(declared - bodyBytes);
      findings.add(
          new FramingFinding(
              FindingCode.LENGTH_MISMATCH,
              "Content-Length declares "
                  + bytes(declared)
                  + " but the body has "
                  + bodyBytes
                  + (declared > bodyBytes
                      ? " ("
                          + difference
                          + " fewer): the server waits for "
                          + bytes(difference)
                          + " more until the request times out"
                      : " ("
                          + difference
                          + " more): the server reads "
                          + bytes(declared)
                          + " and takes the other "
                          + difference
                          + " as the start of the next request")
                  + "; send Content-Length: "
                  + bodyBytes
                  + ", counting encoded bytes, not characters"));
    }
    // Anything but no length or a plain "Content-Length: 0" announces content.
    boolean lengthAnnounced = !lengths.isEmpty() && declared != 0;
    if (NO_CONTENT_METHODS.contains(method)
        && (!codings.isEmpty() || lengthAnnounced || bodyBytes > 0)) {
      String what =
          !codings.isEmpty()
              ? "Transfer-Encoding: " + quote(String.join(", ", codings))
              : !lengthAnnounced
                  ? bytes(bodyBytes) + " of body"
                  : "Content-Length: " + (declared > 0 ? declared : quoteAll(lengths));
      findings.add(
          new FramingFinding(
              FindingCode.CONTENT_WITHOUT_SEMANTICS,
              method
                  + " carries content ("
                  + what
                  + "), which has no defined meaning for "
                  + method
                  + " (RFC 9110 §9.3) and which some servers and proxies reject or drop; send the"
                  + " data in the target, or use POST"));
    }
  }

  private static String bytes(long count) {
    return count == 1 ? "1 byte" : count + " bytes";
  }

  private static String sendLength(long bodyBytes) {
    return bodyBytes >= 0
        ? "send Content-Length: " + bodyBytes
        : "send one Content-Length with the body's byte count";
  }

  /** Returns the non-empty elements of a comma-separated list, without OWS (RFC 9110 §5.6.1). */
  private static List<String> members(String value) {
    List<String> members = elements(value);
    members.removeIf(String::isEmpty);
    return members;
  }

  /** Returns the elements of a comma-separated list, empty ones kept, without OWS. */
  private static List<String> elements(String value) {
    List<String> elements = new ArrayList<>(2);
    int start = 0;
    while (start <= value.length()) {
      int comma = value.indexOf(',', start);
      int end = comma < 0 ? value.length() : comma;
      elements.add(trimOws(value.substring(start, end)));
      start = end + 1;
    }
    return elements;
  }

  private static String trimOws(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && isOws(s.charAt(start))) start++;
    while (end > start && isOws(s.charAt(end - 1))) end--;
    return s.substring(start, end);
  }

  private static boolean isOws(char c) {
    return c == ' ' || c == '\t';
  }

  /** Returns true if {@code s} is a token (RFC 9110 §5.6.2). */
  static boolean isToken(String s) {
    if (s.isEmpty()) return false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!alnum && "!#$%&'*+-.^_`|~".indexOf(c) < 0) return false;
    }
    return true;
  }

  private static boolean isTarget(String target) {
    if (target.isEmpty()) return false;
    for (int i = 0; i < target.length(); i++) {
      char c = target.charAt(i);
      if (c <= ' ' || c >= 0x7f) return false;
    }
    return true;
  }

  /** Returns {@code s} in double quotes, escaped and shortened by {@link #escape}. */
  static String quote(String s) {
    return '"' + escape(s) + '"';
  }

  private static String quoteAll(List<String> values) {
    StringBuilder out = new StringBuilder();
    int shown = Math.min(values.size(), 4);
    for (int i = 0; i < shown; i++) {
      if (i > 0) out.append(", ");
      out.append(quote(values.get(i)));
    }
    if (values.size() > shown) out.append(", ... ").append(values.size() - shown).append(" more");
    return out.toString();
  }

  /**
   * Returns {@code s} safe for a log line: quotes, backslashes and control characters escaped, cut
   * after {@value #MAX_QUOTED} characters.
   */
  static String escape(String s) {
    int n = Math.min(s.length(), MAX_QUOTED);
    StringBuilder out = new StringBuilder(n + 2);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c == '\r') {
        out.append("\\r");
      } else if (c == '\n') {
        out.append("\\n");
      } else if (c == '\t') {
        out.append("\\t");
      } else if (c < 0x20 || (c >= 0x7f && c < 0xa0)) {
        out.append(String.format("\\x%02x", (int) c));
      } else {
        out.append(c);
      }
    }
    if (s.length() > n) out.append("...(").append(s.length()).append(" chars)");
    return out.toString();
  }

  /**
   * Collects one request's target, header fields and body byte count for {@link FramingCheck}.
   * {@link #check()} copies the state, so a builder may be reused. This class is not thread-safe.
   */
  public static final class Builder {
    private final String method;
    private @Nullable String target;
    private final List<String> fields = new ArrayList<>();
    private long bodyBytes = -1;

    Builder(String method) {
      this.method = method;
    }

    /** Sets the request target as sent ({@code /path?query}); null if not known, the default. */
    public Builder target(@Nullable String target) {
      this.target = target;
      return this;
    }

    /**
     * Adds a header field, after those added before; a repeated name is kept.
     *
     * @throws NullPointerException if {@code name} or {@code value} is null
     */
    public Builder header(String name, String value) {
      fields.add(requireNonNull(name, "name == null"));
      fields.add(requireNonNull(value, "value == null"));
      return this;
    }

    /**
     * Sets the body's byte count before any transfer coding, or -1 if unknown, the default.
     *
     * @throws IllegalArgumentException if {@code bodyBytes} is less than -1
     */
    public Builder bodyBytes(long bodyBytes) {
      Checks.requireArgument(bodyBytes >= -1, "bodyBytes < -1: %s", bodyBytes);
      this.bodyBytes = bodyBytes;
      return this;
    }

    /** Returns the report on the request as built so far. */
    public FramingReport check() {
      return analyze(method, target, fields.toArray(new String[0]), bodyBytes);
    }
  }
}
