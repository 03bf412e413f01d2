package io.lengthguard.spring;

import java.io.Closeable;
import java.io.IOException;
import java.util.function.Supplier;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.http.client.reactive.HttpComponentsClientHttpConnector;
import org.springframework.http.client.reactive.JdkClientHttpConnector;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;

/** WebClient's connectors the tests run over, each made as a new user would make it. */
enum ConnectorKind {
  REACTOR(ReactorClientHttpConnector::new),
  JDK(JdkClientHttpConnector::new),
  /** Starts an async HttpClient 5 of its own: close it with {@link #close}. */
  HTTP_COMPONENTS(HttpComponentsClientHttpConnector::new);

  private final Supplier<ClientHttpConnector> maker;

  ConnectorKind(Supplier<ClientHttpConnector> maker) {
    this.maker = maker;
  }

  ClientHttpConnector create() {
    return maker.get();
  }

  /** Stops the client a connector started, if it started one. */
  static void close(ClientHttpConnector connector) throws IOException {
    if (connector instanceof Closeable) ((Closeable) connector).close();
  }
}
