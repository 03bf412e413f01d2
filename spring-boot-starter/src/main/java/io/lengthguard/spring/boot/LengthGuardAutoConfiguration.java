package io.lengthguard.spring.boot;

import io.lengthguard.GuardListener;
import io.lengthguard.GuardPolicy;
import io.lengthguard.LengthGuard;
import io.lengthguard.micrometer.LengthGuardMetrics;
import io.lengthguard.spring.LengthGuardClientHttpConnector;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ResourceLoader;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.http.client.reactive.ClientHttpConnector;
import reactor.core.publisher.Mono;

/**
 * Guards the {@code RestClient.Builder}, {@code RestTemplateBuilder} and {@code WebClient.Builder}
 * that Spring Boot provides with one {@link LengthGuard}, whatever request factory or connector
 * Boot picked: Boot's {@code ClientHttpRequestFactoryBuilder} and {@code
 * ClientHttpConnectorBuilder} beans (and a {@code ClientHttpConnector} bean) are wrapped, so each
 * factory or connector they build is guarded. Off with {@code lengthguard.enabled=false}.
 *
 * <p>The guard follows the {@link GuardPolicy} bean: the application's own, or one made from {@link
 * LengthGuardProperties} with every {@link GuardListener} bean as its listener. With a {@code
 * MeterRegistry} bean, {@link LengthGuardMetrics} hears the guard's events too, and the gauge of
 * learned origins is registered. An application's own {@link LengthGuard} bean is used as it is.
 */
@AutoConfiguration(
    afterName = {
      "org.springframework.boot.http.client.autoconfigure.imperative"
          + ".ImperativeHttpClientAutoConfiguration",
      "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
      "org.springframework.boot.micrometer.metrics.autoconfigure"
          + ".CompositeMeterRegistryAutoConfiguration"
    })
@ConditionalOnBooleanProperty(name = "lengthguard.enabled", matchIfMissing = true)
@EnableConfigurationProperties(LengthGuardProperties.class)
public final class LengthGuardAutoConfiguration {
  LengthGuardAutoConfiguration() {}

  @Bean
  @ConditionalOnMissingBean
  GuardPolicy lengthGuardPolicy(
      LengthGuardProperties properties, ObjectProvider<GuardListener> listeners) {
    GuardPolicy.Builder builder = properties.toPolicyBuilder();
    GuardListener[] all = listeners.orderedStream().toArray(GuardListener[]::new);
    if (all.length > 0) builder.listener(GuardListener.composite(all));
    return builder.build();
  }

  @Bean
  @ConditionalOnMissingBean
  LengthGuard lengthGuard(GuardPolicy policy, ObjectProvider<MetricsListener> metrics) {
    MetricsListener meters = metrics.getIfAvailable();
    if (meters == null) return LengthGuard.create(policy);
    GuardListener listener = GuardListener.composite(meters.listener(), policy.listener());
    return LengthGuard.create(policy.newBuilder().listener(listener).build());
  }

  /** The listener that records the guard's events in the application's {@code MeterRegistry}. */
  record MetricsListener(GuardListener listener) {}

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(MeterRegistry.class)
  @ConditionalOnBean(MeterRegistry.class)
  static class Metrics {
    @Bean
    MetricsListener lengthGuardMetricsListener(MeterRegistry registry) {
      return new MetricsListener(LengthGuardMetrics.create(registry));
    }

    @Bean
    SmartInitializingSingleton lengthGuardLearnedOriginsGauge(
        MeterRegistry registry, ObjectProvider<LengthGuard> guard) {
      return () -> guard.ifUnique(g -> LengthGuardMetrics.bindLearnedOrigins(registry, g));
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({ClientHttpRequestFactory.class, ClientHttpRequestFactoryBuilder.class})
  static class RequestFactories {
    @Bean
    static GuardingPostProcessor lengthGuardRequestFactoryBuilderPostProcessor(
        ObjectProvider<LengthGuard> guard) {
      return new GuardingPostProcessor(
          ClientHttpRequestFactoryBuilder.class,
          bean ->
              bean instanceof GuardedRequestFactoryBuilder
                  ? bean
                  : new GuardedRequestFactoryBuilder(
                      (ClientHttpRequestFactoryBuilder<?>) bean, guard::getObject));
    }

    /**
     * The builder Boot's {@code RestClient.Builder} would detect by itself where Boot declares none
     * (a reactive web application), declared so that it is guarded too.
     */
    @Bean
    @ConditionalOnClass(name = "org.springframework.boot.restclient.RestClientCustomizer")
    @ConditionalOnMissingBean(ClientHttpRequestFactoryBuilder.class)
    ClientHttpRequestFactoryBuilder<?> lengthGuardClientHttpRequestFactoryBuilder(
        ResourceLoader resourceLoader) {
      return ClientHttpRequestFactoryBuilder.detect(resourceLoader.getClassLoader());
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({ClientHttpConnector.class, ClientHttpConnectorBuilder.class, Mono.class})
  static class Connectors {
    @Bean
    static GuardingPostProcessor lengthGuardConnectorBuilderPostProcessor(
        ObjectProvider<LengthGuard> guard) {
      return new GuardingPostProcessor(
          ClientHttpConnectorBuilder.class,
          bean ->
              bean instanceof GuardedConnectorBuilder
                  ? bean
                  : new GuardedConnectorBuilder(
                      (ClientHttpConnectorBuilder<?>) bean, guard::getObject));
    }

    /** Boot gives a {@link ClientHttpConnector} bean to every {@code WebClient.Builder}. */
    @Bean
    static GuardingPostProcessor lengthGuardConnectorPostProcessor(
        ObjectProvider<LengthGuard> guard) {
      return new GuardingPostProcessor(
          ClientHttpConnector.class,
          bean ->
              bean instanceof LengthGuardClientHttpConnector
                  ? bean
                  : LengthGuardClientHttpConnector.wrap(
                      (ClientHttpConnector) bean, guard.getObject()));
    }
  }
}
