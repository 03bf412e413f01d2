package io.lengthguard.spring.boot;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.lengthguard.testing.StrictOrigin;
import java.io.IOException;
import java.net.InetAddress;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/**
 * A strict origin on loopback: 411 to a body without {@code Content-Length}, 200 otherwise; it
 * records every request it received.
 */
final class StrictServer implements AutoCloseable {
  private final MockWebServer server = new MockWebServer();
  final StrictOrigin strict = new StrictOrigin();

  StrictServer() throws IOException {
    server.setDispatcher(strict);
    server.start(InetAddress.getByName("127.0.0.1"), 0);
  }

  String url() {
    return "http://127.0.0.1:" + server.getPort() + "/upload";
  }

  RecordedRequest take() throws InterruptedException {
    RecordedRequest request = server.takeRequest(10, SECONDS);
    assertThat(request).as("a request within 10 s").isNotNull();
    return request;
  }

  int requestCount() {
    return server.getRequestCount();
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
