package io.lengthguard.probe;

import io.lengthguard.GuardPolicy;
import io.lengthguard.httpclient5.LengthGuardExecHandler;
import io.lengthguard.httpclient5.LengthGuardHttpClient;
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

  /** Returns a sender through a default HttpClient 5 wrapped by {@link LengthGuardHttpClient}. */
  static HttpClient5Sender wrapped(GuardPolicy policy) {
    return of(LengthGuardHttpClient.wrap(HttpClients.createDefault(), policy));
  }

  /** Returns a sender through an HttpClient 5 built with {@link LengthGuardExecHandler}. */
  static HttpClient5Sender installed(GuardPolicy policy) {
    return of(LengthGuardExecHandler.install(HttpClients.custom(), policy).build());
  }

  @Override
  public int post(URI url, byte[] body) throws IOException {
    HttpPost post = new HttpPost(url);
    // A one-shot stream of unknown length (-1): RequestContent frames it chunked, without
    // Content-Length, and it cannot be read twice, so a resend needs the guard's copy of it.
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
