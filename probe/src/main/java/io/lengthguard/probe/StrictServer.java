package io.lengthguard.probe;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Headers;
import okio.ByteString;

/**
 * A server on 127.0.0.1 that answers like a strict gateway (haproxy or apache2 set to refuse
 * chunked bodies, stock lighttpd): 411 for a request body without {@code Content-Length}, 400 for
 * {@code Content-Length} with {@code Transfer-Encoding}, else 200 with the bytes it received. It
 * records every request with the framing and body it arrived with.
 *
 * <p>This class is thread-safe.
 */
final class StrictServer implements Closeable {
  // Kept so the level set below is not lost when the logger is collected; MockWebServer logs
  // every request at INFO, which would interleave with the demo's table.
  private static final Logger SERVER_LOG = Logger.getLogger(MockWebServer.class.getName());

  /**
   * A request as the server saw it.
   *
   * @param path the request's path
   * @param framing {@code length}, {@code chunked}, {@code length+chunked} or {@code none}
   * @param bytes the body bytes received
   * @param status the status it was answered with
   */
  record Received(String path, String framing, long bytes, int status) {}

  /** A request and the body bytes it carried. */
  private record Seen(Received received, ByteString body) {}

  private final MockWebServer server = new MockWebServer();
  private final List<Seen> seen = new CopyOnWriteArrayList<>();

  private StrictServer() {}

  /** Returns a strict server listening on 127.0.0.1 and a free port. */
  static StrictServer start() throws IOException {
    SERVER_LOG.setLevel(Level.WARNING);
    StrictServer strict = new StrictServer();
    strict.server.setDispatcher(strict.new Strict());
    strict.server.start(InetAddress.getByName("127.0.0.1"), 0);
    return strict;
  }

  /** Returns the URL of {@code path} on this server, by address: no name lookup involved. */
  URI url(String path) {
    return URI.create(origin() + path);
  }

  /** Returns {@code http://127.0.0.1:port}. */
  String origin() {
    return "http://127.0.0.1:" + server.getPort();
  }

  /** Returns the requests to {@code path}, in arrival order. */
  List<Received> received(String path) {
    return seen.stream()
        .map(Seen::received)
        .filter(r -> r.path().equals(path))
        .collect(Collectors.toList());
  }

  /** Returns the body bytes of each request to {@code path}, in arrival order. */
  List<ByteString> bodies(String path) {
    return seen.stream()
        .filter(s -> s.received().path().equals(path))
        .map(Seen::body)
        .collect(Collectors.toList());
  }

  @Override
  public void close() {
    server.close();
  }

  private final class Strict extends Dispatcher {
    @Override
    public MockResponse dispatch(RecordedRequest request) {
      Headers headers = request.getHeaders();
      boolean length = headers.get("Content-Length") != null;
      boolean chunked = headers.get("Transfer-Encoding") != null;
      String method = request.getMethod();
      boolean bodyMethod = method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
      String framing =
          length && chunked ? "length+chunked" : length ? "length" : chunked ? "chunked" : "none";
      long bytes = request.getBodySize();
      MockResponse response;
      if (length && chunked) {
        // RFC 9112 §6.3: both framings at once is a smuggling signal; gateways answer 400.
        response = status(400, "Bad Request");
      } else if (chunked || (!length && bodyMethod)) {
        response = status(411, "Length Required");
      } else {
        response =
            new MockResponse.Builder()
                .code(200)
                .addHeader("X-Received-Length", bytes)
                .body("received " + bytes + " bytes\n")
                .build();
      }
      ByteString body = request.getBody();
      seen.add(
          new Seen(
              new Received(request.getUrl().encodedPath(), framing, bytes, response.getCode()),
              body != null ? body : ByteString.EMPTY));
      return response;
    }

    private MockResponse status(int code, String reason) {
      return new MockResponse.Builder()
          .status("HTTP/1.1 " + code + " " + reason)
          .body(reason + "\n")
          .build();
    }
  }
}
