package io.lengthguard.spring.boot;

import io.lengthguard.LengthGuard;
import io.lengthguard.spring.LengthGuardClientHttpConnector;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;
import org.springframework.http.client.reactive.ClientHttpConnector;

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

  /**
   * Wraps each bean declared as a {@link ClientHttpConnectorBuilder}, and each declared as a {@link
   * ClientHttpConnector} not built by a wrapped builder (Boot gives that bean to every {@code
   * WebClient.Builder}), once. A bean declared as a concrete class is left as it is: code may
   * inject it as that class.
   */
  static final class PostProcessor implements BeanPostProcessor, BeanFactoryAware {
    private final Supplier<LengthGuard> guard;
    private @Nullable BeanFactory beanFactory;

    PostProcessor(Supplier<LengthGuard> guard) {
      this.guard = guard;
    }

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
      this.beanFactory = beanFactory;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName)
        throws BeansException {
      if (bean instanceof ClientHttpConnectorBuilder<?> builder
          && DeclaredTypes.declaredAs(beanFactory, beanName, ClientHttpConnectorBuilder.class)
          && !(bean instanceof GuardedConnectorBuilder)) {
        return new GuardedConnectorBuilder(builder, guard);
      }
      if (bean instanceof ClientHttpConnector connector
          && DeclaredTypes.declaredAs(beanFactory, beanName, ClientHttpConnector.class)
          && !(bean instanceof LengthGuardClientHttpConnector)) {
        return LengthGuardClientHttpConnector.wrap(connector, guard.get());
      }
      return bean;
    }
  }
}
