package io.lengthguard.jdk;

import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.function.IntPredicate;
import org.jspecify.annotations.Nullable;

/**
 * A 411 to a streamed send, or a 417 to the guard's {@code Expect}, its body held unread until the
 * exchange decides: {@link #drop}ped when another send replaces it, {@link #deliver}ed to the
 * caller's body handler when the caller gets it. The bare client never runs the caller's handler on
 * a response it does not return, and neither does the guard: a consumer, a line subscriber or a
 * file appended to sees only the response the call returns. The body is held as the client's own
 * {@code BodySubscribers.ofPublisher()}: nothing is read from the connection until it is delivered,
 * so there is no copy and no cap. Its {@link #body()} is null; the caller never sees this object.
 */
final class HeldResponse<T> extends ForwardingResponse<T> {
  private final HttpResponse.ResponseInfo info;
  private final Flow.Publisher<List<ByteBuffer>> body;

  private HeldResponse(
      HttpResponse<T> response,
      HttpResponse.ResponseInfo info,
      Flow.Publisher<List<ByteBuffer>> body) {
    super(response);
    this.info = info;
    this.body = body;
  }

  /** Releases the held body unread: the response another send replaces, or one nobody takes. */
  void drop() {
    body.subscribe(new JdkTransport.Canceling());
  }

  /**
   * Returns the response with the held body read by {@code handler}'s subscriber, complete once its
   * body is, as the client's {@code sendAsync} would; a handler or subscriber failure fails it.
   */
  CompletableFuture<HttpResponse<T>> deliver(HttpResponse.BodyHandler<T> handler) {
    HttpResponse.BodySubscriber<T> subscriber;
    try {
      subscriber = handler.apply(info);
    } catch (RuntimeException e) {
      drop();
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<HttpResponse<T>> delivered = new CompletableFuture<>();
    subscriber
        .getBody()
        .whenComplete(
            (value, failure) -> {
              if (failure != null) delivered.completeExceptionally(failure);
              else delivered.complete(new Delivered<>(response, value));
            });
    body.subscribe(subscriber);
    return delivered;
  }

  /** Returns null: the body waits, unread, for the caller's handler. */
  @Override
  public @Nullable T body() {
    return null;
  }

  @Override
  public String toString() {
    return response + " (body held)";
  }

  /**
   * Returns a handler that holds the body of a response whose status {@code holds} accepts (those
   * the exchange may replace: {@code OutgoingBody.mayBeReplacedBy}) and hands any other response to
   * {@code handler}, as the client would.
   */
  static <T> Holder<T> holder(HttpResponse.BodyHandler<T> handler, IntPredicate holds) {
    return new Holder<>(handler, holds);
  }

  /** A body handler for one send: a held status's body is kept, any other goes to the handler. */
  static final class Holder<T> implements HttpResponse.BodyHandler<T> {
    private final HttpResponse.BodyHandler<T> handler;
    private final IntPredicate holds;
    private volatile HttpResponse.@Nullable ResponseInfo info;
    private volatile Flow.@Nullable Publisher<List<ByteBuffer>> held;

    private Holder(HttpResponse.BodyHandler<T> handler, IntPredicate holds) {
      this.handler = handler;
      this.holds = holds;
    }

    @Override
    public HttpResponse.BodySubscriber<T> apply(HttpResponse.ResponseInfo responseInfo) {
      if (!holds.test(responseInfo.statusCode())) return handler.apply(responseInfo);
      info = responseInfo;
      // The publisher is the body once the client subscribed it, before the response is returned.
      return HttpResponse.BodySubscribers.mapping(
          HttpResponse.BodySubscribers.ofPublisher(),
          publisher -> {
            held = publisher;
            return null;
          });
    }

    /** Returns {@code response} as the client returned it, or held if it is one this held. */
    HttpResponse<T> held(HttpResponse<T> response) {
      HttpResponse.ResponseInfo heldInfo = info;
      Flow.Publisher<List<ByteBuffer>> heldBody = held;
      if (heldInfo == null || heldBody == null || !holds.test(response.statusCode())) {
        return response;
      }
      return new HeldResponse<>(response, heldInfo, heldBody);
    }
  }

  /** The client's response with the body the caller's handler made of it. */
  private static final class Delivered<T> extends ForwardingResponse<T> {
    private final T body;

    Delivered(HttpResponse<T> response, T body) {
      super(response);
      this.body = body;
    }

    @Override
    public T body() {
      return body;
    }

    @Override
    public String toString() {
      return response.toString();
    }
  }
}
