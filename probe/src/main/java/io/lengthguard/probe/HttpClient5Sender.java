package io.lengthguard.probe;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;

/** Sends the demo's body with the classic HttpClient 5. */
final class HttpClient5Sender implements Sender {
  private final CloseableHttpClient client;

  private HttpClient5Sender(CloseableHttpClient client) {
    this.client = client;
  }

  /** Returns a sender through {@code client}; closing the sender closes it. */
  static HttpClient5Sender of(CloseableHttpClient client) {
    return new HttpClient5Sender(client);
  }

  /** Returns a sender through an HttpClient 5 as it comes. */
  static HttpClient5Sender bare() {
    return of(HttpClients.createDefault());
  }

  @Override
  public int post(URI url, byte[] body) throws IOException {
    HttpPost post = new HttpPost(url);
    // A stream of unknown length (-1): RequestContent frames it chunked, without Content-Length.
    post.setEntity(
        new InputStreamEntity(new ByteArrayInputStream(body), -1, ContentType.APPLICATION_JSON));
    return client.execute(
        post,
        response -> {
          EntityUtils.consume(response.getEntity());
          return response.getCode();
        });
  }

  @Override
  public void close() throws IOException {
    client.close();
  }
}
