package io.lengthguard.httpclient5;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hc.client5.http.impl.io.DefaultHttpResponseParserFactory;
import org.apache.hc.client5.http.impl.io.DefaultManagedHttpClientConnection;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.io.ManagedHttpClientConnection;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.config.CharCodingConfig;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.impl.io.DefaultHttpRequestWriterFactory;
import org.apache.hc.core5.http.io.HttpClientConnection;
import org.apache.hc.core5.http.io.HttpConnectionFactory;
import org.apache.hc.core5.http.io.ResponseOutOfOrderStrategy;
import org.apache.hc.core5.util.Timeout;
import org.jspecify.annotations.Nullable;

/**
 * Classic connections that read a response arriving while the request body is still being written.
 *
 * <p>A server may answer 411 and close without reading the body (haproxy does). HttpClient's
 * classic transport then fails the write with {@code SocketException: Broken pipe} and loses the
 * 411. Its {@code MonitoringResponseOutOfOrderStrategy} helps only in part: it waits up to a
 * millisecond for a response before each 8 KiB written (a ceiling near 8 MB/s), and HttpClient
 * still flushes the rest of its buffer afterwards, which fails once the server's reset has arrived.
 *
 * <p>These connections stop writing the body once response bytes are waiting on the socket (asked
 * every 8 KiB, without waiting), and when a write of the body fails they look for a response before
 * giving up: if one is waiting, the failure gives way to reading it (RFC 9112 §9.6), and the
 * connection is not reused. Over TLS the first check sees nothing until a read; the second still
 * applies.
 *
 * <p>Use them with or without the guard. {@link #install} puts them in a connection manager builder
 * you configure, keeping everything else you set on it (connection and socket config, TLS strategy,
 * pool limits, DNS resolver):
 *
 * <pre>{@code
 * PoolingHttpClientConnectionManager manager =
 *     EarlyResponses.install(PoolingHttpClientConnectionManagerBuilder.create())
 *         .setDefaultConnectionConfig(connectionConfig)
 *         .setTlsSocketStrategy(tlsStrategy)
 *         .build();
 * }</pre>
 *
 * <p>The connections keep HttpClient's HTTP/1.1 and charset settings: {@link
 * #connectionFactory(Http1Config, CharCodingConfig)} takes yours.
 *
 * <p>This class is thread-safe.
 */
public final class EarlyResponses {
  private static final AtomicLong COUNTER = new AtomicLong();

  private EarlyResponses() {}

  /** Returns a factory of connections that read early responses, with HttpClient's defaults. */
  public static HttpConnectionFactory<ManagedHttpClientConnection> connectionFactory() {
    return connectionFactory(Http1Config.DEFAULT, CharCodingConfig.DEFAULT);
  }

  /**
   * Returns a factory of connections that read early responses and follow {@code http1Config}
   * (message limits, buffer sizes, the 100 (Continue) wait) and {@code charCodingConfig}, as
   * HttpClient's own {@code ManagedHttpClientConnectionFactory} does, with its lenient response
   * parser.
   */
  public static HttpConnectionFactory<ManagedHttpClientConnection> connectionFactory(
      Http1Config http1Config, CharCodingConfig charCodingConfig) {
    requireNonNull(http1Config, "http1Config == null");
    requireNonNull(charCodingConfig, "charCodingConfig == null");
    return socket -> newConnection(socket, http1Config, charCodingConfig);
  }

  /**
   * Sets {@code builder}'s connection factory to one whose connections read early responses, and
   * returns {@code builder}: what else you set on it, before or after, is kept. It replaces a
   * connection factory set before; use {@link #connectionFactory(Http1Config, CharCodingConfig)}
   * for connections with HTTP/1.1 settings of your own.
   */
  public static PoolingHttpClientConnectionManagerBuilder install(
      PoolingHttpClientConnectionManagerBuilder builder) {
    requireNonNull(builder, "builder == null");
    return builder.setConnectionFactory(connectionFactory());
  }

  /**
   * Returns a new builder of a pooling connection manager whose connections read early responses:
   * {@code install(PoolingHttpClientConnectionManagerBuilder.create())}.
   */
  public static PoolingHttpClientConnectionManagerBuilder connectionManagerBuilder() {
    return install(PoolingHttpClientConnectionManagerBuilder.create());
  }

  /**
   * Returns a pooling connection manager with HttpClient's default settings (those of {@code
   * HttpClients.createDefault()}) whose connections read early responses. To keep settings of your
   * own, {@link #install} into the builder that has them.
   */
  public static PoolingHttpClientConnectionManager connectionManager() {
    return connectionManagerBuilder().build();
  }

  private static ManagedHttpClientConnection newConnection(
      @Nullable Socket socket, Http1Config http1Config, CharCodingConfig charCodingConfig)
      throws IOException {
    EarlyResponseConnection connection =
        new EarlyResponseConnection(
            "http-outgoing-early-" + COUNTER.getAndIncrement(), http1Config, charCodingConfig);
    if (socket != null) connection.bind(socket);
    return connection;
  }

  /** Returns a decoder following {@code config}, as ManagedHttpClientConnectionFactory makes. */
  private static @Nullable CharsetDecoder decoder(CharCodingConfig config) {
    Charset charset = config.getCharset();
    if (charset == null) return null;
    return charset
        .newDecoder()
        .onMalformedInput(orReport(config.getMalformedInputAction()))
        .onUnmappableCharacter(orReport(config.getUnmappableInputAction()));
  }

  /** Returns an encoder following {@code config}, as ManagedHttpClientConnectionFactory makes. */
  private static @Nullable CharsetEncoder encoder(CharCodingConfig config) {
    Charset charset = config.getCharset();
    if (charset == null) return null;
    return charset
        .newEncoder()
        .onMalformedInput(orReport(config.getMalformedInputAction()))
        .onUnmappableCharacter(orReport(config.getUnmappableInputAction()));
  }

  private static CodingErrorAction orReport(@Nullable CodingErrorAction action) {
    return action != null ? action : CodingErrorAction.REPORT;
  }

  /** A connection that reads a response that came while it wrote the request. */
  private static final class EarlyResponseConnection extends DefaultManagedHttpClientConnection {
    private volatile boolean earlyResponse;

    EarlyResponseConnection(String id, Http1Config http1Config, CharCodingConfig charCodingConfig) {
      super(
          id,
          decoder(charCodingConfig),
          encoder(charCodingConfig),
          http1Config,
          null,
          null,
          WaitingResponse.INSTANCE,
          // HttpClient's own: its lenient response parser, both bound to the caller's limits.
          new DefaultHttpRequestWriterFactory(http1Config),
          new DefaultHttpResponseParserFactory(http1Config));
    }

    @Override
    public void sendRequestHeader(ClassicHttpRequest request) throws HttpException, IOException {
      earlyResponse = false;
      super.sendRequestHeader(request);
    }

    @Override
    public void sendRequestEntity(ClassicHttpRequest request) throws HttpException, IOException {
      try {
        super.sendRequestEntity(request);
      } catch (IOException e) {
        if (!responseWaiting(e)) throw e;
      }
    }

    @Override
    public void flush() throws IOException {
      try {
        super.flush();
      } catch (IOException e) {
        // After an early response HttpClient still flushes the rest of the body it buffered.
        if (!responseWaiting(e)) throw e;
      }
    }

    /** Returns false: a connection whose request was cut short cannot carry another. */
    @Override
    public boolean isConsistent() {
      return !earlyResponse && super.isConsistent();
    }

    /**
     * Returns true if the server already answered, so that {@code failure} (the write the server
     * refused by closing) should give way to reading the response (RFC 9112 §9.6).
     */
    private boolean responseWaiting(IOException failure) {
      try {
        if (isDataAvailable(Timeout.ONE_MILLISECOND)) {
          earlyResponse = true;
          return true;
        }
      } catch (IOException probe) {
        failure.addSuppressed(probe);
      }
      return false;
    }
  }

  /** Reports an early response when response bytes are waiting; asks the socket without waiting. */
  private static final class WaitingResponse implements ResponseOutOfOrderStrategy {
    static final WaitingResponse INSTANCE = new WaitingResponse();
    private static final long CHUNK = 8 * 1024;

    @Override
    public boolean isEarlyResponseDetected(
        ClassicHttpRequest request,
        HttpClientConnection connection,
        InputStream inputStream,
        long totalBytesSent,
        long nextWriteSize)
        throws IOException {
      boolean newChunk = totalBytesSent / CHUNK < (totalBytesSent + nextWriteSize) / CHUNK;
      if (!newChunk || inputStream.available() == 0) return false;
      // HttpClient marks a connection cut short this way unfit for reuse only when the body had a
      // Content-Length; a chunked body would leave it in the pool, where the server closed it.
      if (connection instanceof EarlyResponseConnection) {
        ((EarlyResponseConnection) connection).earlyResponse = true;
      }
      return true;
    }
  }
}
