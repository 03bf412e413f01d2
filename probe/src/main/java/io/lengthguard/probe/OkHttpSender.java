package io.lengthguard.probe;

import io.lengthguard.GuardPolicy;
import io.lengthguard.okhttp.LengthGuardInterceptor;
import java.io.IOException;
import java.net.URI;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.jspecify.annotations.Nullable;

/** Sends the demo's body with OkHttp. */
final class OkHttpSender implements Sender {
  private static final MediaType JSON = MediaType.get("application/json");

  private final OkHttpClient client;

  private OkHttpSender(OkHttpClient client) {
    this.client = client;
  }

  /** Returns a sender through {@code client}. */
  static OkHttpSender of(OkHttpClient client) {
    return new OkHttpSender(client);
  }

  /** Returns a sender through an OkHttp client as it comes. */
  static OkHttpSender bare() {
    return of(new OkHttpClient());
  }

  /** Returns a sender through an OkHttp client with LengthGuard's interceptor. */
  static OkHttpSender guarded(GuardPolicy policy) {
    return of(
        new OkHttpClient.Builder().addInterceptor(LengthGuardInterceptor.create(policy)).build());
  }

  @Override
  public int post(URI url, byte[] body) throws IOException {
    Request request = new Request.Builder().url(url.toString()).post(unknownLength(body)).build();
    try (Response response = client.newCall(request).execute()) {
      return response.code();
    }
  }

  /**
   * Returns a body that does not know its length: OkHttp's BridgeInterceptor then sends it chunked,
   * without Content-Length.
   */
  static RequestBody unknownLength(byte[] body) {
    return new RequestBody() {
      @Override
      public @Nullable MediaType contentType() {
        return JSON;
      }

      @Override
      public long contentLength() {
        return -1;
      }

      @Override
      public void writeTo(BufferedSink sink) throws IOException {
        sink.write(body);
      }
    };
  }

  @Override
  public void close() {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }
}
