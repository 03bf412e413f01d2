package io.lengthguard.it;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jspecify.annotations.Nullable;

/**
 * The backend behind every gateway: a JDK HTTP server on 127.0.0.1 that reads each request body to
 * the end and answers 200 with the number of bytes it received ({@code X-Received-Length}) and
 * their SHA-256 in lowercase hex ({@code X-Received-Sha256}), and records what it saw per path.
 *
 * <p>A digest instead of an echo keeps a 16 MiB body cheap while still proving every byte.
 *
 * <p>This class is thread-safe.
 */
final class RecordingBackend implements AutoCloseable {
  static final String RECEIVED_LENGTH = "X-Received-Length";
  static final String RECEIVED_SHA256 = "X-Received-Sha256";

  /** What the backend saw of one request. Header values are null when the header was absent. */
  record Received(
      String method,
      String path,
      @Nullable String contentLength,
      @Nullable String transferEncoding,
      long length,
      String sha256) {}

  private final HttpServer server;
  private final ExecutorService executor;
  private final Map<String, List<Received>> receivedByPath = new ConcurrentHashMap<>();

  private RecordingBackend(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /** Returns a started backend on 127.0.0.1 and a free port. */
  static RecordingBackend start() throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    ExecutorService executor =
        Executors.newFixedThreadPool(
            4,
            runnable -> {
              Thread thread = new Thread(runnable, "recording-backend");
              thread.setDaemon(true);
              return thread;
            });
    RecordingBackend backend = new RecordingBackend(server, executor);
    server.createContext("/", backend::handle);
    server.setExecutor(executor);
    server.start();
    return backend;
  }

  /** Returns the port this backend listens on, on 127.0.0.1. */
  int port() {
    return server.getAddress().getPort();
  }

  /** Returns what arrived for {@code path}, oldest first; empty when nothing did. */
  List<Received> received(String path) {
    return List.copyOf(receivedByPath.getOrDefault(path, List.of()));
  }

  /**
   * Asserts that exactly one request arrived for {@code path}, framed by {@code Content-Length}
   * without {@code Transfer-Encoding}, carrying exactly {@code body}.
   */
  void assertReceivedExactly(String path, byte[] body) {
    assertThat(received(path))
        .as("requests at the backend for %s", path)
        .singleElement()
        .satisfies(
            received -> {
              assertThat(received.length()).as("bytes received").isEqualTo(body.length);
              assertThat(received.sha256()).as("sha-256 received").isEqualTo(sha256Hex(body));
              assertThat(received.contentLength())
                  .as("Content-Length forwarded")
                  .isEqualTo(Integer.toString(body.length));
              assertThat(received.transferEncoding()).as("Transfer-Encoding forwarded").isNull();
            });
  }

  /** Returns the SHA-256 of {@code bytes} in lowercase hex, as {@code X-Received-Sha256} has it. */
  static String sha256Hex(byte[] bytes) {
    return HexFormat.of().formatHex(sha256().digest(bytes));
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      MessageDigest digest = sha256();
      long length = 0;
      byte[] buffer = new byte[64 * 1024];
      try (InputStream in = exchange.getRequestBody()) {
        for (int read; (read = in.read(buffer)) != -1; ) {
          digest.update(buffer, 0, read);
          length += read;
        }
      }
      String sha256 = HexFormat.of().formatHex(digest.digest());
      String path = exchange.getRequestURI().getRawPath();
      Headers headers = exchange.getRequestHeaders();
      receivedByPath
          .computeIfAbsent(path, unused -> new CopyOnWriteArrayList<>())
          .add(
              new Received(
                  exchange.getRequestMethod(),
                  path,
                  headers.getFirst("Content-Length"),
                  headers.getFirst("Transfer-Encoding"),
                  length,
                  sha256));

      byte[] reply = (length + " " + sha256 + "\n").getBytes(US_ASCII);
      exchange.getResponseHeaders().set("Content-Type", "text/plain");
      exchange.getResponseHeaders().set(RECEIVED_LENGTH, Long.toString(length));
      exchange.getResponseHeaders().set(RECEIVED_SHA256, sha256);
      exchange.sendResponseHeaders(200, reply.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(reply);
      }
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      // Every Java platform must provide SHA-256 (MessageDigest's Javadoc).
      throw new AssertionError(e);
    }
  }

  /** Stops the server at once and its threads. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
