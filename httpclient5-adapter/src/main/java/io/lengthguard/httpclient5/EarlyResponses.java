package io.lengthguard.httpclient5;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hc.client5.http.impl.io.DefaultManagedHttpClientConnection;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.io.ManagedHttpClientConnection;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.config.Http1Config;
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
 * <p>Use them with or without the guard: {@code
 * HttpClients.custom().setConnectionManager(EarlyResponses.connectionManager())}.
 */
public final class EarlyResponses {
  private static final AtomicLong COUNTER = new AtomicLong();

  private EarlyResponses() {}

  /** Returns a factory of connections that read early responses. */
  public static HttpConnectionFactory<ManagedHttpClientConnection> connectionFactory() {
    return EarlyResponses::newConnection;
  }

  /** Returns a builder of a pooling connection manager whose connections read early responses. */
  public static PoolingHttpClientConnectionManagerBuilder connectionManagerBuilder() {
    return PoolingHttpClientConnectionManagerBuilder.create()
        .setConnectionFactory(connectionFactory());
  }

  /** Returns a pooling connection manager whose connections read early responses. */
  public static PoolingHttpClientConnectionManager connectionManager() {
    return connectionManagerBuilder().build();
  }

  private static ManagedHttpClientConnection newConnection(@Nullable Socket socket)
      throws IOException {
    EarlyResponseConnection connection =
        new EarlyResponseConnection("http-outgoing-early-" + COUNTER.getAndIncrement());
    if (socket != null) connection.bind(socket);
    return connection;
  }

  /** A connection that reads a response that came while it wrote the request. */
  private static final class EarlyResponseConnection extends DefaultManagedHttpClientConnection {
    private volatile boolean earlyResponse;

    EarlyResponseConnection(String id) {
      super(id, null, null, Http1Config.DEFAULT, null, null, WaitingResponse.INSTANCE, null, null);
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
