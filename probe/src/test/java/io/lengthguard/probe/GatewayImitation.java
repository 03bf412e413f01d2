package io.lengthguard.probe;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * A server on 127.0.0.1 that refuses chunked request bodies with 411 on the request head alone, the
 * way a real gateway does (see FACTS.md, "Real gateways"), or that sends an unasked {@code 100
 * Continue} on a head with a body and then accepts it, one connection at a time; a request with
 * {@code Content-Length} or without a body gets 200.
 */
final class GatewayImitation implements AutoCloseable {
  /** How the 411 is given. */
  enum Rule {
    /**
     * haproxy 2.6 {@code http-request deny deny_status 411 ... if { req.hdr(transfer-encoding) -m
     * found }}: answers and closes without reading the body.
     */
    HAPROXY_DENY,
    /**
     * nginx 1.22 {@code if ($http_transfer_encoding) { return 411; }}: answers, then reads the body
     * to its end (asked to close, it shuts its side and reads on: lingering close).
     */
    NGINX_RETURN_411,
    /**
     * Refuses nothing, but sends {@code 100 Continue} as soon as it has the head of any request
     * with a body, asked for or not (RFC 9110 §15.2 lets it; clients must skip it), then reads the
     * body, chunked or not, and answers 200.
     */
    UNASKED_CONTINUE
  }

  private final Rule rule;
  private final ServerSocket serverSocket;
  private final Thread thread;
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private volatile @Nullable IOException failure;

  GatewayImitation(Rule rule) throws IOException {
    this.rule = rule;
    this.serverSocket = new ServerSocket(0, 4, InetAddress.getByName("127.0.0.1"));
    this.thread = new Thread(this::serve, "gateway-" + rule);
    thread.setDaemon(true);
    thread.start();
  }

  int port() {
    return serverSocket.getLocalPort();
  }

  /**
   * Returns one line per request: its method, framing and what the server made of the body ({@code
   * POST chunked 411 read 74 bytes in 5 chunks}, {@code POST chunked 411 not read}).
   */
  List<String> requests() {
    return List.copyOf(requests);
  }

  private void serve() {
    while (!serverSocket.isClosed()) {
      try (Socket socket = serverSocket.accept()) {
        socket.setSoTimeout(5_000);
        handle(socket);
      } catch (SocketException | EOFException e) {
        // Closed by close(), or the client went away: requests() says what arrived.
      } catch (IOException e) {
        failure = e;
      }
    }
  }

  private void handle(Socket socket) throws IOException {
    InputStream in = socket.getInputStream();
    OutputStream out = socket.getOutputStream();
    List<String> head = readHead(in);
    String method = head.get(0).split(" ")[0];
    String transferEncoding = field(head, "transfer-encoding");
    String contentLength = field(head, "content-length");
    if (rule == Rule.UNASKED_CONTINUE && (transferEncoding != null || contentLength != null)) {
      out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(ISO_8859_1));
      out.flush();
      if (transferEncoding != null) {
        requests.add(method + " chunked 200 " + readChunked(in));
        out.write(
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                .getBytes(ISO_8859_1));
        out.flush();
        return;
      }
    }
    if (transferEncoding != null && contentLength == null) {
      if (rule == Rule.HAPROXY_DENY) requests.add(method + " chunked 411 not read");
      out.write(
          ("HTTP/1.1 411 Length Required\r\nContent-Type: text/plain\r\nContent-Length: 15\r\n"
                  + "Connection: close\r\n\r\nLength Required")
              .getBytes(ISO_8859_1));
      out.flush();
      if (rule == Rule.HAPROXY_DENY) return; // closes the connection, the body unread
      socket.shutdownOutput();
      requests.add(method + " chunked 411 " + readChunked(in));
      return;
    }
    long length = contentLength == null ? 0 : Long.parseLong(contentLength);
    in.skipNBytes(length);
    // Recorded before the answer, so that a client that has its answer finds it in requests().
    requests.add(method + (contentLength == null ? " empty" : " length") + " 200 read " + length);
    out.write(
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".getBytes(ISO_8859_1));
    out.flush();
  }

  /** Reads a chunked body to its last chunk (RFC 9112 §7.1); says how much and in how many. */
  private static String readChunked(InputStream in) throws IOException {
    long bytes = 0;
    int chunks = 0;
    while (true) {
      String sizeLine = readLine(in);
      if (sizeLine == null) return "read " + bytes + " bytes, then the end of the stream";
      long size = Long.parseLong(sizeLine.strip(), 16);
      if (size == 0) {
        while (true) {
          String trailer = readLine(in);
          if (trailer == null || trailer.isEmpty()) break;
        }
        return "read " + bytes + " bytes in " + chunks + " chunks";
      }
      in.skipNBytes(size);
      if (!"".equals(readLine(in))) throw new IOException("chunk without CRLF");
      bytes += size;
      chunks++;
    }
  }

  private static List<String> readHead(InputStream in) throws IOException {
    List<String> lines = new ArrayList<>();
    while (true) {
      String line = readLine(in);
      if (line == null) throw new EOFException("no request head");
      if (line.isEmpty()) return lines;
      lines.add(line);
    }
  }

  private static @Nullable String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b == -1) return line.size() == 0 ? null : line.toString(ISO_8859_1);
      if (b == '\n') {
        String text = line.toString(ISO_8859_1);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
      }
      line.write(b);
    }
  }

  private static @Nullable String field(List<String> head, String name) {
    for (String line : head.subList(1, head.size())) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).strip().toLowerCase(Locale.ROOT).equals(name)) {
        return line.substring(colon + 1).strip();
      }
    }
    return null;
  }

  @Override
  public void close() throws Exception {
    serverSocket.close();
    thread.join(5_000);
    IOException e = failure;
    if (e != null) throw e;
  }
}
