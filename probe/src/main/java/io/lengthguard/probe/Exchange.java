package io.lengthguard.probe;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * One HTTP/1.1 request and its response over a fresh connection, framed exactly as a {@link
 * Framing} says: the probe writes the bytes itself, so no client library adds or rewrites a framing
 * header.
 *
 * <p>Each request carries {@code Connection: close}, so its response ends the connection and a
 * server's answer to one framing cannot leak into the next.
 */
final class Exchange {
  /** How long the body waits for {@code 100 Continue} before it is sent anyway (curl's default). */
  static final Duration CONTINUE_WAIT = Duration.ofSeconds(1);

  /**
   * How long a chunked request waits, after its head, for a final status before its body is sent: a
   * gateway that refuses chunked bodies answers on the head alone.
   */
  static final Duration EARLY_WAIT = Duration.ofMillis(500);

  /** How many chunks carry the payload written after such an answer. */
  static final int EARLY_PIECES = 4;

  static final Duration MIN_PAUSE = Duration.ofMillis(20);
  static final Duration MAX_PAUSE = Duration.ofMillis(500);

  static final int MAX_LINE_BYTES = 8 * 1024;
  static final int MAX_HEAD_BYTES = 64 * 1024;
  static final int MAX_INTERIM_RESPONSES = 10;
  static final long MAX_DRAIN_BYTES = 64 * 1024;
  static final Duration MAX_DRAIN_TIME = Duration.ofSeconds(1);

  private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.[0-9] ([0-9]{3})(?: (.*))?");

  private final Connector connector;
  private final String method;
  private final List<Options.Header> headers;
  private final byte[] payload;

  Exchange(Connector connector, String method, List<Options.Header> headers, byte[] payload) {
    this.connector = connector;
    this.method = method;
    this.headers = List.copyOf(headers);
    this.payload = payload;
  }

  /** Sends the request framed as {@code framing} and returns the final status it got. */
  Outcome send(Framing framing) throws ProbeException {
    long deadline = System.nanoTime() + connector.timeout().toNanos();
    Socket socket = connector.connect(deadline);
    try (socket) {
      HttpInput in = new HttpInput(socket, deadline);
      OutputStream out = socket.getOutputStream();
      byte[] head = head(framing);
      byte[] body = body(framing);
      if (framing == Framing.CHUNKED_EXPECT_CONTINUE) return expectContinue(in, out, head, body);
      if (framing == Framing.CHUNKED) {
        Outcome early = answerBeforeBody(in, out, head);
        if (early != null) return early;
        head = new byte[0]; // sent
      }

      IOException writeFailure = null;
      try {
        // One write, so a small request leaves in one segment.
        out.write(concat(head, body));
        out.flush();
      } catch (IOException e) {
        // A server may answer and close before reading the body (haproxy does on 411); its
        // response can still be read, as OkHttp 4.11+ does.
        writeFailure = e;
      }
      Head response;
      try {
        response = finalHead(in);
      } catch (IOException e) {
        throw failed(writeFailure != null ? writeFailure : e, writeFailure != null);
      }
      drain(in, response);
      return Outcome.answered(
          response.status, response.reason, false, framing.hasBody() && writeFailure == null);
    } catch (ProbeException e) {
      throw e;
    } catch (IOException e) {
      throw failed(e, false);
    }
  }

  /**
   * RFC 9110 §10.1.1: send the headers, then the body on {@code 100 Continue} or after a short
   * silence; a final status first means the body is never sent.
   */
  private Outcome expectContinue(HttpInput in, OutputStream out, byte[] head, byte[] body)
      throws IOException {
    out.write(head);
    out.flush();
    long waitUntil = Math.min(System.nanoTime() + CONTINUE_WAIT.toNanos(), in.deadline());
    boolean continued = false;
    Head response = null;
    int interim = 0;
    while (in.await(waitUntil - System.nanoTime())) {
      Head next = head(in);
      if (next.status == 100) {
        continued = true;
        break;
      }
      if (next.status >= 200) {
        response = next;
        break;
      }
      // Another 1xx (such as 103 Early Hints) is no answer to the expectation: keep waiting.
      if (++interim > MAX_INTERIM_RESPONSES) throw tooManyInterim();
    }
    boolean bodySent = false;
    if (response == null) {
      IOException writeFailure = null;
      try {
        out.write(body);
        out.flush();
        bodySent = true;
      } catch (IOException e) {
        writeFailure = e;
      }
      try {
        response = finalHead(in);
      } catch (IOException e) {
        throw failed(writeFailure != null ? writeFailure : e, writeFailure != null);
      }
    }
    drain(in, response);
    return Outcome.answered(response.status, response.reason, continued, bodySent);
  }

  /**
   * Sends the head of a chunked request alone and waits {@link #EARLY_WAIT} for an answer, skipping
   * interim (1xx) responses. Returns null if no final status came: the body is to be sent as usual.
   * A final status that came first is what haproxy's deny rule and nginx's {@code return 411} both
   * do; what tells them apart, and decides whether a client that writes its body before reading the
   * response ever sees the 411, is what happens to the body written after it: nginx reads it,
   * haproxy has closed the connection. So the body is still written, in {@link #EARLY_PIECES}
   * chunks with pauses of about two round trips, in which a reset to the first piece arrives and
   * fails a later write.
   */
  private @Nullable Outcome answerBeforeBody(HttpInput in, OutputStream out, byte[] head)
      throws IOException {
    long start = System.nanoTime();
    out.write(head);
    out.flush();
    long deadline = in.deadline();
    long waitUntil = start + Math.min(EARLY_WAIT.toNanos(), deadline - start);
    Head response = null;
    int interim = 0;
    while (response == null) {
      if (!in.await(waitUntil - System.nanoTime())) return null;
      Head next = head(in);
      if (next.status >= 200) {
        response = next;
      } else if (++interim > MAX_INTERIM_RESPONSES) {
        throw tooManyInterim();
      }
      // A 1xx is no answer: some servers send 100 Continue to any head with a body, unasked (RFC
      // 9110 §15.2), then wait for the body, so waiting past it for a final status would time out.
    }
    long roundTrip = System.nanoTime() - start;
    drain(in, response);
    in.deadline(deadline);
    // A server that closes sends its FIN now; waiting for it makes the reset below certain.
    in.awaitEnd(EARLY_WAIT.toNanos());
    long pause = Math.max(MIN_PAUSE.toNanos(), Math.min(MAX_PAUSE.toNanos(), 2 * roundTrip));
    boolean taken = true;
    List<byte[]> pieces = pieces();
    for (int i = 0; i < pieces.size() && taken; i++) {
      if (i > 0 && !pause(Math.min(pause, deadline - System.nanoTime()))) break;
      try {
        out.write(pieces.get(i));
        out.flush();
      } catch (IOException e) {
        // Broken pipe or reset: the server closed the connection without reading the body.
        taken = false;
      }
    }
    return Outcome.answeredBeforeBody(response.status, response.reason, taken);
  }

  /** Returns the chunked payload as {@link #EARLY_PIECES} chunks and the last chunk. */
  private List<byte[]> pieces() {
    List<byte[]> pieces = new ArrayList<>();
    int size = (payload.length + EARLY_PIECES - 1) / EARLY_PIECES;
    for (int at = 0; at < payload.length; at += size) {
      int n = Math.min(size, payload.length - at);
      byte[] chunk = Arrays.copyOfRange(payload, at, at + n);
      pieces.add(
          concat(
              (Integer.toHexString(n) + "\r\n").getBytes(ISO_8859_1),
              chunk,
              "\r\n".getBytes(ISO_8859_1)));
    }
    pieces.add("0\r\n\r\n".getBytes(ISO_8859_1));
    return pieces;
  }

  /** Sleeps {@code nanos}; returns false if there is no time left or the thread was interrupted. */
  private static boolean pause(long nanos) {
    if (nanos <= 0) return false;
    try {
      TimeUnit.NANOSECONDS.sleep(nanos);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private byte[] head(Framing framing) {
    StringBuilder head = new StringBuilder(256);
    Target target = connector.target();
    head.append(method).append(' ').append(target.requestTarget()).append(" HTTP/1.1\r\n");
    if (!hasHeader("Host")) header(head, "Host", target.hostHeader());
    if (!hasHeader("User-Agent")) header(head, "User-Agent", "lengthguard-probe");
    if (!hasHeader("Accept")) header(head, "Accept", "*/*");
    if (framing.hasBody() && !hasHeader("Content-Type")) {
      header(head, "Content-Type", "application/json");
    }
    switch (framing) {
      case CONTENT_LENGTH:
        header(head, "Content-Length", String.valueOf(payload.length));
        break;
      case CHUNKED:
        header(head, "Transfer-Encoding", "chunked");
        break;
      case CHUNKED_EXPECT_CONTINUE:
        header(head, "Transfer-Encoding", "chunked");
        header(head, "Expect", "100-continue");
        break;
      case EMPTY_WITHOUT_LENGTH:
        break;
    }
    header(head, "Connection", "close");
    for (Options.Header h : headers) header(head, h.name(), h.value());
    return head.append("\r\n").toString().getBytes(ISO_8859_1);
  }

  private byte[] body(Framing framing) {
    switch (framing) {
      case CONTENT_LENGTH:
        return payload;
      case CHUNKED:
      case CHUNKED_EXPECT_CONTINUE:
        // RFC 9112 §7.1: one chunk, the last chunk, no trailers.
        byte[] size = (Integer.toHexString(payload.length) + "\r\n").getBytes(ISO_8859_1);
        return concat(size, payload, "\r\n0\r\n\r\n".getBytes(ISO_8859_1));
      default:
        return new byte[0];
    }
  }

  private boolean hasHeader(String name) {
    for (Options.Header h : headers) {
      if (h.name().equalsIgnoreCase(name)) return true;
    }
    return false;
  }

  private static void header(StringBuilder head, String name, String value) {
    head.append(name).append(": ").append(value).append("\r\n");
  }

  /** Reads responses until a final one (RFC 9110 §15.2: skip any 1xx, asked for or not). */
  private Head finalHead(HttpInput in) throws IOException {
    for (int interim = 0; interim <= MAX_INTERIM_RESPONSES; interim++) {
      Head head = head(in);
      if (head.status >= 200) return head;
    }
    throw tooManyInterim();
  }

  /** Reads one response's status line and header fields. */
  private Head head(HttpInput in) throws IOException {
    String statusLine = in.readLine(MAX_LINE_BYTES);
    if (statusLine == null) {
      throw new EOFException(
          connector.target().authority() + " closed the connection without a response");
    }
    Matcher m = STATUS_LINE.matcher(statusLine);
    if (!m.matches()) {
      throw new ProtocolException(
          connector.target().authority()
              + " did not answer in HTTP/1.1: '"
              + printable(statusLine, 40)
              + "'");
    }
    Head head = new Head(Integer.parseInt(m.group(1)), printable(m.group(2), 60));
    int bytes = statusLine.length();
    while (true) {
      String line = in.readLine(MAX_LINE_BYTES);
      if (line == null) throw new EOFException("end of stream in the response headers");
      if (line.isEmpty()) return head;
      bytes += line.length() + 2;
      if (bytes > MAX_HEAD_BYTES) {
        throw new ProtocolException("response headers over " + MAX_HEAD_BYTES + " bytes");
      }
      head.field(line);
    }
  }

  /**
   * Reads and drops at most {@link #MAX_DRAIN_BYTES} of the response body for at most {@link
   * #MAX_DRAIN_TIME}, so the server sees its response read before the connection closes.
   */
  private void drain(HttpInput in, Head response) {
    if (method.equals("HEAD") || response.status == 204 || response.status == 304) return;
    in.deadline(Math.min(in.deadline(), System.nanoTime() + MAX_DRAIN_TIME.toNanos()));
    try {
      if (response.chunked) {
        long budget = MAX_DRAIN_BYTES;
        while (budget > 0) {
          String sizeLine = in.readLine(MAX_LINE_BYTES);
          if (sizeLine == null) return;
          int semicolon = sizeLine.indexOf(';');
          String hex = (semicolon >= 0 ? sizeLine.substring(0, semicolon) : sizeLine).strip();
          long size = Long.parseLong(hex, 16);
          if (size <= 0 || size > budget - 2) return;
          if (in.skip(size + 2) < size + 2) return;
          budget -= size + 2;
        }
      } else {
        in.skip(
            response.contentLength >= 0
                ? Math.min(response.contentLength, MAX_DRAIN_BYTES)
                : MAX_DRAIN_BYTES);
      }
    } catch (IOException | NumberFormatException e) {
      // The status is all the probe reports, and the connection closes next: a body that ends
      // badly or slowly changes nothing.
    }
  }

  private ProbeException tooManyInterim() {
    return new ProbeException(
        connector.target().authority()
            + " sent more than "
            + MAX_INTERIM_RESPONSES
            + " interim (1xx) responses");
  }

  /** Returns the one-line message for a failure after the connection was open. */
  private ProbeException failed(IOException e, boolean whileSending) {
    String where = connector.target().authority();
    if (e instanceof ProbeException) return (ProbeException) e;
    if (e instanceof SocketTimeoutException) {
      return new ProbeException(
          "timed out after "
              + Options.format(connector.timeout())
              + " waiting for a response from "
              + where);
    }
    if (e instanceof ProtocolException) {
      String message = Connector.oneLine(e);
      return new ProbeException(message.startsWith(where) ? message : where + " sent " + message);
    }
    if (e instanceof EOFException) {
      String message = Connector.oneLine(e);
      return new ProbeException(
          message.startsWith(where) ? message : where + " closed the connection mid-response");
    }
    if (e instanceof SSLException) {
      return new ProbeException("TLS failure with " + where + ": " + Connector.oneLine(e));
    }
    if (e instanceof SocketException
        && String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("reset")) {
      return new ProbeException(where + " reset the connection");
    }
    return new ProbeException(
        (whileSending
                ? "the connection to " + where + " failed while sending: "
                : "I/O error with " + where + ": ")
            + Connector.oneLine(e));
  }

  private static String printable(@Nullable String text, int max) {
    if (text == null) return "";
    StringBuilder out = new StringBuilder(Math.min(text.length(), max));
    for (int i = 0; i < text.length() && out.length() < max; i++) {
      char c = text.charAt(i);
      out.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return out.toString().strip();
  }

  private static byte[] concat(byte[]... parts) {
    int size = 0;
    for (byte[] part : parts) size += part.length;
    byte[] result = new byte[size];
    int at = 0;
    for (byte[] part : parts) {
      System.arraycopy(part, 0, result, at, part.length);
      at += part.length;
    }
    return result;
  }

  /** A response's status line and the header fields that say how its body is framed. */
  private static final class Head {
    final int status;
    final String reason;
    long contentLength = -1;
    boolean chunked;

    Head(int status, String reason) {
      this.status = status;
      this.reason = reason;
    }

    void field(String line) {
      int colon = line.indexOf(':');
      if (colon <= 0) return;
      String name = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).strip();
      if (name.equals("transfer-encoding")) {
        // RFC 9112 §6.3: chunked, when it is the final coding, decides the length.
        chunked = value.toLowerCase(Locale.ROOT).endsWith("chunked");
      } else if (name.equals("content-length")) {
        try {
          long length = Long.parseLong(value);
          // Differing values: the body's end is unknown, so drain until close (RFC 9112 §6.3).
          contentLength = contentLength == -1 || contentLength == length ? length : -2;
        } catch (NumberFormatException e) {
          contentLength = -2;
        }
      }
    }
  }
}
