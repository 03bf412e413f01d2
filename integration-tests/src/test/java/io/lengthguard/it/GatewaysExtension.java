package io.lengthguard.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Supplies a {@link Gateways} parameter: one per test run, kept in the root context's store, which
 * closes it (stopping every gateway by its pid) when the run ends, whether tests passed or not.
 */
final class GatewaysExtension implements ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(GatewaysExtension.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == Gateways.class;
  }

  @Override
  public Gateways resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(Gateways.class, unused -> create(), Gateways.class);
  }

  private static Gateways create() {
    try {
      return Gateways.create(Gateways.defaultRoot());
    } catch (IOException e) {
      throw new UncheckedIOException("starting the recording backend", e);
    }
  }
}
