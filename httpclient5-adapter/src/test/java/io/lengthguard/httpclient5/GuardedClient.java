package io.lengthguard.httpclient5;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntSupplier;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleResponseConsumer;
import org.apache.hc.client5.http.auth.AuthScope;
import org.apache.hc.client5.http.auth.CredentialsProvider;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.auth.CredentialsProviderBuilder;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.nio.support.BasicRequestProducer;
import org.apache.hc.core5.http.support.BasicRequestBuilder;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;
import org.jspecify.annotations.Nullable;

/** A client under test, one of the three ways in, and the pool it leases connections from. */
interface GuardedClient extends Closeable {
  /** The status and body of a response. */
  record Reply(int code, String body) {}

  /** POSTs {@code payload} as {@code body} with {@code headers}; returns the final response. */
  default Reply post(URI uri, Body body, byte[] payload, Header... headers) throws IOException {
    return send("POST", uri, body, payload, headers);
  }

  /**
   * Sends {@code payload} as {@code body} (no body if null) with {@code method} and {@code
   * headers}; returns the final response.
   */
  Reply send(String method, URI uri, @Nullable Body body, byte[] payload, Header... headers)
      throws IOException;

  /** Returns how many connections the client's pool has leased out. */
  int leased();

  /** Returns a classic pool of up to 64 connections, reading early responses if asked. */
  static PoolingHttpClientConnectionManager classicPool(boolean earlyResponses) {
    PoolingHttpClientConnectionManagerBuilder builder =
        earlyResponses
            ? EarlyResponses.connectionManagerBuilder()
            : PoolingHttpClientConnectionManagerBuilder.create();
    return builder
        .setMaxConnTotal(64)
        .setMaxConnPerRoute(64)
        .setDefaultConnectionConfig(TIMEOUTS)
        .build();
  }

  /** Answers any Basic challenge with {@code user:pass}. */
  CredentialsProvider CREDENTIALS =
      CredentialsProviderBuilder.create()
          .add(new AuthScope(null, -1), "user", "pass".toCharArray())
          .build();

  /** Bounds every test exchange in time. */
  ConnectionConfig TIMEOUTS =
      ConnectionConfig.custom()
          .setConnectTimeout(Timeout.ofSeconds(5))
          .setSocketTimeout(Timeout.ofSeconds(30))
          .build();

  /** Returns a classic client (wrapped or built with the handler installed). */
  static GuardedClient classic(CloseableHttpClient client, IntSupplier leased) {
    return new GuardedClient() {
      @Override
      public Reply send(
          String method, URI uri, @Nullable Body body, byte[] payload, Header... headers)
          throws IOException {
        HttpUriRequestBase request = new HttpUriRequestBase(method, uri);
        if (body != null) request.setEntity(body.entity(payload));
        for (Header header : headers) request.addHeader(header);
        return client.execute(
            request,
            response ->
                new Reply(
                    response.getCode(),
                    response.getEntity() == null
                        ? ""
                        : EntityUtils.toString(response.getEntity())));
      }

      @Override
      public int leased() {
        return leased.getAsInt();
      }

      @Override
      public void close() throws IOException {
        client.close();
      }
    };
  }

  /** Returns a started async client. */
  static GuardedClient async(CloseableHttpAsyncClient client, IntSupplier leased) {
    client.start();
    return new GuardedClient() {
      @Override
      public Reply send(
          String method, URI uri, @Nullable Body body, byte[] payload, Header... headers)
          throws IOException {
        HttpRequest request = BasicRequestBuilder.create(method).setUri(uri).build();
        for (Header header : headers) request.addHeader(header);
        try {
          SimpleHttpResponse response =
              client
                  .execute(
                      new BasicRequestProducer(
                          request, body == null ? null : body.producer(payload)),
                      SimpleResponseConsumer.create(),
                      null)
                  .get(30, TimeUnit.SECONDS);
          return new Reply(response.getCode(), response.getBodyText());
        } catch (ExecutionException e) {
          if (e.getCause() instanceof IOException) throw (IOException) e.getCause();
          throw new IOException(e.getCause());
        } catch (InterruptedException | TimeoutException e) {
          InterruptedIOException timeout = new InterruptedIOException(String.valueOf(e));
          timeout.initCause(e);
          throw timeout;
        }
      }

      @Override
      public int leased() {
        return leased.getAsInt();
      }

      @Override
      public void close() {
        client.close(CloseMode.GRACEFUL);
      }
    };
  }
}
