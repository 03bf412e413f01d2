package io.lengthguard.spring.boot;

import io.lengthguard.LengthGuard;
import io.lengthguard.spring.LengthGuardClientHttpConnector;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;

/**
 * Builds the connector Boot's builder builds, with Boot's settings, and guards it with the
 * application's guard: so every {@code WebClient.Builder} Boot makes sends through the connector
 * Boot picked, guarded.
 */
final class GuardedConnectorBuilder
    implements ClientHttpConnectorBuilder<LengthGuardClientHttpConnector> {
  private final ClientHttpConnectorBuilder<?> delegate;
  private final Supplier<LengthGuard> guard;

  GuardedConnectorBuilder(ClientHttpConnectorBuilder<?> delegate, Supplier<LengthGuard> guard) {
    this.delegate = delegate;
    this.guard = guard;
  }

  @Override
  public LengthGuardClientHttpConnector build(@Nullable HttpClientSettings settings) {
    return LengthGuardClientHttpConnector.wrap(delegate.build(settings), guard.get());
  }

  @Override
  public String toString() {
    return "GuardedConnectorBuilder{" + delegate + "}";
  }
}
