package io.lengthguard.httpclient5;

import static java.util.Objects.requireNonNull;

import io.lengthguard.BodyCapture;
import io.lengthguard.BodyWriter;
import io.lengthguard.FreezeReason;
import io.lengthguard.FrozenBody;
import io.lengthguard.GuardPolicy;
import io.lengthguard.LengthGuard;
import io.lengthguard.Origin;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hc.client5.http.async.AsyncExecCallback;
import org.apache.hc.client5.http.async.AsyncExecChain;
import org.apache.hc.client5.http.async.AsyncExecChainHandler;
import org.apache.hc.client5.http.impl.ChainElement;
import org.apache.hc.client5.http.impl.async.HttpAsyncClientBuilder;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.nio.AsyncDataConsumer;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.support.BasicRequestBuilder;
import org.jspecify.annotations.Nullable;

/**
 * An async exec chain handler that guards every request of a client built with {@link
 * #install(HttpAsyncClientBuilder, GuardPolicy)}. Requests without a body, or with a body of known
 * length, pass through untouched. A producer of unknown length follows the {@link GuardPolicy}:
 *
 * <ul>
 *   <li>frozen before the first send ({@link io.lengthguard.GuardMode#PREBUFFER}, or an origin that
 *       answered 411 before): the producer is drained on the calling thread and the request goes
 *       out once with a {@link FrozenEntityProducer} and its exact {@code Content-Length}. A
 *       producer that waits for data from elsewhere cannot be drained this way and fails with an
 *       {@code IOException}; nothing is sent;
 *   <li>otherwise sent as HttpClient frames it. After a 411 the body is frozen (a repeatable
 *       producer is rewound and drained again, a one-shot producer's bytes were captured as they
 *       were sent) and the request goes out once more with its exact length, on a new connection.
 * </ul>
 *
 * <p>This class is thread-safe: one instance serves a whole client.
 */
public final class LengthGuardAsyncExecHandler implements AsyncExecChainHandler {
  /** The name of this handler in the exec chain. */
  public static final String NAME = "lengthguard";

  private final LengthGuard guard;

  private LengthGuardAsyncExecHandler(GuardPolicy policy) {
    this.guard = LengthGuard.create(policy);
  }

  /** Installs a handler with the {@linkplain GuardPolicy#defaults() default policy}. */
  public static HttpAsyncClientBuilder install(HttpAsyncClientBuilder builder) {
    return install(builder, GuardPolicy.defaults());
  }

  /**
   * Installs a handler following {@code policy} in {@code builder}'s exec chain and returns {@code
   * builder}. It goes just before {@link ChainElement#PROTOCOL}: after redirects and retries, and
   * before {@link ChainElement#CONNECT}, the last place from which a request can be sent again.
   */
  public static HttpAsyncClientBuilder install(HttpAsyncClientBuilder builder, GuardPolicy policy) {
    requireNonNull(builder, "builder == null");
    requireNonNull(policy, "policy == null");
    // Not "after RETRY": with automatic retries disabled that element is missing and the builder
    // silently drops a handler placed after it. PROTOCOL is always there.
    return builder.addExecInterceptorBefore(ChainElement.PROTOCOL.name(), NAME, create(policy));
  }

  static LengthGuardAsyncExecHandler create(GuardPolicy policy) {
    return new LengthGuardAsyncExecHandler(policy);
  }

  @Override
  public void execute(
      HttpRequest request,
      @Nullable AsyncEntityProducer producer,
      AsyncExecChain.Scope scope,
      AsyncExecChain chain,
      AsyncExecCallback callback)
      throws HttpException, IOException {
    if (producer == null || !Framing.unknownLength(producer)) {
      // HttpClient refuses any caller-set framing on HTTP/1.1 ("Content-Length header already
      // present") but sends it on HTTP/2; a malformed one is refused here first, on both.
      if (Framing.callerFramed(request)) {
        Framing.refuseBadFraming(
            request,
            producer == null ? 0 : producer.getContentLength(),
            Framing.origin(scope.route.getTargetHost()),
            guard.policy().listener());
      }
      chain.proceed(request, producer, scope, callback);
      return;
    }
    Origin origin = Framing.origin(scope.route.getTargetHost());
    FreezeReason reason = guard.freezeBeforeSend(origin);
    // A caller-set Content-Length says the body has a length: HttpClient refuses to send it next to
    // its own framing, and only the frozen bytes can prove the value right before anything is sent.
    if (reason == null && request.containsHeader(HttpHeaders.CONTENT_LENGTH)) {
      reason = FreezeReason.PREBUFFER;
    }
    if (reason != null && Framing.callerFramed(request)) {
      Framing.refuseMalformedFraming(request, origin, guard.policy().listener());
    }
    if (reason != null) {
      FrozenBody body = guard.freeze(origin, out -> AsyncBodies.drain(producer, out), reason);
      sendFrozen(origin, request, producer, body, scope, chain, callback, true);
      return;
    }
    FirstSendProducer sending =
        new FirstSendProducer(producer, producer.isRepeatable() ? null : guard.newCapture());
    HttpRequest first = BasicRequestBuilder.copy(request).build();
    if (Framing.callerFramed(first)) {
      Framing.refuseBadFraming(first, -1, origin, guard.policy().listener());
    }
    Framing.firstSend(first, guard.policy().expectContinue());
    FirstSend firstSend = new FirstSend(origin, request, producer, sending, scope, chain, callback);
    try {
      proceed(first, sending, scope, chain, firstSend);
    } catch (HttpException | IOException | RuntimeException e) {
      firstSend.release();
      throw e;
    }
  }

  /** Sends {@code body} in a copy of {@code request}; the body is closed when the exchange ends. */
  private void sendFrozen(
      Origin origin,
      HttpRequest request,
      AsyncEntityProducer producer,
      FrozenBody body,
      AsyncExecChain.Scope scope,
      AsyncExecChain chain,
      AsyncExecCallback callback,
      boolean firstSend)
      throws HttpException, IOException {
    try {
      HttpRequest copy = BasicRequestBuilder.copy(request).build();
      Framing.frozen(copy, body, guard.contentDigest(body), origin, guard.policy().listener());
      FrozenEntityProducer frozen =
          FrozenEntityProducer.of(body, producer.getContentType(), producer.getContentEncoding());
      if (!firstSend) guard.resending(origin, body);
      proceed(copy, frozen, scope, chain, new FrozenSend(origin, body, callback, firstSend));
    } catch (HttpException | IOException | RuntimeException e) {
      body.close();
      throw e;
    }
  }

  private static void proceed(
      HttpRequest copy,
      AsyncEntityProducer producer,
      AsyncExecChain.Scope scope,
      AsyncExecChain chain,
      AsyncExecCallback callback)
      throws HttpException, IOException {
    // PROTOCOL resets the request's headers from the scope's original before an auth retry: that
    // must be a snapshot of the copy, not the caller's headers nor the copy itself.
    AsyncExecChain.Scope copyScope =
        new AsyncExecChain.Scope(
            scope.exchangeId,
            scope.route,
            BasicRequestBuilder.copy(copy).build(),
            scope.cancellableDependency,
            scope.clientContext,
            scope.execRuntime,
            scope.scheduler,
            scope.execCount);
    chain.proceed(copy, producer, copyScope, callback);
  }

  @Override
  public String toString() {
    return "LengthGuardAsyncExecHandler{" + guard.policy() + "}";
  }

  /** Watches the first send of a body of unknown length for a 411, and sends the resend. */
  private final class FirstSend implements AsyncExecCallback {
    private final Origin origin;
    private final HttpRequest request;
    private final AsyncEntityProducer producer;
    private final FirstSendProducer sending;
    private final AsyncExecChain.Scope scope;
    private final AsyncExecChain chain;
    private final AsyncExecCallback callback;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile @Nullable FrozenBody resendBody;

    FirstSend(
        Origin origin,
        HttpRequest request,
        AsyncEntityProducer producer,
        FirstSendProducer sending,
        AsyncExecChain.Scope scope,
        AsyncExecChain chain,
        AsyncExecCallback callback) {
      this.origin = origin;
      this.request = request;
      this.producer = producer;
      this.sending = sending;
      this.scope = scope;
      this.chain = chain;
      this.callback = callback;
    }

    @Override
    public @Nullable AsyncDataConsumer handleResponse(
        HttpResponse response, @Nullable EntityDetails entityDetails)
        throws HttpException, IOException {
      if (guard.shouldResend(origin, response.getCode(), false)) {
        FrozenBody body = freezeForResend();
        if (body != null) {
          resendBody = body;
          return null; // the 411's own body is read and dropped
        }
      }
      return callback.handleResponse(response, entityDetails);
    }

    private @Nullable FrozenBody freezeForResend() {
      BodyCapture capture = sending.capture();
      if (capture == null) {
        // The first send read some or all of it; a repeatable producer starts over.
        BodyWriter replay =
            out -> {
              producer.releaseResources();
              AsyncBodies.drain(producer, out);
            };
        return guard.freezeForResend(origin, replay, null);
      }
      if (!sending.started()) {
        // Expect: 100-continue got the 411 before any byte was produced: it is untouched.
        capture.close();
        return guard.freezeForResend(origin, out -> AsyncBodies.drain(producer, out), null);
      }
      if (!capture.complete() && !capture.overflowed()) {
        // The 411 cut the send short; the rest of the body is still in the producer.
        try {
          AsyncBodies.drain(producer, capture);
          capture.markComplete();
        } catch (IOException | RuntimeException e) {
          capture.close();
          // The guard reports why and hands the 411 back.
          return guard.freezeForResend(
              origin,
              out -> {
                throw e;
              },
              null);
        }
      }
      return guard.freezeForResend(origin, null, capture);
    }

    @Override
    public void handleInformationResponse(HttpResponse response) throws HttpException, IOException {
      callback.handleInformationResponse(response);
    }

    @Override
    public void completed() {
      if (!ended.compareAndSet(false, true)) return;
      release();
      FrozenBody body = resendBody;
      if (body == null) {
        callback.completed();
        return;
      }
      // The server refused the request before processing it (RFC 9110 §15.5.12) and may not have
      // read the body (haproxy closes without reading it): the resend takes a new connection.
      scope.execRuntime.discardEndpoint();
      try {
        sendFrozen(origin, request, producer, body, scope, chain, callback, false);
      } catch (HttpException | IOException | RuntimeException e) {
        callback.failed(e);
      }
    }

    @Override
    public void failed(Exception cause) {
      if (resendBody != null && cause instanceof IOException) {
        // The 411 was read; then the connection failed, typically as HttpClient wrote the end of
        // the chunked body to a server that had closed. The resend needs a new one anyway.
        completed();
        return;
      }
      if (!ended.compareAndSet(false, true)) return;
      release();
      IOException writeFailure = sending.writeFailure();
      if (writeFailure != null && writeFailure != cause) cause.addSuppressed(writeFailure);
      FrozenBody body = resendBody;
      if (body != null) body.close();
      callback.failed(cause);
    }

    /** Drops the captured bytes; a capture that became the frozen body gave them away already. */
    void release() {
      BodyCapture capture = sending.capture();
      if (capture != null && resendBody == null) capture.close();
    }
  }

  /** Passes a frozen send's outcome on, reports it, and closes the body when the exchange ends. */
  private final class FrozenSend implements AsyncExecCallback {
    private final Origin origin;
    private final FrozenBody body;
    private final AsyncExecCallback callback;
    private final boolean firstSend;

    FrozenSend(Origin origin, FrozenBody body, AsyncExecCallback callback, boolean firstSend) {
      this.origin = origin;
      this.body = body;
      this.callback = callback;
      this.firstSend = firstSend;
    }

    @Override
    public @Nullable AsyncDataConsumer handleResponse(
        HttpResponse response, @Nullable EntityDetails entityDetails)
        throws HttpException, IOException {
      if (firstSend) {
        guard.shouldResend(origin, response.getCode(), true);
      } else {
        guard.resendAnswered(origin, response.getCode());
      }
      return callback.handleResponse(response, entityDetails);
    }

    @Override
    public void handleInformationResponse(HttpResponse response) throws HttpException, IOException {
      callback.handleInformationResponse(response);
    }

    @Override
    public void completed() {
      body.close();
      callback.completed();
    }

    @Override
    public void failed(Exception cause) {
      body.close();
      callback.failed(cause);
    }
  }
}
