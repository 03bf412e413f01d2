package io.lengthguard.spring;

import java.util.function.Supplier;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.http.client.HttpComponentsClientHttpRequestFactory;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.http.client.JettyClientHttpRequestFactory;
import org.springframework.http.client.ReactorClientHttpRequestFactory;
import org.springframework.http.client.SimpleClientHttpRequestFactory;

/** Spring's five request factories, each made as a new user would make it. */
enum RequestFactoryKind {
  JDK(JdkClientHttpRequestFactory::new),
  HTTP_COMPONENTS(HttpComponentsClientHttpRequestFactory::new),
  JETTY(JettyClientHttpRequestFactory::new),
  REACTOR(ReactorClientHttpRequestFactory::new),
  SIMPLE(SimpleClientHttpRequestFactory::new);

  private final Supplier<ClientHttpRequestFactory> maker;

  RequestFactoryKind(Supplier<ClientHttpRequestFactory> maker) {
    this.maker = maker;
  }

  ClientHttpRequestFactory create() {
    return maker.get();
  }

  static void close(ClientHttpRequestFactory factory) throws Exception {
    if (factory instanceof DisposableBean) ((DisposableBean) factory).destroy();
    if (factory instanceof AutoCloseable) ((AutoCloseable) factory).close();
  }
}
