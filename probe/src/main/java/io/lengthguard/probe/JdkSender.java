package io.lengthguard.probe;

import io.lengthguard.GuardPolicy;
import io.lengthguard.jdk.LengthGuardHttpClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Sends the demo's body with the JDK's own {@code java.net.http.HttpClient}. */
final class JdkSender implements Sender {
  private final HttpClient client;

  private JdkSender(HttpClient client) {
    this.client = client;
  }

  /** Returns a sender through a JDK client as it comes. */
  static JdkSender bare() {
    return new JdkSender(HttpClient.newHttpClient());
  }

  /** Returns a sender through a JDK client wrapped by {@link LengthGuardHttpClient}. */
  static JdkSender wrapped(GuardPolicy policy) {
    return new JdkSender(LengthGuardHttpClient.wrap(HttpClient.newHttpClient(), policy));
  }

  @Override
  public int post(URI url, byte[] body) throws IOException {
    // ofInputStream has no length: the client frames it chunked, without Content-Length.
    HttpRequest request =
        HttpRequest.newBuilder(url)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
            .build();
    try {
      return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      InterruptedIOException interrupted = new InterruptedIOException("interrupted");
      interrupted.initCause(e);
      throw interrupted;
    }
  }

  @Override
  public void close() {
    // Java 17's HttpClient has nothing to close: its connections go with the collector.
  }
}
