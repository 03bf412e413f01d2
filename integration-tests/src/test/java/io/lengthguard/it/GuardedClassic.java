package io.lengthguard.it;

import io.lengthguard.GuardPolicy;
import io.lengthguard.httpclient5.EarlyResponses;
import io.lengthguard.httpclient5.LengthGuardHttpClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityTemplate;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.jspecify.annotations.Nullable;

/**
 * The classic HttpClient 5 wrapped by {@link LengthGuardHttpClient}: a client built as {@code
 * HttpClients.createDefault()} builds it (plus timeouts), or one whose connections come from {@link
 * EarlyResponses}.
 */
final class GuardedClassic implements GuardedClient {
  private static final ContentType OCTET_STREAM = ContentType.APPLICATION_OCTET_STREAM;

  private final PoolingHttpClientConnectionManager pool;
  private final CloseableHttpClient client;

  private GuardedClassic(PoolingHttpClientConnectionManager pool, CloseableHttpClient client) {
    this.pool = pool;
    this.client = client;
  }

  /**
   * Returns a guarded client; with {@code earlyResponses} its connections read a 411 that arrives
   * while the body is still being written.
   */
  static GuardedClassic open(GuardPolicy policy, boolean earlyResponses) {
    PoolingHttpClientConnectionManagerBuilder builder =
        earlyResponses
            ? EarlyResponses.connectionManagerBuilder()
            : PoolingHttpClientConnectionManagerBuilder.create();
    PoolingHttpClientConnectionManager pool =
        builder
            .setDefaultConnectionConfig(
                ConnectionConfig.custom()
                    .setConnectTimeout(Timeout.ofSeconds(5))
                    .setSocketTimeout(Timeout.ofSeconds(30))
                    .build())
            .build();
    CloseableHttpClient client = HttpClients.custom().setConnectionManager(pool).build();
    return new GuardedClassic(pool, LengthGuardHttpClient.wrap(client, policy));
  }

  @Override
  public Reply post(URI uri, BodyKind kind, byte[] payload, AtomicInteger writes)
      throws IOException {
    return client.execute(
        ClassicRequestBuilder.post(uri).setEntity(entity(kind, payload, writes)).build(),
        response -> {
          EntityUtils.consume(response.getEntity());
          return new Reply(
              response.getCode(),
              header(response, RecordingBackend.RECEIVED_LENGTH),
              header(response, RecordingBackend.RECEIVED_SHA256));
        });
  }

  private static HttpEntity entity(BodyKind kind, byte[] payload, AtomicInteger writes) {
    return switch (kind) {
      case KNOWN -> new ByteArrayEntity(payload, OCTET_STREAM);
      // A template writes as a serializer does; it is repeatable, and -1 makes it chunked.
      case UNKNOWN ->
          new EntityTemplate(
              -1,
              OCTET_STREAM,
              null,
              out -> {
                writes.incrementAndGet();
                out.write(payload);
              });
      case ONE_SHOT -> new InputStreamEntity(new OneShotStream(payload, writes), -1, OCTET_STREAM);
    };
  }

  private static @Nullable String header(ClassicHttpResponse response, String name) {
    Header header = response.getFirstHeader(name);
    return header == null ? null : header.getValue();
  }

  @Override
  public void closeIdleConnections() {
    pool.closeIdle(TimeValue.ZERO_MILLISECONDS);
  }

  @Override
  public void close() {
    client.close(CloseMode.IMMEDIATE);
  }

  /**
   * A stream that fails when read after it was closed, as a socket's or a file's would. Its first
   * read counts as the one write of its bytes.
   */
  private static final class OneShotStream extends InputStream {
    private final ByteArrayInputStream bytes;
    private final AtomicInteger writes;
    private boolean started;
    private boolean closed;

    OneShotStream(byte[] payload, AtomicInteger writes) {
      this.bytes = new ByteArrayInputStream(payload);
      this.writes = writes;
    }

    @Override
    public synchronized int read() throws IOException {
      begin();
      return bytes.read();
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
      begin();
      return bytes.read(b, off, len);
    }

    @Override
    public synchronized void close() {
      closed = true;
    }

    private void begin() throws IOException {
      if (closed) throw new IOException("one-shot stream read after close");
      if (!started) writes.incrementAndGet();
      started = true;
    }
  }
}
