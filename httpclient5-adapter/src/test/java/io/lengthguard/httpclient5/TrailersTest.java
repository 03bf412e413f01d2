package io.lengthguard.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.GuardPolicy;
import io.lengthguard.testing.Payloads;
import io.lengthguard.testing.RawOrigin;
import io.lengthguard.testing.RecordingListener;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleResponseConsumer;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.function.Supplier;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.http.message.BasicHeader;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.apache.hc.core5.http.nio.support.BasicRequestProducer;
import org.apache.hc.core5.http.support.BasicRequestBuilder;
import org.apache.hc.core5.io.CloseMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Request trailers on the wire: the guard passes them on, or fails the call, never drops them. */
class TrailersTest {
  private static final int KIB = 1024;
  private static final List<Header> TRAILERS = List.of(new BasicHeader("X-Checksum", "abc123"));

  @ParameterizedTest
  @ValueSource(ints = {KIB, 2 * KIB * KIB})
  void classicEntityWithTrailersPassesUntouched(int size) throws Exception {
    byte[] payload = Payloads.bytes(size);
    RecordingListener listener = new RecordingListener();
    GuardPolicy policy = GuardPolicy.builder().listener(listener).build();
    try (RawOrigin origin = RawOrigin.start(false);
        CloseableHttpClient handler =
            LengthGuardExecHandler.install(HttpClients.custom(), policy).build();
        CloseableHttpClient wrapped =
            LengthGuardHttpClient.wrap(HttpClients.createDefault(), policy)) {
      for (CloseableHttpClient client : List.of(handler, wrapped)) {
        HttpPost post = new HttpPost(origin.uri());
        post.setEntity(
            new InputStreamEntity(
                new ByteArrayInputStream(payload), -1, ContentType.APPLICATION_OCTET_STREAM) {
              @Override
              public Supplier<List<? extends Header>> getTrailers() {
                return () -> TRAILERS;
              }
            });
        int code = client.execute(post, response -> response.getCode());
        assertThat(code).isEqualTo(200);
      }

      List<RawOrigin.Received> received = origin.received();
      assertThat(received).hasSize(2);
      for (RawOrigin.Received request : received) {
        assertThat(request.chunked()).isTrue();
        assertThat(request.field("Content-Length")).isNull();
        assertThat(request.expect()).isNull();
        assertThat(request.body()).isEqualTo(payload);
        assertThat(request.trailers()).containsExactly("X-Checksum: abc123");
      }
      assertThat(listener.events()).isEmpty();
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {KIB, 2 * KIB * KIB})
  void asyncProducerThatDeclaresItsTrailersPassesUntouched(int size) throws Exception {
    byte[] payload = Payloads.bytes(size);
    RecordingListener listener = new RecordingListener();
    try (RawOrigin origin = RawOrigin.start(false)) {
      SimpleHttpResponse response =
          postAsync(
              origin,
              new TrailingProducer(payload, true),
              GuardPolicy.builder().listener(listener).build());

      assertThat(response.getCode()).isEqualTo(200);
      RawOrigin.Received request = single(origin);
      assertThat(request.chunked()).isTrue();
      assertThat(request.body()).isEqualTo(payload);
      assertThat(request.trailers()).containsExactly("X-Checksum: abc123");
      assertThat(listener.events()).isEmpty();
    }
  }

  @Test
  void asyncUndeclaredTrailersGoWithAStreamedBody() throws Exception {
    byte[] payload = Payloads.bytes(2 * KIB * KIB);
    try (RawOrigin origin = RawOrigin.start(false)) {
      SimpleHttpResponse response =
          postAsync(origin, new TrailingProducer(payload, false), GuardPolicy.defaults());

      assertThat(response.getCode()).isEqualTo(200);
      RawOrigin.Received request = single(origin);
      assertThat(request.chunked()).isTrue();
      assertThat(request.expect()).isEqualTo("100-continue");
      assertThat(request.body()).isEqualTo(payload);
      assertThat(request.trailers()).containsExactly("X-Checksum: abc123");
    }
  }

  @Test
  void asyncUndeclaredTrailersOnAFrozenBodyFailTheCallBeforeAnythingIsSent() throws Exception {
    byte[] payload = Payloads.bytes(KIB);
    try (RawOrigin origin = RawOrigin.start(false)) {
      assertThatThrownBy(
              () -> postAsync(origin, new TrailingProducer(payload, false), GuardPolicy.defaults()))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(IOException.class)
          .hasMessageContaining("ended its body with trailer fields [X-Checksum]")
          .hasMessageContaining("declare them in getTrailerNames()");
      assertThat(origin.received()).isEmpty();
    }
  }

  private static RawOrigin.Received single(RawOrigin origin) {
    List<RawOrigin.Received> received = origin.received();
    assertThat(received).hasSize(1);
    return received.get(0);
  }

  private static SimpleHttpResponse postAsync(
      RawOrigin origin, TrailingProducer producer, GuardPolicy policy) throws Exception {
    CloseableHttpAsyncClient client =
        LengthGuardAsyncExecHandler.install(HttpAsyncClients.custom(), policy).build();
    client.start();
    try {
      return client
          .execute(
              new BasicRequestProducer(BasicRequestBuilder.post(origin.uri()).build(), producer),
              SimpleResponseConsumer.create(),
              null)
          .get(30, TimeUnit.SECONDS);
    } finally {
      client.close(CloseMode.GRACEFUL);
    }
  }

  /** Writes its payload once, in 8 KiB steps, and ends it with {@link #TRAILERS}. */
  private static final class TrailingProducer extends UnknownLengthProducer {
    private final ByteBuffer payload;
    private final boolean declared;

    TrailingProducer(byte[] payload, boolean declared) {
      this.payload = ByteBuffer.wrap(payload);
      this.declared = declared;
    }

    @Override
    public boolean isChunked() {
      return true;
    }

    @Override
    public Set<String> getTrailerNames() {
      return declared ? Set.of("X-Checksum") : Set.of();
    }

    @Override
    public int available() {
      return payload.remaining() + 1;
    }

    @Override
    public void produce(DataStreamChannel channel) throws IOException {
      while (payload.hasRemaining()) {
        ByteBuffer step = payload.slice();
        step.limit(Math.min(step.remaining(), 8 * KIB));
        int written = channel.write(step);
        payload.position(payload.position() + written);
        if (written == 0) return;
      }
      channel.endStream(TRAILERS);
    }
  }
}
