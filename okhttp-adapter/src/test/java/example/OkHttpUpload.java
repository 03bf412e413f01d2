package example;

import io.lengthguard.okhttp.LengthGuardInterceptor;
import java.io.IOException;
import java.io.InputStream;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import okio.Okio;

/** Uploads standard input, of unknown length, with OkHttp through LengthGuard. */
public final class OkHttpUpload {
  public static void main(String[] args) throws IOException {
    System.out.println(upload(args[0], System.in));
  }

  static String upload(String url, InputStream in) throws IOException {
    OkHttpClient client =
        new OkHttpClient.Builder().addInterceptor(LengthGuardInterceptor.create()).build();
    RequestBody body =
        new RequestBody() { // contentLength() is -1: OkHttp alone would send it chunked
          @Override
          public MediaType contentType() {
            return MediaType.get("application/octet-stream");
          }

          @Override
          public boolean isOneShot() {
            return true; // a stream can be read once; the guard keeps what a resend needs
          }

          @Override
          public void writeTo(BufferedSink sink) throws IOException {
            sink.writeAll(Okio.source(in));
          }
        };
    Request request = new Request.Builder().url(url).post(body).build();
    try (Response response = client.newCall(request).execute()) {
      return response.code() + " " + response.body().string();
    }
  }
}
