package io.lengthguard.it;

import io.lengthguard.GuardPolicy;
import io.lengthguard.spring.LengthGuardClientHttpConnector;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Spring's {@code WebClient} over Reactor Netty, guarded with {@link
 * LengthGuardClientHttpConnector}: a {@code Flux} body goes chunked without the guard.
 */
final class GuardedWebClient implements GuardedClient {
  private static final int CHUNK = 16 * 1024;
  private static final DefaultDataBufferFactory BUFFERS = DefaultDataBufferFactory.sharedInstance;

  private final GuardPolicy policy;
  private ConnectionProvider connections;
  private WebClient client;

  private GuardedWebClient(GuardPolicy policy) {
    this.policy = policy;
    open();
  }

  static GuardedWebClient open(GuardPolicy policy) {
    return new GuardedWebClient(policy);
  }

  private void open() {
    connections = ConnectionProvider.create("guard-matrix");
    ReactorClientHttpConnector reactor =
        new ReactorClientHttpConnector(
            HttpClient.create(connections).responseTimeout(Duration.ofSeconds(60)));
    client =
        WebClient.builder()
            .clientConnector(LengthGuardClientHttpConnector.wrap(reactor, policy))
            .build();
  }

  @Override
  public Reply post(URI uri, BodyKind kind, byte[] payload, AtomicInteger writes)
      throws IOException {
    WebClient.RequestBodySpec spec =
        client.post().uri(uri).contentType(MediaType.APPLICATION_OCTET_STREAM);
    WebClient.RequestHeadersSpec<?> request =
        switch (kind) {
          case KNOWN -> spec.bodyValue(payload);
          case UNKNOWN -> spec.body(BodyInserters.fromDataBuffers(replayable(payload, writes)));
          case ONE_SHOT -> spec.body(BodyInserters.fromDataBuffers(oneShot(payload, writes)));
        };
    ResponseEntity<byte[]> response;
    try {
      response =
          request
              .exchangeToMono(answer -> answer.toEntity(byte[].class))
              .block(Duration.ofSeconds(90));
    } catch (WebClientRequestException e) {
      // WebClient wraps the transport's IOException; the matrix asserts the transport's own.
      if (e.getCause() instanceof IOException) throw (IOException) e.getCause();
      throw e;
    }
    if (response == null) throw new IOException("no response");
    return new Reply(
        response.getStatusCode().value(),
        response.getHeaders().getFirst(RecordingBackend.RECEIVED_LENGTH),
        response.getHeaders().getFirst(RecordingBackend.RECEIVED_SHA256));
  }

  /** Buffers from the first byte on each subscription, as a {@code Flux} of data in memory. */
  private static Flux<DataBuffer> replayable(byte[] payload, AtomicInteger writes) {
    return Flux.defer(
        () -> {
          writes.incrementAndGet();
          return Flux.range(0, (payload.length + CHUNK - 1) / CHUNK)
              .map(
                  i -> {
                    int from = i * CHUNK;
                    int n = Math.min(CHUNK, payload.length - from);
                    return (DataBuffer) BUFFERS.wrap(ByteBuffer.wrap(payload, from, n).slice());
                  });
        });
  }

  /** Buffers read from one stream, which a second subscription finds drained. */
  private static Flux<DataBuffer> oneShot(byte[] payload, AtomicInteger writes) {
    ByteArrayInputStream stream = new ByteArrayInputStream(payload);
    return DataBufferUtils.readInputStream(
        () -> {
          writes.incrementAndGet();
          return stream;
        },
        BUFFERS,
        CHUNK);
  }

  /** Starts the next request on a new connection of a new pool, guarded with the same policy. */
  @Override
  public void closeIdleConnections() {
    connections.dispose();
    open();
  }

  @Override
  public void close() {
    connections.dispose();
  }
}
