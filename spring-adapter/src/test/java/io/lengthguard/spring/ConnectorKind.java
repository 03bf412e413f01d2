package io.lengthguard.spring;

import java.util.function.Supplier;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.http.client.reactive.JdkClientHttpConnector;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;

/** WebClient's connectors the tests run over, each made as a new user would make it. */
enum ConnectorKind {
  REACTOR(ReactorClientHttpConnector::new),
  JDK(JdkClientHttpConnector::new);

  private final Supplier<ClientHttpConnector> maker;

  ConnectorKind(Supplier<ClientHttpConnector> maker) {
    this.maker = maker;
  }

  ClientHttpConnector create() {
    return maker.get();
  }
}
