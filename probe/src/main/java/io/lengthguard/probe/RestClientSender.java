package io.lengthguard.probe;

import io.lengthguard.GuardPolicy;
import io.lengthguard.spring.LengthGuardClientHttpRequestFactory;
import java.io.IOException;
import java.net.URI;
import org.springframework.http.MediaType;
import org.springframework.http.StreamingHttpOutputMessage;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;

/** Sends the demo's body with Spring's {@code RestClient} over the JDK request factory. */
final class RestClientSender implements Sender {
  private final RestClient client;

  private RestClientSender(ClientHttpRequestFactory factory) {
    this.client = RestClient.builder().requestFactory(factory).build();
  }

  /** Returns a sender through a RestClient over {@code new JdkClientHttpRequestFactory()}. */
  static RestClientSender bare() {
    return new RestClientSender(new JdkClientHttpRequestFactory());
  }

  /** Returns a sender through a RestClient over the JDK factory wrapped by the guard's factory. */
  static RestClientSender wrapped(GuardPolicy policy) {
    return new RestClientSender(
        LengthGuardClientHttpRequestFactory.wrap(new JdkClientHttpRequestFactory(), policy));
  }

  @Override
  public int post(URI url, byte[] body) throws IOException {
    // A streamed body has no length: Spring 6.1+ sends it chunked, without Content-Length, as it
    // does JSON written by a message converter.
    StreamingHttpOutputMessage.Body streamed = out -> out.write(body);
    try {
      return client
          .post()
          .uri(url)
          .contentType(MediaType.APPLICATION_JSON)
          .body(streamed)
          .exchange((request, response) -> response.getStatusCode().value());
    } catch (ResourceAccessException e) {
      // RestClient wraps the client's I/O failure; the table shows the failure itself.
      if (e.getCause() instanceof IOException) throw (IOException) e.getCause();
      throw e;
    }
  }

  @Override
  public void close() {
    // Java 17's HttpClient has nothing to close: its connections go with the collector.
  }
}
