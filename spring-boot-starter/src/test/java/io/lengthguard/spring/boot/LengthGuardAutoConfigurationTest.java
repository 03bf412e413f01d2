package io.lengthguard.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.lengthguard.Buffering;
import io.lengthguard.GuardListener;
import io.lengthguard.GuardMode;
import io.lengthguard.GuardPolicy;
import io.lengthguard.LengthGuard;
import io.lengthguard.Origin;
import io.lengthguard.spring.LengthGuardClientHttpConnector;
import io.lengthguard.spring.LengthGuardClientHttpRequestFactory;
import io.lengthguard.testing.Payloads;
import io.lengthguard.testing.Wire;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.imperative.ImperativeHttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.reactive.ReactiveHttpClientAutoConfiguration;
import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.boot.restclient.RestTemplateBuilder;
import org.springframework.boot.restclient.RestTemplateCustomizer;
import org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration;
import org.springframework.boot.restclient.autoconfigure.RestTemplateAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.core.io.InputStreamResource;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.http.client.reactive.JdkClientHttpConnector;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.client.WebClient;

@Timeout(60)
class LengthGuardAutoConfigurationTest {
  private static final AutoConfigurations BOOT_CLIENTS =
      AutoConfigurations.of(
          HttpClientAutoConfiguration.class,
          ImperativeHttpClientAutoConfiguration.class,
          ReactiveHttpClientAutoConfiguration.class,
          RestClientAutoConfiguration.class,
          RestTemplateAutoConfiguration.class,
          WebClientAutoConfiguration.class);

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(BOOT_CLIENTS)
          .withConfiguration(AutoConfigurations.of(LengthGuardAutoConfiguration.class));

  @TempDir Path dir;
  private StrictServer server;

  @BeforeEach
  void start() throws Exception {
    server = new StrictServer();
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  @Test
  void guardsEveryBuilderBootProvidesWithOneGuard() {
    runner
        .withPropertyValues("lengthguard.prebuffer-bytes=0")
        .run(
            context -> {
              assertThat(context).hasSingleBean(LengthGuard.class).hasSingleBean(GuardPolicy.class);
              LengthGuard guard = context.getBean(LengthGuard.class);
              assertThat(context.getBean(ClientHttpRequestFactoryBuilder.class))
                  .isInstanceOf(GuardedRequestFactoryBuilder.class);
              assertThat(context.getBean(ClientHttpConnectorBuilder.class))
                  .isInstanceOf(GuardedConnectorBuilder.class);
              assertThat(context.getBean(ClientHttpConnector.class))
                  .isInstanceOf(LengthGuardClientHttpConnector.class);
              RestTemplate template = context.getBean(RestTemplateBuilder.class).build();
              assertThat(template.getRequestFactory())
                  .isInstanceOf(LengthGuardClientHttpRequestFactory.class);
              assertThat(
                      ((LengthGuardClientHttpRequestFactory) template.getRequestFactory()).policy())
                  .isSameAs(guard.policy());

              // The origin RestClient's 411 taught the guard: RestTemplate's and WebClient's first
              // sends there carry the length.
              byte[] payload = Payloads.bytes(10 * 1024);
              RestClient restClient = context.getBean(RestClient.Builder.class).build();
              WebClient webClient = context.getBean(WebClient.Builder.class).build();
              assertThat(post(restClient, payload)).isEqualTo(200);
              assertThat(post(template, payload)).isEqualTo(200);
              assertThat(post(webClient, payload)).isEqualTo(200);

              Wire.assertChunked(server.take());
              for (int i = 0; i < 3; i++) Wire.assertExactLength(server.take(), payload);
              assertThat(server.requestCount()).isEqualTo(4);
              assertThat(guard.learnedOrigins()).isEqualTo(1);
            });
  }

  @Test
  void enabledFalseLeavesEveryClientAlone() {
    runner
        .withPropertyValues("lengthguard.enabled=false")
        .run(
            context -> {
              assertThat(context)
                  .doesNotHaveBean(LengthGuard.class)
                  .doesNotHaveBean(GuardPolicy.class)
                  .doesNotHaveBean(GuardingPostProcessor.class);
              assertThat(context.getBean(ClientHttpRequestFactoryBuilder.class))
                  .isNotInstanceOf(GuardedRequestFactoryBuilder.class);
              assertThat(context.getBean(ClientHttpConnector.class))
                  .isNotInstanceOf(LengthGuardClientHttpConnector.class);
              assertThat(context.getBean(RestTemplateBuilder.class).build().getRequestFactory())
                  .isNotInstanceOf(LengthGuardClientHttpRequestFactory.class);

              RestClient restClient = context.getBean(RestClient.Builder.class).build();
              assertThat(post(restClient, Payloads.bytes(1024))).isEqualTo(411);
            });
  }

  @Test
  void withoutWebfluxRestClientsAreGuardedAlone() {
    runner
        .withClassLoader(
            new FilteredClassLoader(
                "org.springframework.web.reactive", "org.springframework.http.client.reactive"))
        .run(
            context -> {
              assertThat(context).hasNotFailed().hasSingleBean(LengthGuard.class);
              assertThat(context)
                  .doesNotHaveBean("lengthGuardConnectorBuilderPostProcessor")
                  .doesNotHaveBean("lengthGuardConnectorPostProcessor")
                  .doesNotHaveBean(WebClient.Builder.class)
                  .hasBean("lengthGuardRequestFactoryBuilderPostProcessor");
              assertThat(context.getBean(RestTemplateBuilder.class).build().getRequestFactory())
                  .isInstanceOf(LengthGuardClientHttpRequestFactory.class);
            });
  }

  @Test
  void inReactiveWebApplicationRestClientIsGuardedToo() {
    new ReactiveWebApplicationContextRunner()
        .withConfiguration(BOOT_CLIENTS)
        .withConfiguration(AutoConfigurations.of(LengthGuardAutoConfiguration.class))
        .run(
            context -> {
              // Boot declares no request factory builder here; RestClient would detect one.
              assertThat(context.getBean(ClientHttpRequestFactoryBuilder.class))
                  .isInstanceOf(GuardedRequestFactoryBuilder.class);
              byte[] payload = Payloads.bytes(1024);
              RestClient restClient = context.getBean(RestClient.Builder.class).build();
              assertThat(post(restClient, payload)).isEqualTo(200);
              Wire.assertExactLength(server.take(), payload);
              assertThat(server.requestCount()).isEqualTo(1);
            });
  }

  @Test
  void userGuardPolicyReplacesTheProperties() {
    GuardPolicy mine = GuardPolicy.builder().mode(GuardMode.RETRY_ON_411).maxOrigins(7).build();
    runner
        .withBean(GuardPolicy.class, () -> mine)
        .withPropertyValues("lengthguard.mode=prebuffer", "lengthguard.origins.max=0")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean(GuardPolicy.class)).isSameAs(mine);
              assertThat(context.getBean(LengthGuard.class).policy()).isSameAs(mine);
            });
  }

  @Test
  void userLengthGuardIsUsedAsIs() {
    LengthGuard mine = LengthGuard.create(GuardPolicy.builder().maxOrigins(3).build());
    runner
        .withBean(LengthGuard.class, () -> mine)
        .withBean(SimpleMeterRegistry.class)
        .run(
            context -> {
              assertThat(context.getBean(LengthGuard.class)).isSameAs(mine);
              RestTemplate template = context.getBean(RestTemplateBuilder.class).build();
              assertThat(
                      ((LengthGuardClientHttpRequestFactory) template.getRequestFactory()).policy())
                  .isSameAs(mine.policy());
              MeterRegistry registry = context.getBean(MeterRegistry.class);
              assertThat(registry.get("lengthguard.origins.learned").gauge().value()).isZero();
            });
  }

  @Test
  void userCustomizersStillRunAndTheirFactoryIsTheirs() {
    AtomicInteger restClients = new AtomicInteger();
    AtomicInteger webClients = new AtomicInteger();
    List<RestTemplate> templates = new ArrayList<>();
    runner
        .withBean(RestClientCustomizer.class, () -> builder -> restClients.incrementAndGet())
        .withBean(WebClientCustomizer.class, () -> builder -> webClients.incrementAndGet())
        .withBean(RestTemplateCustomizer.class, () -> templates::add)
        .run(
            context -> {
              context.getBean(RestClient.Builder.class);
              context.getBean(WebClient.Builder.class);
              RestTemplate template = context.getBean(RestTemplateBuilder.class).build();
              assertThat(restClients).hasValue(1);
              assertThat(webClients).hasValue(1);
              assertThat(templates).containsExactly(template);
              assertThat(template.getRequestFactory())
                  .isInstanceOf(LengthGuardClientHttpRequestFactory.class);
              // A factory the application sets itself is its own.
              RestTemplate own =
                  context
                      .getBean(RestTemplateBuilder.class)
                      .requestFactory(SimpleClientHttpRequestFactory::new)
                      .build();
              assertThat(own.getRequestFactory())
                  .isInstanceOf(SimpleClientHttpRequestFactory.class);
            });
  }

  @Test
  void connectorBeanOfTheApplicationIsGuardedOnce() {
    runner
        .withBean("clientHttpConnector", ClientHttpConnector.class, JdkClientHttpConnector::new)
        .run(
            context -> {
              ClientHttpConnector connector = context.getBean(ClientHttpConnector.class);
              assertThat(connector).isInstanceOf(LengthGuardClientHttpConnector.class);
              assertThat(((LengthGuardClientHttpConnector) connector).delegate())
                  .isInstanceOf(JdkClientHttpConnector.class);
            });
  }

  @Test
  void beanDeclaredAsConcreteConnectorIsLeftAsDeclared() {
    runner
        .withBean("clientHttpConnector", JdkClientHttpConnector.class, JdkClientHttpConnector::new)
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean(JdkClientHttpConnector.class)).isNotNull();
            });
  }

  @Test
  void defaultsAreCoreDefaults() {
    runner.run(
        context -> {
          GuardPolicy policy = context.getBean(GuardPolicy.class);
          GuardPolicy core = GuardPolicy.defaults();
          assertThat(policy.mode()).isEqualTo(core.mode());
          assertThat(policy.buffering()).isEqualTo(core.buffering());
          assertThat(policy.prebufferBytes()).isEqualTo(core.prebufferBytes());
          assertThat(policy.expectContinue()).isEqualTo(core.expectContinue());
          assertThat(policy.contentDigest()).isEqualTo(core.contentDigest());
          assertThat(policy.maxOrigins()).isEqualTo(core.maxOrigins());
          assertThat(policy.originTtl()).isEqualTo(core.originTtl());
          assertThat(policy.lengthRequired()).isEqualTo(core.lengthRequired());
          assertThat(policy.listener()).isSameAs(GuardListener.NONE);
        });
  }

  @Test
  void propertiesMakeThePolicy() {
    runner
        .withPropertyValues(
            "lengthguard.mode=retry-on-411",
            "lengthguard.prebuffer-bytes=64KB",
            "lengthguard.max-buffer-bytes=32MB",
            "lengthguard.spill.directory=" + dir,
            "lengthguard.spill.memory-bytes=2MB",
            "lengthguard.expect-continue=true",
            "lengthguard.content-digest=sha-512",
            "lengthguard.origins.length-required=https://uploads.example.com/v1/files,"
                + "http://[::1]:8080",
            "lengthguard.origins.max=16",
            "lengthguard.origins.ttl=10m")
        .run(
            context -> {
              GuardPolicy policy = context.getBean(GuardPolicy.class);
              assertThat(policy.mode()).isEqualTo(GuardMode.RETRY_ON_411);
              assertThat(policy.prebufferBytes()).isEqualTo(64 * 1024);
              assertThat(policy.buffering())
                  .isEqualTo(Buffering.spillToDisk(2 << 20, 32 << 20, dir));
              assertThat(policy.expectContinue()).isTrue();
              assertThat(policy.contentDigest()).isEqualTo("sha-512");
              assertThat(policy.lengthRequired())
                  .containsExactlyInAnyOrder(
                      Origin.of("https", "uploads.example.com", 443),
                      Origin.of("http", "::1", 8080));
              assertThat(policy.maxOrigins()).isEqualTo(16);
              assertThat(policy.originTtl()).isEqualTo(Duration.ofMinutes(10));
            });
  }

  @Test
  void prebufferFollowsASmallerBufferLimit() {
    runner
        .withPropertyValues("lengthguard.max-buffer-bytes=256KB")
        .run(
            context ->
                assertThat(context.getBean(GuardPolicy.class).prebufferBytes())
                    .isEqualTo(256 * 1024));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "lengthguard.max-buffer-bytes=0 | lengthguard.max-buffer-bytes | '0B' is invalid: must be"
            + " positive",
        "lengthguard.prebuffer-bytes=-1 | lengthguard.prebuffer-bytes | '-1B' is invalid: must not"
            + " be negative",
        "lengthguard.prebuffer-bytes=16MB | lengthguard.prebuffer-bytes | '16MB' is invalid:"
            + " must not exceed lengthguard.max-buffer-bytes (8MB)",
        "lengthguard.content-digest=md5 | lengthguard.content-digest | 'md5' is invalid: must be"
            + " sha-256 or sha-512",
        "lengthguard.origins.max=0 | lengthguard.origins.max | '0' is invalid: must be positive",
        "lengthguard.origins.ttl=0s | lengthguard.origins.ttl | 'PT0S' is invalid: must be"
            + " positive",
        "lengthguard.origins.length-required=ftp://files.example.com |"
            + " lengthguard.origins.length-required | 'ftp://files.example.com' is invalid: must be"
            + " an http or https URL with a host, such as https://uploads.example.com",
        "lengthguard.spill.directory=/nonexistent/lengthguard | lengthguard.spill.directory |"
            + " '/nonexistent/lengthguard' is invalid: must be an existing directory",
      })
  void badValueFailsStartupNamingTheProperty(String property, String name, String reason) {
    runner
        .withPropertyValues(property)
        .run(
            context -> {
              assertThat(context).hasFailed();
              assertThat(context.getStartupFailure())
                  .rootCause()
                  .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                  .hasMessage("Property " + name + " with value " + reason);
            });
  }

  @Test
  void spillMemoryOverTheLimitFailsStartupNamingTheProperty() {
    runner
        .withPropertyValues(
            "lengthguard.spill.directory=" + dir, "lengthguard.spill.memory-bytes=9MB")
        .run(
            context ->
                assertThat(context.getStartupFailure())
                    .rootCause()
                    .hasMessage(
                        "Property lengthguard.spill.memory-bytes with value '9MB' is invalid:"
                            + " must not exceed lengthguard.max-buffer-bytes (8MB)"));
  }

  @ParameterizedTest
  @CsvSource({
    "lengthguard.mode=sometimes, lengthguard.mode",
    "lengthguard.max-buffer-bytes=lots, lengthguard.max-buffer-bytes",
    "lengthguard.origins.ttl=forever, lengthguard.origins.ttl"
  })
  void valueOfTheWrongTypeFailsStartupNamingTheProperty(String property, String name) {
    runner
        .withPropertyValues(property)
        .run(
            context -> {
              assertThat(context).hasFailed();
              Throwable bind = context.getStartupFailure();
              while (bind != null && !(bind instanceof BindException)) bind = bind.getCause();
              assertThat(bind)
                  .as("a BindException in the cause chain")
                  .isNotNull()
                  .hasMessageStartingWith("Failed to bind properties under '" + name + "'");
            });
  }

  @Test
  void metricsAreBoundOnlyWithAMeterRegistry() {
    runner.run(
        context ->
            assertThat(context)
                .doesNotHaveBean(LengthGuardAutoConfiguration.MetricsListener.class)
                .getBean(LengthGuard.class)
                .extracting(guard -> guard.policy().listener())
                .isSameAs(GuardListener.NONE));
  }

  @Test
  void withoutMicrometerOnTheClassPathTheClientsAreStillGuarded() {
    runner
        .withClassLoader(new FilteredClassLoader("io.micrometer"))
        .withBean(SimpleMeterRegistry.class)
        .run(
            context -> {
              assertThat(context)
                  .hasNotFailed()
                  .doesNotHaveBean(LengthGuardAutoConfiguration.MetricsListener.class)
                  .hasSingleBean(LengthGuard.class);
              assertThat(context.getBean(RestTemplateBuilder.class).build().getRequestFactory())
                  .isInstanceOf(LengthGuardClientHttpRequestFactory.class);
            });
  }

  @Test
  void metricsAreComposedWithTheUsersListenersAndTheGaugeIsBound() {
    AtomicInteger mine = new AtomicInteger();
    GuardListener counting =
        new GuardListener() {
          @Override
          public void resent(Origin origin, long bytes) {
            mine.incrementAndGet();
          }
        };
    runner
        .withBean(SimpleMeterRegistry.class)
        .withBean(GuardListener.class, () -> counting)
        .withPropertyValues("lengthguard.origins.length-required=https://uploads.example.com")
        .run(
            context -> {
              MeterRegistry registry = context.getBean(MeterRegistry.class);
              LengthGuard guard = context.getBean(LengthGuard.class);
              guard.policy().listener().resent(Origin.of("https", "uploads.example.com", 443), 5);

              assertThat(mine).hasValue(1);
              assertThat(
                      registry
                          .get("lengthguard.events")
                          .tag("event", "resent")
                          .tag("server.address", "uploads.example.com")
                          .counter()
                          .count())
                  .isEqualTo(1);
              assertThat(registry.get("lengthguard.origins.learned").gauge().value()).isOne();
            });
  }

  private int post(RestClient client, byte[] payload) {
    return client
        .post()
        .uri(server.url())
        .contentType(MediaType.APPLICATION_OCTET_STREAM)
        .body(new InputStreamResource(new ByteArrayInputStream(payload)))
        .exchange((request, response) -> response.getStatusCode().value());
  }

  private int post(RestTemplate template, byte[] payload) {
    HttpHeaders headers = new HttpHeaders();
    headers.setContentType(MediaType.APPLICATION_OCTET_STREAM);
    InputStreamResource body = new InputStreamResource(new ByteArrayInputStream(payload));
    return template
        .postForEntity(server.url(), new HttpEntity<>(body, headers), String.class)
        .getStatusCode()
        .value();
  }

  private int post(WebClient client, byte[] payload) {
    return client
        .post()
        .uri(server.url())
        .contentType(MediaType.APPLICATION_OCTET_STREAM)
        .body(
            BodyInserters.fromResource(new InputStreamResource(new ByteArrayInputStream(payload))))
        .exchangeToMono(
            response -> response.releaseBody().thenReturn(response.statusCode().value()))
        .block(Duration.ofSeconds(30));
  }
}
