package io.lengthguard.spring.boot;

import io.lengthguard.LengthGuard;
import io.lengthguard.spring.LengthGuardClientHttpRequestFactory;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.HttpClientSettings;

/**
 * Builds the request factory Boot's builder builds, with Boot's settings, and guards it with the
 * application's guard: so every {@code RestClient.Builder} and {@code RestTemplateBuilder} Boot
 * makes sends through the factory Boot picked, guarded.
 */
final class GuardedRequestFactoryBuilder
    implements ClientHttpRequestFactoryBuilder<LengthGuardClientHttpRequestFactory> {
  private final ClientHttpRequestFactoryBuilder<?> delegate;
  private final Supplier<LengthGuard> guard;

  GuardedRequestFactoryBuilder(
      ClientHttpRequestFactoryBuilder<?> delegate, Supplier<LengthGuard> guard) {
    this.delegate = delegate;
    this.guard = guard;
  }

  @Override
  public LengthGuardClientHttpRequestFactory build(@Nullable HttpClientSettings settings) {
    return LengthGuardClientHttpRequestFactory.wrap(delegate.build(settings), guard.get());
  }

  @Override
  public String toString() {
    return "GuardedRequestFactoryBuilder{" + delegate + "}";
  }
}
