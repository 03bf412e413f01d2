package io.lengthguard.jdk;

import io.lengthguard.FrozenBody;
import io.lengthguard.Origin;
import io.lengthguard.OutgoingBody;
import io.lengthguard.Transport;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.function.IntPredicate;
import org.jspecify.annotations.Nullable;

/**
 * Sends the exchange's bodies through the wrapped client, each in a copy of the caller's request
 * that keeps its every header, timeout, version and expect-continue setting, with the caller's body
 * handler (and push promise handler). The body of a 411 to a streamed send, which a resend may
 * replace, or of a 417 to the guard's own {@code Expect}, which the send without it may replace, is
 * held from the caller's handler ({@link HeldResponse}): {@link #discard} drops it, and {@link
 * #deliver} hands it to the handler where the caller gets that answer. A send made for {@code send}
 * uses the client's blocking {@code send}; one made for {@code sendAsync} uses its {@code
 * sendAsync}, and canceling the caller's future cancels the client's. A body frozen before the
 * first send goes with {@link #sendAsync}, which no thread waits on; a streamed body and a resend
 * wait on the guard's thread.
 */
final class JdkTransport<T> implements Transport<HttpResponse<T>> {
  static final String CONTENT_DIGEST = "Content-Digest";

  /**
   * Whether the guard may add {@code Expect: 100-continue}. Java 17's client never completes a
   * request that gets a final status instead of 100 (Continue): the call hangs, its timeout
   * included (seen on 17.0.15; Java 25 returns the 411). A 411 handed back beats a hang, so the
   * guard adds it from Java 21 on; a caller's own {@code expectContinue(true)} is kept as it is.
   */
  static final boolean ADDS_EXPECT_CONTINUE = Runtime.version().feature() >= 21;

  private final HttpClient client;
  private final HttpRequest request;
  private final HttpResponse.BodyHandler<T> handler;
  private final boolean async;
  private final HttpResponse.@Nullable PushPromiseHandler<T> pushes;
  private volatile boolean canceled;
  private volatile @Nullable CompletableFuture<HttpResponse<T>> inFlight;

  private JdkTransport(
      HttpClient client,
      HttpRequest request,
      HttpResponse.BodyHandler<T> handler,
      boolean async,
      HttpResponse.@Nullable PushPromiseHandler<T> pushes) {
    this.client = client;
    this.request = request;
    this.handler = handler;
    this.async = async;
    this.pushes = pushes;
  }

  /** Returns a transport for {@code HttpClient.send}. */
  static <T> JdkTransport<T> blocking(
      HttpClient client, HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    return new JdkTransport<>(client, request, handler, false, null);
  }

  /** Returns a transport for {@code HttpClient.sendAsync}, with push promises if not null. */
  static <T> JdkTransport<T> async(
      HttpClient client,
      HttpRequest request,
      HttpResponse.BodyHandler<T> handler,
      HttpResponse.@Nullable PushPromiseHandler<T> pushes) {
    return new JdkTransport<>(client, request, handler, true, pushes);
  }

  @Override
  public HttpResponse<T> send(OutgoingBody body) throws IOException {
    if (canceled) throw new InterruptedIOException("canceled");
    HttpRequest copy = copyOf(request, body);
    // A response the exchange may replace (a 411, a 417 to the guard's own Expect) waits for its
    // verdict, out of the caller's handler. Every other response goes to the handler at once.
    HeldResponse.Holder<T> holder =
        body.mayBeReplaced() ? HeldResponse.holder(handler, heldStatuses(body)) : null;
    HttpResponse.BodyHandler<T> sendHandler = holder != null ? holder : handler;
    if (!async) {
      try {
        HttpResponse<T> response = client.send(copy, sendHandler);
        return holder != null ? holder.held(response) : response;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw interrupted(e);
      }
    }
    CompletableFuture<HttpResponse<T>> future = start(copy, sendHandler);
    try {
      HttpResponse<T> response = future.get();
      return holder != null ? holder.held(response) : response;
    } catch (ExecutionException e) {
      throw unwrap(e.getCause());
    } catch (CancellationException e) {
      InterruptedIOException canceledSend = new InterruptedIOException("canceled");
      canceledSend.initCause(e);
      throw canceledSend;
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw interrupted(e);
    } finally {
      inFlight = null;
    }
  }

  /**
   * Sends with the client's {@code sendAsync}, for a call made with {@code sendAsync}: no thread
   * waits for the response. A call made with {@code send}, and a streamed body, send as {@link
   * #send} does.
   */
  @Override
  public CompletableFuture<HttpResponse<T>> sendAsync(OutgoingBody body) {
    // The exchange hands only a frozen body to sendAsync; one whose answer it might replace
    // would need holding, as send does.
    if (!async || body.mayBeReplaced()) return Transport.super.sendAsync(body);
    return start(copyOf(request, body), handler);
  }

  private CompletableFuture<HttpResponse<T>> start(
      HttpRequest copy, HttpResponse.BodyHandler<T> sendHandler) {
    CompletableFuture<HttpResponse<T>> future =
        pushes == null
            ? client.sendAsync(copy, sendHandler)
            : client.sendAsync(copy, sendHandler, pushes);
    inFlight = future;
    // A cancel that came before inFlight was set finds nothing to cancel: check again after.
    if (canceled) future.cancel(true);
    return future;
  }

  /**
   * Returns the response the caller gets from the one the exchange returned: a held answer's body
   * delivered to the caller's handler, complete once that body is, as the client's {@code
   * sendAsync} completes; any other response as it is.
   */
  CompletableFuture<HttpResponse<T>> deliver(HttpResponse<T> response) {
    if (!(response instanceof HeldResponse)) return CompletableFuture.completedFuture(response);
    return ((HeldResponse<T>) response).deliver(handler);
  }

  /**
   * Returns the response the caller gets, as {@link #deliver} does, once its body is: for a call
   * made with {@code send}, which returns once the handler's body is complete.
   */
  HttpResponse<T> delivered(HttpResponse<T> response) throws IOException, InterruptedException {
    if (!(response instanceof HeldResponse)) return response;
    try {
      return deliver(response).get();
    } catch (ExecutionException e) {
      throw unwrap(e.getCause());
    }
  }

  /**
   * Returns a copy of {@code request} with {@code body}: every header, the timeout, version and
   * expect-continue setting kept, {@code Expect: 100-continue} and {@code Content-Digest} added
   * where asked and not already there.
   */
  static HttpRequest copyOf(HttpRequest request, OutgoingBody body) {
    FrozenBody frozen = body.frozen();
    // A publisher of known length goes with Content-Length (HTTP/1.1) or content-length (h2); one
    // of unknown length goes chunked on HTTP/1.1 and without a length on h2.
    HttpRequest.BodyPublisher publisher =
        frozen != null ? FrozenBodyPublisher.of(frozen) : new StreamedBodyPublisher(body);
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(request, (name, value) -> true).method(request.method(), publisher);
    // RFC 9110 §10.1.1: a server that wants a length answers 411 instead of 100 (Continue), before
    // any byte of the body is written. Expect is a restricted header: the builder sets it.
    if (addsExpect(request, body)) builder.expectContinue(true);
    String digest = body.contentDigest();
    if (digest != null && request.headers().firstValue(CONTENT_DIGEST).isEmpty()) {
      builder.header(CONTENT_DIGEST, digest);
    }
    return builder.build();
  }

  /** Returns the statuses of the answers to {@code body}'s send that the exchange may replace. */
  private IntPredicate heldStatuses(OutgoingBody body) {
    boolean added = addedExpectContinue(body);
    return status -> body.mayBeReplacedBy(status, added);
  }

  /**
   * Returns true if the copy of {@code request} that carries {@code body} asks for 100 (Continue)
   * for the guard: the body asks, the caller did not ({@code expectContinue(true)}), and this Java
   * sends it ({@link #ADDS_EXPECT_CONTINUE}).
   */
  private static boolean addsExpect(HttpRequest request, OutgoingBody body) {
    return body.expectContinue() && ADDS_EXPECT_CONTINUE && !request.expectContinue();
  }

  /**
   * Returns true if the request that carried {@code body} asked for 100 (Continue) for the guard,
   * not the caller. The client writes no body after a final answer to it ({@code
   * Exchange.expectContinue}), so a 417 to it leaves the body unopened.
   */
  @Override
  public boolean addedExpectContinue(OutgoingBody body) {
    return addsExpect(request, body);
  }

  /** Returns the origin of the URI that answered, where the client followed a redirect away. */
  @Override
  public @Nullable Origin answeredBy(HttpResponse<T> response) {
    Origin answered = LengthGuardHttpClient.origin(response.uri());
    return answered.equals(LengthGuardHttpClient.origin(request.uri())) ? null : answered;
  }

  @Override
  public int status(HttpResponse<T> response) {
    return response.statusCode();
  }

  /**
   * Releases a response the caller will not get. A held 411 or 417 (the one another send replaces)
   * is canceled unread: the caller's handler never saw it. For any other (a call canceled, a body
   * that failed), a body handler that read the body to its end (a string, a byte array, a
   * discarding one) left nothing to release; a stream, a {@code Stream} of lines or a publisher of
   * the body is closed or canceled, so the client closes or frees its connection.
   */
  @Override
  public void discard(HttpResponse<T> response) {
    if (response instanceof HeldResponse) {
      ((HeldResponse<T>) response).drop(); // the caller's handler never saw it
      return;
    }
    Object body = response.body();
    try {
      if (body instanceof AutoCloseable) {
        ((AutoCloseable) body).close();
      } else if (body instanceof Flow.Publisher) {
        @SuppressWarnings("unchecked")
        Flow.Publisher<List<ByteBuffer>> publisher = (Flow.Publisher<List<ByteBuffer>>) body;
        publisher.subscribe(new Canceling());
      }
    } catch (Exception e) {
      // Releasing a response the caller never sees: nothing to report to anyone.
    }
  }

  @Override
  public boolean canceled() {
    return canceled;
  }

  /**
   * Cancels the client's send in flight, for a call made with {@code sendAsync}, and fails any
   * later send: the guard also stops reading the caller's body, as {@link #canceled()} then says. A
   * call made with {@code send} sends with the client's {@code send}, which stops only for its
   * thread's interrupt, as without the guard.
   */
  @Override
  public void cancel() {
    canceled = true;
    CompletableFuture<HttpResponse<T>> current = inFlight;
    if (current != null) current.cancel(true);
  }

  private static InterruptedIOException interrupted(InterruptedException e) {
    InterruptedIOException interrupted = new InterruptedIOException("interrupted");
    interrupted.initCause(e);
    return interrupted;
  }

  private static IOException unwrap(Throwable cause) {
    if (cause instanceof IOException) return (IOException) cause;
    if (cause instanceof RuntimeException) throw (RuntimeException) cause;
    if (cause instanceof Error) throw (Error) cause;
    return new IOException(cause);
  }

  /** Cancels a response body publisher at once: the body is not wanted. */
  static final class Canceling implements Flow.Subscriber<List<ByteBuffer>> {
    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      subscription.cancel();
    }

    @Override
    public void onNext(List<ByteBuffer> item) {}

    @Override
    public void onError(Throwable throwable) {}

    @Override
    public void onComplete() {}
  }

  @Override
  public String toString() {
    return "JdkTransport{" + request + (async ? ", async" : "") + "}";
  }
}
