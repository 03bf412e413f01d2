package io.lengthguard.it;

import io.lengthguard.GuardPolicy;
import io.lengthguard.spring.LengthGuardClientHttpRequestFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.core.io.InputStreamResource;
import org.springframework.http.MediaType;
import org.springframework.http.StreamingHttpOutputMessage;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;

/**
 * Spring's {@code RestClient} over the JDK request factory, guarded with {@link
 * LengthGuardClientHttpRequestFactory}: the setup of a Spring 6.1+ user whose bodies go chunked.
 */
final class GuardedRestClient implements GuardedClient {
  private static final int CHUNK = 16 * 1024;

  private final GuardPolicy policy;
  private RestClient client;

  private GuardedRestClient(GuardPolicy policy) {
    this.policy = policy;
    this.client = build(policy);
  }

  static GuardedRestClient open(GuardPolicy policy) {
    return new GuardedRestClient(policy);
  }

  private static RestClient build(GuardPolicy policy) {
    JdkClientHttpRequestFactory jdk =
        new JdkClientHttpRequestFactory(
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
    jdk.setReadTimeout(Duration.ofSeconds(60));
    return RestClient.builder()
        .requestFactory(LengthGuardClientHttpRequestFactory.wrap(jdk, policy))
        .build();
  }

  @Override
  public Reply post(URI uri, BodyKind kind, byte[] payload, AtomicInteger writes)
      throws IOException {
    RestClient.RequestBodySpec spec =
        client.post().uri(uri).contentType(MediaType.APPLICATION_OCTET_STREAM);
    switch (kind) {
      case KNOWN -> spec.body(payload);
      case UNKNOWN -> spec.body(new Replayable(payload, writes));
      case ONE_SHOT -> spec.body(new InputStreamResource(new CountedStream(payload, writes)));
    }
    try {
      return spec.exchange(
          (request, response) -> {
            try (InputStream body = response.getBody()) {
              body.transferTo(OutputStream.nullOutputStream());
            }
            return new Reply(
                response.getStatusCode().value(),
                response.getHeaders().getFirst(RecordingBackend.RECEIVED_LENGTH),
                response.getHeaders().getFirst(RecordingBackend.RECEIVED_SHA256));
          });
    } catch (ResourceAccessException e) {
      // RestClient wraps the transport's IOException; the matrix asserts the transport's own.
      if (e.getCause() instanceof IOException) throw (IOException) e.getCause();
      throw e;
    }
  }

  /**
   * The JDK's client has no way to close its idle connections on Java 17: the next request starts
   * on a new connection of a new client, guarded with the same policy (and so the same listener).
   */
  @Override
  public void closeIdleConnections() {
    client = build(policy);
  }

  @Override
  public void close() {}

  /**
   * A body Spring streams without a length that can be written again, from the first byte, as a
   * serializer of an object in memory can.
   */
  private static final class Replayable implements StreamingHttpOutputMessage.Body {
    private final byte[] payload;
    private final AtomicInteger writes;

    Replayable(byte[] payload, AtomicInteger writes) {
      this.payload = payload;
      this.writes = writes;
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
      writes.incrementAndGet();
      for (int i = 0; i < payload.length; i += CHUNK) {
        out.write(payload, i, Math.min(CHUNK, payload.length - i));
      }
    }

    @Override
    public boolean repeatable() {
      return true;
    }
  }

  /**
   * The stream of an {@code InputStreamResource}: read once, and counted as one write when its
   * first read comes. Every way of reading goes through {@link #read(byte[], int, int)}.
   */
  private static final class CountedStream extends InputStream {
    private final ByteArrayInputStream bytes;
    private final AtomicInteger writes;
    private boolean counted;

    CountedStream(byte[] payload, AtomicInteger writes) {
      this.bytes = new ByteArrayInputStream(payload);
      this.writes = writes;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (!counted) writes.incrementAndGet();
      counted = true;
      return bytes.read(b, off, len);
    }
  }
}
