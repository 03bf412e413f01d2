package io.lengthguard.spring;

import static java.util.Objects.requireNonNull;

import io.lengthguard.GuardPolicy;
import io.lengthguard.GuardedExchange;
import io.lengthguard.LengthGuard;
import io.lengthguard.OutgoingBody;
import io.lengthguard.Transport;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.http.client.reactive.ClientHttpRequest;
import org.springframework.http.client.reactive.ClientHttpResponse;
import org.springframework.http.client.reactive.JdkClientHttpConnector;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A connector for {@code WebClient} that guards any other: Reactor Netty's, the JDK's, or those of
 * Jetty and HttpComponents.
 *
 * <pre>{@code
 * WebClient client = WebClient.builder()
 *     .clientConnector(LengthGuardClientHttpConnector.wrap(new ReactorClientHttpConnector()))
 *     .build();
 * }</pre>
 *
 * <p>WebClient sends a length only for a single-value body ({@code Mono}, {@code bodyValue}); a
 * {@code Flux} body and multipart go chunked, and strict servers answer 411. Such a body goes
 * through the guard's exchange, on the guard's own threads: its buffers are taken one at a time,
 * copied and released, read ahead within the policy's limits and sent with their exact length, or
 * streamed through the delegate connector while a copy is kept (in memory, or spilled to disk as
 * the policy says); after a 411 the copy is sent once more, byte for byte, with its exact length
 * through a new request of the delegate, and the 411's body is released. Canceling the call (a
 * {@code timeout()}, a subscriber that goes away) cancels the body's subscription at once, as the
 * bare connector does, even while the guard waits for a buffer that never comes: its buffers are
 * released, and the exchange ends and gives its memory back.
 *
 * <p>Passed through untouched: a request without a body and a body whose {@code Content-Length}
 * WebClient set. The request callback runs once, before the connection is made, against a request
 * that keeps what it sets: so {@code getNativeRequest()} is not available to a request consumer
 * ({@code WebClient.RequestBodySpec.httpRequest}); configure the native client on the connector you
 * wrap instead.
 *
 * <p>This class is thread-safe: one instance serves a whole client.
 */
public final class LengthGuardClientHttpConnector implements ClientHttpConnector {
  private static final int CHUNK = 8192;

  private final ClientHttpConnector delegate;
  private final LengthGuard guard;

  private static final String HTTP_COMPONENTS =
      "org.springframework.http.client.reactive.HttpComponentsClientHttpConnector";

  /**
   * Whether the delegate takes an {@code Expect} field: Spring's JDK connector hands every field to
   * {@code HttpRequest.Builder.header}, which refuses it.
   */
  private final boolean expect;

  /**
   * Whether a body that asks for a connection of its own ({@link OutgoingBody#ownConnection()})
   * gets {@code Connection: close}: not through the JDK's connector, which refuses the field, nor
   * HttpComponents', whose HttpClient 5 passes it to HTTP/2, where an origin refuses the request
   * (RFC 9113 §8.2.2).
   */
  private final boolean connectionClose;

  private LengthGuardClientHttpConnector(ClientHttpConnector delegate, LengthGuard guard) {
    this.delegate = delegate;
    this.guard = guard;
    this.expect = !(delegate instanceof JdkClientHttpConnector);
    // By name: HttpComponents' connector class needs httpcore5-reactive, an optional dependency.
    this.connectionClose = expect && !isA(delegate.getClass(), HTTP_COMPONENTS);
  }

  private static boolean isA(Class<?> type, String name) {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      if (c.getName().equals(name)) return true;
    }
    return false;
  }

  /** Returns a connector that guards {@code delegate} with the default policy. */
  public static LengthGuardClientHttpConnector wrap(ClientHttpConnector delegate) {
    return wrap(delegate, GuardPolicy.defaults());
  }

  /** Returns a connector that guards {@code delegate} as {@code policy} says. */
  public static LengthGuardClientHttpConnector wrap(
      ClientHttpConnector delegate, GuardPolicy policy) {
    requireNonNull(delegate, "delegate == null");
    requireNonNull(policy, "policy == null");
    return new LengthGuardClientHttpConnector(delegate, LengthGuard.create(policy));
  }

  /**
   * Returns a connector that guards {@code delegate} with {@code guard}, sharing its policy, its
   * memory of the origins that want a length, and its memory budget with every other connector and
   * request factory given the same guard.
   */
  public static LengthGuardClientHttpConnector wrap(
      ClientHttpConnector delegate, LengthGuard guard) {
    requireNonNull(delegate, "delegate == null");
    requireNonNull(guard, "guard == null");
    return new LengthGuardClientHttpConnector(delegate, guard);
  }

  /** Returns this connector's policy. */
  public GuardPolicy policy() {
    return guard.policy();
  }

  /** Returns the connector that sends the requests. */
  public ClientHttpConnector delegate() {
    return delegate;
  }

  @Override
  public Mono<ClientHttpResponse> connect(
      HttpMethod method, URI uri, Function<? super ClientHttpRequest, Mono<Void>> requestCallback) {
    return Mono.defer(
        () -> {
          CapturedRequest captured = new CapturedRequest(method, uri);
          return requestCallback.apply(captured).then(Mono.defer(() -> send(captured)));
        });
  }

  private Mono<ClientHttpResponse> send(CapturedRequest captured) {
    Publisher<? extends DataBuffer> body = captured.body();
    if (body == null || captured.getHeaders().getContentLength() >= 0) {
      return delegate.connect(captured.getMethod(), captured.getURI(), captured::writeTo);
    }
    GuardedExchange exchange =
        guard.exchange(SpringFraming.origin(captured.getURI()), captured.getMethod().name());
    ConnectorTransport transport = new ConnectorTransport(captured);
    CompletableFuture<Sent> result =
        exchange.executeAsync(new DataBufferBodyWriter(body), false, transport);
    // The future is left to complete on cancel, so that a response it still brings is released.
    // The exchange's cancel cancels the delegate's request and the body's subscription.
    return Mono.fromFuture(result, true)
        .map(sent -> sent.response)
        .doOnCancel(
            () -> {
              exchange.cancel();
              result.thenAccept(sent -> release(sent.response));
            });
  }

  /** Releases the body of a response the caller never gets; never throws. */
  static void release(ClientHttpResponse response) {
    try {
      response.getBody().subscribe(DataBufferUtils::release, failure -> {});
    } catch (RuntimeException e) {
      // The body was taken already, or the connection is gone: nothing is held.
    }
  }

  @Override
  public String toString() {
    return "LengthGuardClientHttpConnector{" + delegate + ", " + guard.policy() + "}";
  }

  /** A response, with its status read once. */
  private static final class Sent {
    final ClientHttpResponse response;
    final int status;

    Sent(ClientHttpResponse response, int status) {
      this.response = response;
      this.status = status;
    }
  }

  /**
   * Sends each of the exchange's bodies in a new request of the delegate connector. A body frozen
   * before the first send is answered on the connector's thread; a streamed body and a resend wait
   * on the guard's thread for their response.
   */
  private final class ConnectorTransport implements Transport<Sent> {
    private final CapturedRequest captured;
    private @Nullable CompletableFuture<ClientHttpResponse> inFlight;
    private boolean canceled;

    ConnectorTransport(CapturedRequest captured) {
      this.captured = captured;
    }

    @Override
    public Sent send(OutgoingBody outgoing) throws IOException {
      CompletableFuture<ClientHttpResponse> future = connect(outgoing);
      ClientHttpResponse answer;
      try {
        answer = future.get();
      } catch (ExecutionException e) {
        throw asIoException(e.getCause());
      } catch (CancellationException e) {
        throw new InterruptedIOException("canceled");
      } catch (InterruptedException e) {
        future.cancel(true);
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for the response");
      }
      return sent(answer);
    }

    /** Sends a body frozen before the first send: no thread waits for the response. */
    @Override
    public CompletableFuture<Sent> sendAsync(OutgoingBody outgoing) {
      return connect(outgoing)
          .thenApply(
              answer -> {
                try {
                  return sent(answer);
                } catch (IOException e) {
                  throw new CompletionException(e);
                }
              });
    }

    private CompletableFuture<ClientHttpResponse> connect(OutgoingBody outgoing) {
      Mono<ClientHttpResponse> response =
          delegate.connect(
              captured.getMethod(),
              captured.getURI(),
              request -> {
                SpringFraming.copyForSend(
                    captured.getHeaders(), request.getHeaders(), outgoing, connectionClose, expect);
                captured.copyExtrasTo(request);
                if (outgoing.contentLength() == 0) return request.setComplete();
                // Reading waits for the caller's bytes (or a spill file): never on an event loop.
                Flux<DataBuffer> buffers =
                    DataBufferUtils.readInputStream(
                            outgoing::openStream, request.bufferFactory(), CHUNK)
                        .subscribeOn(Schedulers.boundedElastic());
                return request.writeWith(buffers);
              });
      CompletableFuture<ClientHttpResponse> future = response.toFuture();
      synchronized (this) {
        inFlight = future;
        if (canceled) future.cancel(true);
      }
      return future;
    }

    private Sent sent(@Nullable ClientHttpResponse answer) throws IOException {
      if (answer == null) throw new IOException("the connector completed without a response");
      if (canceled()) {
        release(answer);
        throw new InterruptedIOException("canceled");
      }
      return new Sent(answer, answer.getStatusCode().value());
    }

    @Override
    public int status(Sent sent) {
      return sent.status;
    }

    @Override
    public boolean addedExpectContinue(OutgoingBody outgoing) {
      return SpringFraming.addsExpect(captured.getHeaders(), outgoing, expect);
    }

    @Override
    public void discard(Sent sent) {
      release(sent.response);
    }

    @Override
    public synchronized boolean canceled() {
      return canceled;
    }

    @Override
    public void cancel() {
      CompletableFuture<ClientHttpResponse> current;
      synchronized (this) {
        canceled = true;
        current = inFlight;
      }
      if (current != null) current.cancel(true);
    }

    private IOException asIoException(@Nullable Throwable failure) {
      if (failure instanceof IOException) return (IOException) failure;
      if (failure instanceof RuntimeException) throw (RuntimeException) failure;
      if (failure instanceof Error) throw (Error) failure;
      return new IOException(failure);
    }
  }
}
