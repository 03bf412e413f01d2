package io.lengthguard.it;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * An HTTP/1.1 response read off a raw socket, for tests that must see exactly what a gateway does
 * with the connection. Only responses framed by {@code Content-Length} are supported, which is how
 * all four gateways frame their 411 and how the backend frames its replies.
 */
record RawResponse(int status, Map<String, String> headers, byte[] body) {

  /** Returns the value of header {@code name}, matched ignoring case, or empty. */
  Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
  }

  /**
   * Returns the next response on {@code in}, or empty when the peer closed the connection before
   * sending a byte of it.
   */
  static Optional<RawResponse> read(InputStream in) throws IOException {
    String statusLine = readLine(in);
    if (statusLine == null) return Optional.empty();
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP/1 status line: " + statusLine);
    }
    int status = Integer.parseInt(parts[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String line; !(line = requireLine(in)).isEmpty(); ) {
      int colon = line.indexOf(':');
      if (colon <= 0) throw new IOException("malformed header line: " + line);
      headers.put(
          line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
          line.substring(colon + 1).trim());
    }
    String contentLength = headers.get("content-length");
    if (contentLength == null) {
      throw new IOException("response " + status + " is not framed by Content-Length: " + headers);
    }
    byte[] body = in.readNBytes(Integer.parseInt(contentLength));
    if (body.length != Integer.parseInt(contentLength)) {
      throw new EOFException("response body ended after " + body.length + " of " + contentLength);
    }
    return Optional.of(new RawResponse(status, headers, body));
  }

  private static String requireLine(InputStream in) throws IOException {
    String line = readLine(in);
    if (line == null) throw new EOFException("connection closed inside the response head");
    return line;
  }

  /** Returns the next CRLF-terminated line without its CRLF, or null at the end of the stream. */
  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b; (b = in.read()) != -1; ) {
      if (b == '\n') {
        String text = line.toString(ISO_8859_1);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
      }
      line.write(b);
    }
    if (line.size() == 0) return null;
    throw new EOFException("connection closed inside a line: " + line.toString(ISO_8859_1));
  }
}
