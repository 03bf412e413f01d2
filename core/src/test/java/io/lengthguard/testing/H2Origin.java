package io.lengthguard.testing;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpConnection;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.Message;
import org.apache.hc.core5.http.URIScheme;
import org.apache.hc.core5.http.impl.bootstrap.HttpAsyncServer;
import org.apache.hc.core5.http.message.BasicHttpResponse;
import org.apache.hc.core5.http.nio.AsyncRequestConsumer;
import org.apache.hc.core5.http.nio.AsyncServerRequestHandler;
import org.apache.hc.core5.http.nio.entity.AsyncEntityProducers;
import org.apache.hc.core5.http.nio.entity.BasicAsyncEntityConsumer;
import org.apache.hc.core5.http.nio.support.BasicRequestConsumer;
import org.apache.hc.core5.http.nio.support.BasicResponseProducer;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.http.protocol.HttpCoreContext;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.http2.frame.FrameType;
import org.apache.hc.core5.http2.frame.RawFrame;
import org.apache.hc.core5.http2.impl.nio.H2StreamListener;
import org.apache.hc.core5.http2.impl.nio.bootstrap.H2ServerBootstrap;
import org.apache.hc.core5.http2.ssl.H2ServerTlsStrategy;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.apache.hc.core5.reactor.ListenerEndpoint;
import org.jspecify.annotations.Nullable;

/**
 * A strict HTTP/2 origin on 127.0.0.1, HttpCore's own server: 411 to a request with a body and no
 * {@code content-length}, 200 to any other and to any request to a path under {@code /lenient}. h2c
 * with prior knowledge, or h2 over TLS chosen by ALPN. It records each request (its fields and
 * body) and, from the frames themselves, each stream's HEADERS and the DATA bytes it carried, with
 * the connection they came on. A request to {@code /slow} is answered only once {@link
 * #releaseSlow()} is called.
 */
public final class H2Origin implements AutoCloseable {
  /** A request as the handler saw it, with the client's address naming its connection. */
  public record Received(
      String method,
      String path,
      @Nullable String contentLength,
      @Nullable String expect,
      byte @Nullable [] body,
      String connection) {}

  /** A stream as its frames showed it: the request's header fields and the DATA bytes. */
  public record Stream(String connection, int id, Map<String, String> headers, long dataBytes) {}

  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final Map<String, Map<String, String>> headers = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> data = new ConcurrentHashMap<>();
  private final Set<String> connections = ConcurrentHashMap.newKeySet();
  private final CompletableFuture<Void> slow = new CompletableFuture<>();
  private final String scheme;
  private @Nullable HttpAsyncServer server;
  private int port;

  private H2Origin(String scheme) {
    this.scheme = scheme;
  }

  /** Starts an origin speaking h2c with prior knowledge, or h2 over TLS if {@code tls} is set. */
  public static H2Origin start(@Nullable SSLContext tls) throws Exception {
    return start(tls, "127.0.0.1");
  }

  /**
   * Starts an origin that serves {@code hostName} only: a request naming another authority is
   * answered 421 (Misdirected Request) on its head, before its body is read.
   */
  public static H2Origin start(@Nullable SSLContext tls, String hostName) throws Exception {
    URIScheme scheme = tls != null ? URIScheme.HTTPS : URIScheme.HTTP;
    H2Origin origin = new H2Origin(scheme.id);
    H2ServerBootstrap bootstrap =
        H2ServerBootstrap.bootstrap()
            .setCanonicalHostName(hostName)
            .setIOReactorConfig(IOReactorConfig.custom().setIoThreadCount(1).build())
            .setStreamListener(origin.new Recorder())
            .register("*", origin.new Handler());
    if (tls != null) {
      // ALPN picks h2: the client offers h2 and http/1.1.
      bootstrap.setVersionPolicy(HttpVersionPolicy.NEGOTIATE);
      bootstrap.setTlsStrategy(new H2ServerTlsStrategy(tls));
    } else {
      bootstrap.setVersionPolicy(HttpVersionPolicy.FORCE_HTTP_2);
    }
    HttpAsyncServer server = bootstrap.create();
    origin.server = server;
    server.start();
    ListenerEndpoint endpoint =
        server
            .listen(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), scheme)
            .get(5, TimeUnit.SECONDS);
    origin.port = ((InetSocketAddress) endpoint.getAddress()).getPort();
    return origin;
  }

  public URI uri(String path) {
    return URI.create(scheme + "://127.0.0.1:" + port + path);
  }

  /** Returns the requests that reached the handler for {@code path}, oldest first. */
  public List<Received> received(String path) {
    List<Received> result = new ArrayList<>();
    for (Received request : received) {
      if (request.path().equals(path)) result.add(request);
    }
    return result;
  }

  /** Returns the streams whose HEADERS named {@code path}, in the order they arrived. */
  public List<Stream> streams(String path) {
    List<Stream> result = new ArrayList<>();
    for (Map.Entry<String, Map<String, String>> entry : headers.entrySet()) {
      Map<String, String> fields = entry.getValue();
      if (!path.equals(fields.get(":path"))) continue;
      String key = entry.getKey();
      int slash = key.lastIndexOf('#');
      AtomicLong bytes = data.get(key);
      result.add(
          new Stream(
              key.substring(0, slash),
              Integer.parseInt(key.substring(slash + 1)),
              fields,
              bytes == null ? 0 : bytes.get()));
    }
    result.sort((a, b) -> Integer.compare(a.id(), b.id()));
    return result;
  }

  /** Returns the client addresses of every connection the origin accepted. */
  public Set<String> connections() {
    return new LinkedHashSet<>(connections);
  }

  /** Answers the requests to {@code /slow}. */
  public void releaseSlow() {
    slow.complete(null);
  }

  @Override
  public void close() {
    slow.complete(null);
    if (server != null) server.close(CloseMode.IMMEDIATE);
  }

  private static String name(@Nullable SocketAddress address) {
    return String.valueOf(address);
  }

  /** Records each stream's request HEADERS and counts its DATA bytes, from the frames. */
  private final class Recorder implements H2StreamListener {
    @Override
    public void onHeaderInput(HttpConnection connection, int streamId, List<? extends Header> in) {
      String key = name(connection.getRemoteAddress()) + "#" + streamId;
      Map<String, String> fields = headers.computeIfAbsent(key, k -> new ConcurrentHashMap<>());
      for (Header header : in) {
        fields.put(header.getName().toLowerCase(Locale.ROOT), header.getValue());
      }
      connections.add(name(connection.getRemoteAddress()));
    }

    @Override
    public void onFrameInput(HttpConnection connection, int streamId, RawFrame frame) {
      if (frame.getType() != FrameType.DATA.getValue()) return;
      String key = name(connection.getRemoteAddress()) + "#" + streamId;
      ByteBuffer content = frame.getPayloadContent();
      long bytes = content == null ? 0 : content.remaining();
      data.computeIfAbsent(key, k -> new AtomicLong()).addAndGet(bytes);
    }

    @Override
    public void onHeaderOutput(HttpConnection connection, int streamId, List<? extends Header> h) {}

    @Override
    public void onFrameOutput(HttpConnection connection, int streamId, RawFrame frame) {}

    @Override
    public void onInputFlowControl(HttpConnection connection, int streamId, int delta, int size) {}

    @Override
    public void onOutputFlowControl(HttpConnection connection, int streamId, int delta, int size) {}
  }

  /** 411 to a body without {@code content-length}; 200 to anything else, {@code /slow} held. */
  private final class Handler implements AsyncServerRequestHandler<Message<HttpRequest, byte[]>> {
    @Override
    public AsyncRequestConsumer<Message<HttpRequest, byte[]>> prepare(
        HttpRequest request, @Nullable EntityDetails entityDetails, HttpContext context) {
      return new BasicRequestConsumer<>(
          entityDetails == null ? null : new BasicAsyncEntityConsumer());
    }

    @Override
    public void handle(
        Message<HttpRequest, byte[]> message, ResponseTrigger trigger, HttpContext context)
        throws HttpException, IOException {
      HttpRequest request = message.getHead();
      Header length = request.getFirstHeader(HttpHeaders.CONTENT_LENGTH);
      Header expect = request.getFirstHeader(HttpHeaders.EXPECT);
      byte[] body = message.getBody();
      String connection =
          name(HttpCoreContext.cast(context).getEndpointDetails().getRemoteAddress());
      received.add(
          new Received(
              request.getMethod(),
              request.getPath(),
              length == null ? null : length.getValue(),
              expect == null ? null : expect.getValue(),
              body,
              connection));
      if ("/slow".equals(request.getPath())) {
        slow.thenRun(() -> respond(trigger, context, 200, "slow"));
        return;
      }
      boolean hasBody = body != null && body.length > 0;
      boolean refused = hasBody && length == null && !request.getPath().startsWith("/lenient");
      respond(
          trigger,
          context,
          refused ? 411 : 200,
          refused ? "Length Required" : "received " + (hasBody ? body.length : 0));
    }

    private static void respond(
        ResponseTrigger trigger, HttpContext context, int code, String text) {
      try {
        trigger.submitResponse(
            new BasicResponseProducer(
                new BasicHttpResponse(code),
                AsyncEntityProducers.create(text.getBytes(US_ASCII), ContentType.TEXT_PLAIN)),
            context);
      } catch (HttpException | IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
