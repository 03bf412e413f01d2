package io.lengthguard.httpclient5;

import static java.util.Objects.requireNonNull;

import io.lengthguard.BodyTooLargeException;
import io.lengthguard.FramingViolationException;
import io.lengthguard.GuardPolicy;
import java.io.IOException;
import org.apache.hc.client5.http.classic.ExecChain;
import org.apache.hc.client5.http.classic.ExecChainHandler;
import org.apache.hc.client5.http.impl.ChainElement;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.apache.hc.core5.io.Closer;

/**
 * An exec chain handler that guards every request of a classic client built with {@link
 * #install(HttpClientBuilder, GuardPolicy)}: the same contract as {@link LengthGuardHttpClient},
 * from inside the client.
 *
 * <p>This class is thread-safe: one instance serves a whole client.
 */
public final class LengthGuardExecHandler implements ExecChainHandler {
  /** The name of this handler in the exec chain. */
  public static final String NAME = "lengthguard";

  /** The name of the stand-in that guards a client built without {@link ChainElement#RETRY}. */
  static final String INNER_NAME = NAME + "-without-retry";

  /** Set in the context while the handler before {@code RETRY} runs: the stand-in passes. */
  private static final String GUARDED = "io.lengthguard.guarded";

  private final ClassicGuard guard;
  private final boolean standIn;

  private LengthGuardExecHandler(ClassicGuard guard, boolean standIn) {
    this.guard = guard;
    this.standIn = standIn;
  }

  /**
   * Returns a handler following {@code policy}, for callers who place it in the chain themselves.
   * It must sit before {@link ChainElement#CONNECT}: placed last, it cannot send a request twice.
   * Placed before {@link ChainElement#RETRY}, HttpClient's retry strategy never repeats the guard's
   * own refusals ({@link FramingViolationException}, {@link BodyTooLargeException}).
   */
  public static LengthGuardExecHandler create(GuardPolicy policy) {
    return new LengthGuardExecHandler(
        new ClassicGuard(requireNonNull(policy, "policy == null")), false);
  }

  /** Installs a handler with the {@linkplain GuardPolicy#defaults() default policy}. */
  public static HttpClientBuilder install(HttpClientBuilder builder) {
    return install(builder, GuardPolicy.defaults());
  }

  /**
   * Installs a handler following {@code policy} in {@code builder}'s exec chain and returns {@code
   * builder}. It goes just before {@link ChainElement#RETRY}: inside {@code REDIRECT}, so that each
   * hop is guarded for the origin it goes to, and outside {@code RETRY}, so that HttpClient's retry
   * strategy never repeats the guard's own refusals ({@link FramingViolationException} and {@link
   * BodyTooLargeException} are {@code IOException}s, which it retries for idempotent methods).
   */
  public static HttpClientBuilder install(HttpClientBuilder builder, GuardPolicy policy) {
    requireNonNull(builder, "builder == null");
    requireNonNull(policy, "policy == null");
    ClassicGuard guard = new ClassicGuard(policy);
    // With automatic retries disabled RETRY is missing, and the builder silently drops a handler
    // placed before it: a stand-in before PROTOCOL (always there) then guards, and passes requests
    // the first handler already guards.
    return builder
        .addExecInterceptorBefore(
            ChainElement.RETRY.name(), NAME, new LengthGuardExecHandler(guard, false))
        .addExecInterceptorBefore(
            ChainElement.PROTOCOL.name(), INNER_NAME, new LengthGuardExecHandler(guard, true));
  }

  @Override
  public ClassicHttpResponse execute(
      ClassicHttpRequest request, ExecChain.Scope scope, ExecChain chain)
      throws IOException, HttpException {
    // The common case allocates nothing: not even the lambdas below.
    if (ClassicGuard.passesThrough(request)) return chain.proceed(request, scope);
    if (standIn) {
      if (scope.clientContext.getAttribute(GUARDED) != null) return chain.proceed(request, scope);
      return guard(request, scope, chain);
    }
    Object before = scope.clientContext.setAttribute(GUARDED, Boolean.TRUE);
    try {
      return guard(request, scope, chain);
    } finally {
      if (before == null) {
        scope.clientContext.removeAttribute(GUARDED);
      } else {
        scope.clientContext.setAttribute(GUARDED, before);
      }
    }
  }

  private ClassicHttpResponse guard(
      ClassicHttpRequest request, ExecChain.Scope scope, ExecChain chain)
      throws IOException, HttpException {
    return guard.execute(
        scope.route.getTargetHost(),
        request,
        scope.clientContext,
        copy -> {
          // PROTOCOL resets the request's headers from the scope's original before an auth retry:
          // that must be a snapshot of the copy, not the caller's headers nor the copy itself.
          ClassicHttpRequest original = ClassicRequestBuilder.copy(copy).build();
          return chain.proceed(
              copy,
              new ExecChain.Scope(
                  scope.exchangeId, scope.route, original, scope.execRuntime, scope.clientContext));
        },
        response -> {
          // The server refused the request before processing it (RFC 9110 §15.5.12) and may not
          // have read the body (haproxy closes without reading it): the next send takes a new
          // connection, and this one goes nowhere near the pool.
          scope.execRuntime.discardEndpoint();
          Closer.closeQuietly(response);
        },
        scope.execRuntime::isExecutionAborted);
  }

  @Override
  public String toString() {
    return "LengthGuardExecHandler{" + guard.policy() + "}";
  }
}
