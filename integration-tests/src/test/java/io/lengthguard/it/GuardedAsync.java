package io.lengthguard.it;

import io.lengthguard.GuardPolicy;
import io.lengthguard.httpclient5.LengthGuardAsyncExecHandler;
import java.net.URI;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleResponseConsumer;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManager;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.nio.entity.AsyncEntityProducers;
import org.apache.hc.core5.http.nio.support.BasicRequestProducer;
import org.apache.hc.core5.http.support.BasicRequestBuilder;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.jspecify.annotations.Nullable;

/** The async HttpClient 5 with {@link LengthGuardAsyncExecHandler} in its exec chain. */
final class GuardedAsync implements GuardedClient {
  private final PoolingAsyncClientConnectionManager pool;
  private final CloseableHttpAsyncClient client;

  private GuardedAsync(PoolingAsyncClientConnectionManager pool, CloseableHttpAsyncClient client) {
    this.pool = pool;
    this.client = client;
  }

  static GuardedAsync open(GuardPolicy policy) {
    PoolingAsyncClientConnectionManager pool =
        PoolingAsyncClientConnectionManagerBuilder.create()
            .setDefaultConnectionConfig(
                ConnectionConfig.custom()
                    .setConnectTimeout(Timeout.ofSeconds(5))
                    .setSocketTimeout(Timeout.ofSeconds(30))
                    .build())
            .build();
    CloseableHttpAsyncClient client =
        LengthGuardAsyncExecHandler.install(
                HttpAsyncClients.custom().setConnectionManager(pool), policy)
            .build();
    client.start();
    return new GuardedAsync(pool, client);
  }

  @Override
  public Reply post(URI uri, BodyKind kind, byte[] payload, AtomicInteger writes) throws Exception {
    Future<SimpleHttpResponse> future =
        client.execute(
            new BasicRequestProducer(
                BasicRequestBuilder.post(uri).build(), producer(kind, payload, writes)),
            SimpleResponseConsumer.create(),
            null);
    SimpleHttpResponse response;
    try {
      response = future.get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      // The exchange's own failure, as a caller handling it would see it.
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
    return new Reply(
        response.getCode(),
        header(response, RecordingBackend.RECEIVED_LENGTH),
        header(response, RecordingBackend.RECEIVED_SHA256));
  }

  private static AsyncEntityProducer producer(BodyKind kind, byte[] payload, AtomicInteger writes) {
    return switch (kind) {
      case KNOWN -> AsyncEntityProducers.create(payload, ContentType.APPLICATION_OCTET_STREAM);
      case UNKNOWN -> ByteProducer.repeatable(payload, writes);
      case ONE_SHOT -> ByteProducer.oneShot(payload, writes);
    };
  }

  private static @Nullable String header(SimpleHttpResponse response, String name) {
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
}
