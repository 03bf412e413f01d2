package io.lengthguard.benchmarks;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;

/**
 * A small HTTP/1.1 server on 127.0.0.1 for the loopback benchmarks: it reads each request's body,
 * framed by {@code Content-Length} or chunked, and answers {@code 200} with a two-byte body when
 * the body has the expected number of bytes, {@code 400} otherwise. Connections are kept alive,
 * with {@code TCP_NODELAY} so that no response waits for Nagle's algorithm; one thread serves each
 * connection.
 *
 * <p>It records how the last request was framed ({@link #lastFraming()}), so a benchmark can check
 * what reached the wire before it measures anything. A {@link BodyObserver}, for tests, also sees
 * each body's size and CRC32C, and may hold the response back.
 *
 * <p>This class is thread-safe.
 */
final class LoopbackServer implements Closeable {
  private static final byte[] OK =
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CONTINUE =
      "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int MAX_LINE = 8192;

  private final long expectedBytes;
  private final @Nullable BodyObserver observer;
  private final ServerSocket serverSocket;
  private final Thread acceptor;
  private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
  private volatile @Nullable String lastFraming;

  /** Sees each request body the server read, on the connection's thread, before the answer. */
  interface BodyObserver {
    /**
     * Called with how the body was framed ({@link #lastFraming()}), its size and its CRC32C; the
     * response waits until it returns.
     */
    void received(String framing, long bytes, long crc32c) throws InterruptedException;
  }

  private LoopbackServer(long expectedBytes, @Nullable BodyObserver observer) throws IOException {
    this.expectedBytes = expectedBytes;
    this.observer = observer;
    this.serverSocket = new ServerSocket();
    serverSocket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    this.acceptor = new Thread(this::accept, "loopback-server-" + port());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Returns a started server that expects request bodies of {@code expectedBytes}. */
  static LoopbackServer start(long expectedBytes) throws IOException {
    if (expectedBytes < 0)
      throw new IllegalArgumentException("expectedBytes < 0: " + expectedBytes);
    return new LoopbackServer(expectedBytes, null);
  }

  /**
   * Returns a started server that expects request bodies of {@code expectedBytes} and shows each to
   * {@code observer}.
   */
  static LoopbackServer start(long expectedBytes, BodyObserver observer) throws IOException {
    if (expectedBytes < 0)
      throw new IllegalArgumentException("expectedBytes < 0: " + expectedBytes);
    if (observer == null) throw new NullPointerException("observer == null");
    return new LoopbackServer(expectedBytes, observer);
  }

  /** Returns the port the server listens on, on 127.0.0.1. */
  int port() {
    return serverSocket.getLocalPort();
  }

  /** Returns {@code http://127.0.0.1:<port><path>}. */
  String url(String path) {
    return "http://127.0.0.1:" + port() + path;
  }

  /**
   * Returns how the last request's body was framed: {@code "content-length: N"}, {@code "chunked"},
   * or {@code "none"}; null before the first request.
   */
  @Nullable String lastFraming() {
    return lastFraming;
  }

  @Override
  public void close() throws IOException {
    serverSocket.close();
    for (Socket socket : connections) socket.close();
    try {
      acceptor.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void accept() {
    while (!serverSocket.isClosed()) {
      Socket socket;
      try {
        socket = serverSocket.accept();
      } catch (IOException e) {
        return; // closed
      }
      connections.add(socket);
      Thread thread = new Thread(() -> serve(socket), "loopback-connection-" + socket.getPort());
      thread.setDaemon(true);
      thread.start();
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      socket.setTcpNoDelay(true);
      Input in = new Input(socket.getInputStream(), observer != null ? new CRC32C() : null);
      OutputStream out = socket.getOutputStream();
      while (serveOne(in, out)) {
        // Keep-alive: the next request on the same connection.
      }
    } catch (SocketException | EOFException e) {
      // The client closed the connection, or close() did.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the observer was interrupted: drop the connection
    } catch (IOException e) {
      throw new IllegalStateException("loopback server failed", e);
    } finally {
      connections.remove(socket);
    }
  }

  /** Serves one request; returns false when the connection is to be closed. */
  private boolean serveOne(Input in, OutputStream out) throws IOException, InterruptedException {
    String requestLine = in.readLine();
    if (requestLine == null) return false;
    long contentLength = -1;
    boolean chunked = false;
    boolean expectContinue = false;
    boolean close = false;
    for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
      int colon = line.indexOf(':');
      if (colon < 0) continue;
      String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
      switch (name) {
        case "content-length":
          contentLength = Long.parseLong(value);
          break;
        case "transfer-encoding":
          chunked = value.endsWith("chunked");
          break;
        case "expect":
          expectContinue = value.equals("100-continue");
          break;
        case "connection":
          close = value.equals("close");
          break;
        default:
          break;
      }
    }
    if (expectContinue) {
      out.write(CONTINUE);
      out.flush();
    }

    long received;
    String framing;
    in.resetChecksum();
    if (chunked) {
      received = in.readChunked();
      // RFC 9112 §6.2: a request must never carry both; count it as bad framing.
      framing = contentLength >= 0 ? "chunked with content-length" : "chunked";
    } else if (contentLength >= 0) {
      received = in.skip(contentLength);
      framing = "content-length: " + contentLength;
    } else {
      received = 0;
      framing = "none";
    }
    lastFraming = framing;
    if (observer != null) observer.received(framing, received, in.checksum());

    if (received == expectedBytes && !(chunked && contentLength >= 0)) {
      out.write(OK);
    } else {
      byte[] body =
          ("expected " + expectedBytes + " bytes, got " + received + " (" + framing + ")")
              .getBytes(StandardCharsets.US_ASCII);
      out.write(
          ("HTTP/1.1 400 Bad Request\r\nContent-Length: " + body.length + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(body);
    }
    out.flush();
    return !close;
  }

  /**
   * A connection's input with its own buffer: not {@code BufferedInputStream}, whose every {@code
   * read()} takes a lock, a cost the server would add to each request's header bytes.
   */
  private static final class Input {
    private final InputStream in;
    private final @Nullable CRC32C crc;
    private final byte[] buffer = new byte[64 * 1024];
    private int position;
    private int limit;

    /** Reads {@code in}; folds the body bytes into {@code crc} if one is given. */
    Input(InputStream in, @Nullable CRC32C crc) {
      this.in = in;
      this.crc = crc;
    }

    void resetChecksum() {
      if (crc != null) crc.reset();
    }

    /**
     * Returns the CRC32C of the body bytes since {@link #resetChecksum()}, or -1 if none is kept.
     */
    long checksum() {
      return crc != null ? crc.getValue() : -1;
    }

    /** Returns false at the end of the stream; else the buffer holds at least one byte. */
    private boolean fill() throws IOException {
      if (position < limit) return true;
      int read = in.read(buffer, 0, buffer.length);
      if (read < 0) return false;
      position = 0;
      limit = read;
      return true;
    }

    /** Returns the next line without its CRLF, or null at the end of the stream. */
    @Nullable String readLine() throws IOException {
      StringBuilder line = new StringBuilder(64);
      while (fill()) {
        while (position < limit) {
          byte b = buffer[position++];
          if (b == '\n') {
            int length = line.length();
            if (length > 0 && line.charAt(length - 1) == '\r') line.setLength(length - 1);
            return line.toString();
          }
          if (line.length() == MAX_LINE) throw new IOException("line over " + MAX_LINE + " bytes");
          line.append((char) (b & 0xff));
        }
      }
      if (line.length() == 0) return null;
      throw new EOFException("end of stream inside a line");
    }

    /** Reads and drops exactly {@code n} bytes; returns {@code n}. */
    long skip(long n) throws IOException {
      long left = n;
      while (left > 0) {
        if (!fill()) throw new EOFException((n - left) + " of " + n + " bytes, then end of stream");
        int take = (int) Math.min(limit - position, left);
        if (crc != null) crc.update(buffer, position, take);
        position += take;
        left -= take;
      }
      return n;
    }

    /** Reads a chunked body (RFC 9112 §7.1) and its trailer section; returns the content bytes. */
    long readChunked() throws IOException {
      long total = 0;
      while (true) {
        String sizeLine = readLine();
        if (sizeLine == null) throw new EOFException("end of stream in a chunk size");
        int extension = sizeLine.indexOf(';');
        String hex = (extension < 0 ? sizeLine : sizeLine.substring(0, extension)).trim();
        long size = Long.parseLong(hex, 16);
        if (size == 0) break;
        total += skip(size);
        if (!"".equals(readLine())) throw new IOException("no CRLF after a chunk");
      }
      for (String line = readLine(); line != null && !line.isEmpty(); line = readLine()) {
        // Trailer fields: none expected, none kept.
      }
      return total;
    }
  }
}
