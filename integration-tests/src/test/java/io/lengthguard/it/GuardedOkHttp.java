package io.lengthguard.it;

import io.lengthguard.GuardPolicy;
import io.lengthguard.okhttp.LengthGuardInterceptor;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;

/** OkHttp 5 with {@link LengthGuardInterceptor} as its application interceptor. */
final class GuardedOkHttp implements GuardedClient {
  private static final MediaType OCTET_STREAM = MediaType.get("application/octet-stream");

  private final OkHttpClient client;

  private GuardedOkHttp(OkHttpClient client) {
    this.client = client;
  }

  static GuardedOkHttp open(GuardPolicy policy) {
    return new GuardedOkHttp(
        new OkHttpClient.Builder()
            .addInterceptor(LengthGuardInterceptor.create(policy))
            .connectTimeout(Duration.ofSeconds(5))
            .readTimeout(Duration.ofSeconds(30))
            .writeTimeout(Duration.ofSeconds(30))
            .callTimeout(Duration.ofSeconds(60))
            .build());
  }

  @Override
  public Reply post(URI uri, BodyKind kind, byte[] payload, AtomicInteger writes)
      throws IOException {
    Request request =
        new Request.Builder().url(uri.toString()).post(body(kind, payload, writes)).build();
    try (Response response = client.newCall(request).execute()) {
      response.body().bytes();
      return new Reply(
          response.code(),
          response.header(RecordingBackend.RECEIVED_LENGTH),
          response.header(RecordingBackend.RECEIVED_SHA256));
    }
  }

  private static RequestBody body(BodyKind kind, byte[] payload, AtomicInteger writes) {
    return switch (kind) {
      case KNOWN -> RequestBody.create(payload, OCTET_STREAM);
      case UNKNOWN -> new UnknownLength(payload, false, writes);
      case ONE_SHOT -> new UnknownLength(payload, true, writes);
    };
  }

  @Override
  public void closeIdleConnections() {
    client.connectionPool().evictAll();
  }

  @Override
  public void close() {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }

  /**
   * A body of length -1, as a streaming serializer has: OkHttp sends it chunked. A one-shot one
   * refuses to be written twice, as a body reading a stream would fail.
   */
  private static final class UnknownLength extends RequestBody {
    private final byte[] payload;
    private final boolean oneShot;
    private final AtomicInteger writes;

    UnknownLength(byte[] payload, boolean oneShot, AtomicInteger writes) {
      this.payload = payload;
      this.oneShot = oneShot;
      this.writes = writes;
    }

    @Override
    public MediaType contentType() {
      return OCTET_STREAM;
    }

    @Override
    public long contentLength() {
      return -1;
    }

    @Override
    public boolean isOneShot() {
      return oneShot;
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
      if (writes.incrementAndGet() > 1 && oneShot) {
        throw new IllegalStateException("one-shot body written twice");
      }
      sink.write(payload);
    }
  }
}
