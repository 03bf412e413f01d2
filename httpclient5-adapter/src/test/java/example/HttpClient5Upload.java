package example;

import io.lengthguard.httpclient5.LengthGuardExecHandler;
import java.io.IOException;
import java.io.InputStream;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;

/** Uploads standard input, of unknown length, with Apache HttpClient 5 through LengthGuard. */
public final class HttpClient5Upload {
  public static void main(String[] args) throws IOException {
    System.out.println(upload(args[0], System.in));
  }

  static String upload(String url, InputStream in) throws IOException {
    try (CloseableHttpClient client =
        LengthGuardExecHandler.install(HttpClients.custom()).build()) {
      HttpPost post = new HttpPost(url);
      // Length -1: HttpClient alone would send it chunked. The stream is read once.
      post.setEntity(new InputStreamEntity(in, -1, ContentType.APPLICATION_OCTET_STREAM));
      return client.execute(
          post, response -> response.getCode() + " " + EntityUtils.toString(response.getEntity()));
    }
  }
}
