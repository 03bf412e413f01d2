package io.lengthguard.jdk;

import static java.util.Objects.requireNonNull;

import io.lengthguard.BodyTooLargeException;
import io.lengthguard.Buffering;
import io.lengthguard.GuardMode;
import io.lengthguard.GuardPolicy;
import io.lengthguard.GuardedExchange;
import io.lengthguard.LengthGuard;
import io.lengthguard.Origin;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.UndeclaredThrowableException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.jspecify.annotations.Nullable;

/**
 * An {@link HttpClient} that keeps request bodies of unknown length from failing with 411 Length
 * Required. It wraps the client you already have, which does every send:
 *
 * <pre>{@code
 * HttpClient client = LengthGuardHttpClient.wrap(HttpClient.newHttpClient());
 * HttpRequest request = HttpRequest.newBuilder(uri)
 *     .POST(HttpRequest.BodyPublishers.ofInputStream(() -> in))
 *     .build();
 * HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
 * }</pre>
 *
 * <p>A request without a body publisher, or whose publisher knows its length ({@code
 * contentLength() >= 0}: {@code ofString}, {@code ofByteArray}, {@code ofFile}, {@code noBody},
 * {@link FrozenBodyPublisher}), goes to the wrapped client as it is. A publisher of unknown length
 * ({@code ofInputStream}, {@code fromPublisher(p)}, a {@code concat} of such) follows the policy's
 * {@link GuardMode}: read ahead and sent with its exact {@code Content-Length}, or sent as the
 * client frames it (chunked on HTTP/1.1, no length at all on HTTP/2) and, on a 411, sent exactly
 * once more with its exact length. The resend keeps every header, the timeout, version and
 * expect-continue setting of the caller's request, and goes with the caller's body handler. A
 * second 411, or a body that cannot be sent again (over the buffering limit), hands the 411 back to
 * the caller, and the policy's listener learns why. The caller's body handler sees only the
 * response the call returns: never the body of a 411 the resend replaces. In {@link
 * GuardMode#PREBUFFER} (or for an origin that {@link GuardMode#ADAPTIVE} remembers), a body over
 * the limit fails the call with {@link BodyTooLargeException} before any byte is sent.
 *
 * <p>The caller's publisher is subscribed once. The JDK subscribes a body again for a redirect
 * (307, 308), an authentication or a retry of its own: a body sent with its exact length publishes
 * the same bytes again; a body streamed past the read-ahead cannot, and that send fails with an
 * {@code IOException} rather than send other bytes.
 *
 * <p>{@link #sendAsync} never blocks the calling thread: the caller's publisher is read, and bodies
 * frozen (to disk, with {@link Buffering#spillToDisk}) and digested on LengthGuard's own threads.
 * Canceling the returned future cancels the call. Every other method reaches the wrapped client,
 * including, on Java 21 and later, {@code close}, {@code shutdown}, {@code shutdownNow}, {@code
 * awaitTermination} and {@code isTerminated}.
 *
 * <p>This class is thread-safe: one instance serves a whole application, as the client it wraps.
 */
public final class LengthGuardHttpClient extends HttpClient {
  // HttpClient's lifecycle methods of Java 21, looked up once; null on an earlier Java.
  private static final @Nullable MethodHandle CLOSE = lifecycle("close", void.class);
  private static final @Nullable MethodHandle SHUTDOWN = lifecycle("shutdown", void.class);
  private static final @Nullable MethodHandle SHUTDOWN_NOW = lifecycle("shutdownNow", void.class);
  private static final @Nullable MethodHandle IS_TERMINATED =
      lifecycle("isTerminated", boolean.class);
  private static final @Nullable MethodHandle AWAIT_TERMINATION =
      lifecycle("awaitTermination", boolean.class, Duration.class);

  private final HttpClient delegate;
  private final GuardPolicy policy;
  private final LengthGuard guard;

  private LengthGuardHttpClient(HttpClient delegate, GuardPolicy policy) {
    this.delegate = delegate;
    this.policy = policy;
    this.guard = LengthGuard.create(policy);
  }

  /** Returns {@code client} guarded with the default policy ({@link GuardPolicy#defaults()}). */
  public static LengthGuardHttpClient wrap(HttpClient client) {
    return wrap(client, GuardPolicy.defaults());
  }

  /** Returns {@code client} guarded by {@code policy}. */
  public static LengthGuardHttpClient wrap(HttpClient client, GuardPolicy policy) {
    return new LengthGuardHttpClient(
        requireNonNull(client, "client == null"), requireNonNull(policy, "policy == null"));
  }

  /** Returns this client's policy. */
  public GuardPolicy policy() {
    return policy;
  }

  @Override
  public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
      throws IOException, InterruptedException {
    HttpRequest.BodyPublisher body = unknownLength(request);
    if (body == null) return delegate.send(request, handler);
    requireNonNull(handler, "handler == null");
    JdkTransport<T> transport = JdkTransport.blocking(delegate, request, handler);
    HttpResponse<T> response;
    try {
      response = exchange(request).execute(writerOf(request, body), false, transport);
    } catch (InterruptedIOException e) {
      // HttpClient.send answers an interrupt with InterruptedException, and so does this.
      if (!Thread.interrupted()) throw e;
      InterruptedException interrupted = new InterruptedException("interrupted");
      interrupted.initCause(e);
      throw interrupted;
    }
    // A 411 the exchange hands back reaches the caller's handler only now: a resend may have
    // replaced it, and the handler sees only the response the caller gets.
    return transport.delivered(response);
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    HttpRequest.BodyPublisher body = unknownLength(request);
    if (body == null) return delegate.sendAsync(request, handler);
    return guardAsync(request, body, handler, null);
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request,
      HttpResponse.BodyHandler<T> handler,
      HttpResponse.@Nullable PushPromiseHandler<T> pushPromiseHandler) {
    HttpRequest.BodyPublisher body = unknownLength(request);
    if (body == null) return delegate.sendAsync(request, handler, pushPromiseHandler);
    return guardAsync(request, body, handler, pushPromiseHandler);
  }

  private <T> CompletableFuture<HttpResponse<T>> guardAsync(
      HttpRequest request,
      HttpRequest.BodyPublisher body,
      HttpResponse.BodyHandler<T> handler,
      HttpResponse.@Nullable PushPromiseHandler<T> pushes) {
    requireNonNull(handler, "handler == null");
    JdkTransport<T> transport = JdkTransport.async(delegate, request, handler, pushes);
    // The exchange runs on LengthGuard's threads: the caller's publisher, disk and digests too.
    // Canceled, it cancels the client's send and stops the caller's publisher itself.
    CompletableFuture<HttpResponse<T>> result =
        exchange(request).executeAsync(writerOf(request, body), false, transport);
    // A 411 the exchange hands back reaches the caller's handler only once it is the answer.
    CompletableFuture<HttpResponse<T>> answer = new CompletableFuture<>();
    result.whenComplete(
        (response, failure) -> {
          if (failure != null) {
            answer.completeExceptionally(failure);
          } else if (answer.isCancelled()) {
            transport.discard(response); // the caller gave the call up: nobody takes it
          } else {
            transport
                .deliver(response)
                .whenComplete(
                    (delivered, deliveryFailure) -> {
                      if (deliveryFailure != null) answer.completeExceptionally(deliveryFailure);
                      else answer.complete(delivered);
                    });
          }
        });
    // Canceling the caller's future cancels the exchange, and with it the client's send.
    answer.whenComplete(
        (response, failure) -> {
          if (failure instanceof CancellationException) result.cancel(true);
        });
    return answer;
  }

  /** Returns the caller's publisher if it does not know its length, else null: nothing to do. */
  private static HttpRequest.@Nullable BodyPublisher unknownLength(HttpRequest request) {
    Optional<HttpRequest.BodyPublisher> body = request.bodyPublisher();
    if (body.isEmpty()) return null;
    HttpRequest.BodyPublisher publisher = body.get();
    return publisher.contentLength() < 0 ? publisher : null;
  }

  private GuardedExchange exchange(HttpRequest request) {
    return guard.exchange(origin(request.uri()), request.method());
  }

  private static PublisherWriter writerOf(HttpRequest request, HttpRequest.BodyPublisher body) {
    return new PublisherWriter(body, request.timeout().orElse(null));
  }

  /** Returns the origin of {@code uri}, an absolute http or https URI (HttpRequest checked it). */
  static Origin origin(URI uri) {
    String scheme = uri.getScheme();
    String host = uri.getHost();
    // URI keeps the brackets of an IPv6 literal; Origin adds its own.
    if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
    int port = uri.getPort();
    if (port == -1) port = "https".equalsIgnoreCase(scheme) ? 443 : 80;
    return Origin.of(scheme, host, port);
  }

  @Override
  public Optional<CookieHandler> cookieHandler() {
    return delegate.cookieHandler();
  }

  @Override
  public Optional<Duration> connectTimeout() {
    return delegate.connectTimeout();
  }

  @Override
  public Redirect followRedirects() {
    return delegate.followRedirects();
  }

  @Override
  public Optional<ProxySelector> proxy() {
    return delegate.proxy();
  }

  @Override
  public SSLContext sslContext() {
    return delegate.sslContext();
  }

  @Override
  public SSLParameters sslParameters() {
    return delegate.sslParameters();
  }

  @Override
  public Optional<Authenticator> authenticator() {
    return delegate.authenticator();
  }

  @Override
  public Version version() {
    return delegate.version();
  }

  @Override
  public Optional<Executor> executor() {
    return delegate.executor();
  }

  /** Returns the wrapped client's WebSocket builder: a WebSocket has no request body to guard. */
  @Override
  public WebSocket.Builder newWebSocketBuilder() {
    return delegate.newWebSocketBuilder();
  }

  // The five methods below override HttpClient's of Java 21 and later: this class is compiled for
  // Java 17, which has none of them, so they carry no @Override and call the wrapped client's
  // through method handles. On Java 17 they do what HttpClient's defaults of Java 21 do.

  /**
   * Closes the wrapped client (Java 21 and later: {@code HttpClient.close()}); does nothing on an
   * earlier Java, whose {@code HttpClient} cannot be closed.
   */
  public void close() {
    invokeVoid(CLOSE);
  }

  /**
   * Starts an orderly shutdown of the wrapped client (Java 21 and later: {@code
   * HttpClient.shutdown()}); does nothing on an earlier Java.
   */
  public void shutdown() {
    invokeVoid(SHUTDOWN);
  }

  /**
   * Shuts the wrapped client down at once (Java 21 and later: {@code HttpClient.shutdownNow()});
   * does nothing on an earlier Java.
   */
  public void shutdownNow() {
    invokeVoid(SHUTDOWN_NOW);
  }

  /**
   * Waits for the wrapped client to terminate (Java 21 and later: {@code
   * HttpClient.awaitTermination(Duration)}); returns true at once on an earlier Java.
   */
  public boolean awaitTermination(Duration duration) throws InterruptedException {
    requireNonNull(duration, "duration == null");
    if (AWAIT_TERMINATION == null) return true;
    try {
      return (boolean) AWAIT_TERMINATION.invokeExact(delegate, duration);
    } catch (InterruptedException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new UndeclaredThrowableException(e);
    }
  }

  /**
   * Returns whether the wrapped client terminated (Java 21 and later: {@code
   * HttpClient.isTerminated()}); false on an earlier Java.
   */
  public boolean isTerminated() {
    if (IS_TERMINATED == null) return false;
    try {
      return (boolean) IS_TERMINATED.invokeExact(delegate);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new UndeclaredThrowableException(e);
    }
  }

  private void invokeVoid(@Nullable MethodHandle method) {
    if (method == null) return;
    try {
      method.invokeExact(delegate);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new UndeclaredThrowableException(e);
    }
  }

  private static @Nullable MethodHandle lifecycle(
      String name, Class<?> returnType, Class<?>... parameterTypes) {
    try {
      return MethodHandles.publicLookup()
          .findVirtual(HttpClient.class, name, MethodType.methodType(returnType, parameterTypes));
    } catch (NoSuchMethodException e) {
      return null; // before Java 21
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e); // not reached: a public method of a public class
    }
  }

  @Override
  public String toString() {
    return "LengthGuardHttpClient{" + delegate + ", " + policy + "}";
  }
}
