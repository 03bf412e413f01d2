package io.lengthguard.httpclient5;

import static java.util.Objects.requireNonNull;

import io.lengthguard.GuardPolicy;
import java.io.IOException;
import org.apache.hc.client5.http.ClientProtocolException;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.client5.http.routing.RoutingSupport;
import org.apache.hc.core5.concurrent.CancellableDependency;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.io.Closer;
import org.jspecify.annotations.Nullable;

/**
 * A client that guards the requests of a client the caller already has, whatever its configuration
 * and connection manager. Requests without a body, or with a body of known length, pass through
 * untouched; a body of unknown length follows the {@link GuardPolicy}: frozen and sent with its
 * exact {@code Content-Length}, or sent as HttpClient frames it and sent once more, frozen, after a
 * 411 Length Required.
 *
 * <p>Closing this client closes the wrapped one. This class is thread-safe.
 */
public final class LengthGuardHttpClient extends CloseableHttpClient {
  private final CloseableHttpClient delegate;
  private final ClassicGuard guard;

  private LengthGuardHttpClient(CloseableHttpClient delegate, GuardPolicy policy) {
    this.delegate = delegate;
    this.guard = new ClassicGuard(policy);
  }

  /** Returns {@code client} guarded by the {@linkplain GuardPolicy#defaults() default policy}. */
  public static LengthGuardHttpClient wrap(CloseableHttpClient client) {
    return wrap(client, GuardPolicy.defaults());
  }

  /** Returns {@code client} guarded by {@code policy}. */
  public static LengthGuardHttpClient wrap(CloseableHttpClient client, GuardPolicy policy) {
    requireNonNull(client, "client == null");
    requireNonNull(policy, "policy == null");
    return new LengthGuardHttpClient(client, policy);
  }

  /** Returns the policy this client follows. */
  public GuardPolicy policy() {
    return guard.policy();
  }

  @Override
  protected CloseableHttpResponse doExecute(
      @Nullable HttpHost target, ClassicHttpRequest request, @Nullable HttpContext context)
      throws IOException {
    requireNonNull(request, "request == null");
    try {
      HttpHost origin = target != null ? target : RoutingSupport.determineHost(request);
      return CloseableHttpResponse.adapt(
          guard.execute(
              origin,
              request,
              context,
              copy -> delegate.executeOpen(target, copy, context),
              LengthGuardHttpClient::discard,
              () ->
                  request instanceof CancellableDependency
                      && ((CancellableDependency) request).isCancelled()));
    } catch (HttpException e) {
      throw new ClientProtocolException(e.getMessage(), e);
    }
  }

  /**
   * Closes the 411 (or the 417) that another send replaces, and the connection that carried it. The
   * server refused the request before processing it (RFC 9110 §15.5.12) and may not have read the
   * body (haproxy closes without reading it), so that connection must not carry the next send.
   */
  private static void discard(ClassicHttpResponse response) {
    if (response instanceof CloseableHttpResponse) {
      ((CloseableHttpResponse) response).close(CloseMode.IMMEDIATE);
    } else {
      Closer.closeQuietly(response);
    }
  }

  /** Closes the wrapped client. */
  @Override
  public void close() throws IOException {
    delegate.close();
  }

  /** Closes the wrapped client with {@code closeMode}. */
  @Override
  public void close(CloseMode closeMode) {
    delegate.close(closeMode);
  }

  @Override
  public String toString() {
    return "LengthGuardHttpClient{" + guard.policy() + ", delegate=" + delegate + "}";
  }
}
