package io.lengthguard.httpclient5;

import static java.util.Objects.requireNonNull;

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

  private final ClassicGuard guard;

  private LengthGuardExecHandler(GuardPolicy policy) {
    this.guard = new ClassicGuard(policy);
  }

  /**
   * Returns a handler following {@code policy}, for callers who place it in the chain themselves.
   * It must sit before {@link ChainElement#CONNECT}: placed last, it cannot send a request twice.
   */
  public static LengthGuardExecHandler create(GuardPolicy policy) {
    return new LengthGuardExecHandler(requireNonNull(policy, "policy == null"));
  }

  /** Installs a handler with the {@linkplain GuardPolicy#defaults() default policy}. */
  public static HttpClientBuilder install(HttpClientBuilder builder) {
    return install(builder, GuardPolicy.defaults());
  }

  /**
   * Installs a handler following {@code policy} in {@code builder}'s exec chain and returns {@code
   * builder}. It goes just before {@link ChainElement#PROTOCOL}: after redirects and retries, and
   * before {@link ChainElement#CONNECT}, the last place from which a request can be sent again.
   */
  public static HttpClientBuilder install(HttpClientBuilder builder, GuardPolicy policy) {
    requireNonNull(builder, "builder == null");
    requireNonNull(policy, "policy == null");
    // Not "after RETRY": with automatic retries disabled that element is missing and the builder
    // silently drops a handler placed after it. PROTOCOL is always there.
    return builder.addExecInterceptorBefore(ChainElement.PROTOCOL.name(), NAME, create(policy));
  }

  @Override
  public ClassicHttpResponse execute(
      ClassicHttpRequest request, ExecChain.Scope scope, ExecChain chain)
      throws IOException, HttpException {
    // The common case allocates nothing: not even the lambda below.
    if (ClassicGuard.passesThrough(request)) return chain.proceed(request, scope);
    return guard.execute(
        scope.route.getTargetHost(),
        request,
        copy -> {
          if (copy == request) return chain.proceed(request, scope);
          // PROTOCOL resets the request's headers from the scope's original before an auth retry:
          // that must be a snapshot of the copy, not the caller's headers nor the copy itself.
          ClassicHttpRequest original = ClassicRequestBuilder.copy(copy).build();
          return chain.proceed(
              copy,
              new ExecChain.Scope(
                  scope.exchangeId, scope.route, original, scope.execRuntime, scope.clientContext));
        });
  }

  @Override
  public String toString() {
    return "LengthGuardExecHandler{" + guard.policy() + "}";
  }
}
