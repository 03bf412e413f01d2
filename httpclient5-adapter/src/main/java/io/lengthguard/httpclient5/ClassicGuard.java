package io.lengthguard.httpclient5;

import io.lengthguard.FrozenBody;
import io.lengthguard.GuardPolicy;
import io.lengthguard.GuardedExchange;
import io.lengthguard.LengthGuard;
import io.lengthguard.Origin;
import io.lengthguard.OutgoingBody;
import io.lengthguard.Transport;
import java.io.IOException;
import java.net.URI;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.Configurable;
import org.apache.hc.core5.concurrent.CancellableDependency;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.jspecify.annotations.Nullable;

/**
 * The classic client's {@link Transport} for core's {@link GuardedExchange}, shared by {@link
 * LengthGuardHttpClient} and {@link LengthGuardExecHandler}: it translates the exchange's bodies
 * into entities and sends them in copies of the caller's request. It never changes the caller's
 * request.
 *
 * <p>This class is thread-safe.
 */
final class ClassicGuard {
  /** Sends one request: through the wrapped client, or down the rest of the exec chain. */
  @FunctionalInterface
  interface Sender {
    ClassicHttpResponse send(ClassicHttpRequest request) throws IOException, HttpException;
  }

  private static final URI ROOT = URI.create("/");

  private final LengthGuard guard;

  ClassicGuard(GuardPolicy policy) {
    this.guard = LengthGuard.create(policy);
  }

  GuardPolicy policy() {
    return guard.policy();
  }

  /**
   * Returns true if {@code request} goes on untouched: no entity, or a plain entity of known length
   * that is not an empty body on a body-less method, or one with trailers, and no framing fields
   * set by the caller. Allocates nothing.
   */
  static boolean passesThrough(ClassicHttpRequest request) {
    HttpEntity entity = request.getEntity();
    if (entity != null) {
      if (entity instanceof FrozenEntity || Framing.guarded(entity)) return false;
      if (entity.getContentLength() == 0 && Framing.bodyless(request.getMethod())) return false;
    }
    return !Framing.callerFramed(request);
  }

  /**
   * Sends {@code request} to {@code target} as the policy says.
   *
   * @param context the call's context, where its request configuration may be, or null
   * @param discard closes a 411 or 417 the caller will not get, and the connection that carried it
   * @param canceled tells whether the caller canceled the call
   */
  ClassicHttpResponse execute(
      @Nullable HttpHost target,
      ClassicHttpRequest request,
      @Nullable HttpContext context,
      Sender sender,
      Consumer<ClassicHttpResponse> discard,
      BooleanSupplier canceled)
      throws IOException, HttpException {
    // Without a target there is no origin to decide for; HttpClient routes or refuses it itself.
    if (target == null) return sender.send(request);
    HttpEntity entity = request.getEntity();
    if (entity instanceof FrozenEntity) {
      return sendFrozenEntity(target, request, (FrozenEntity) entity, sender);
    }
    if (entity == null || !Framing.guarded(entity)) {
      // HttpClient would refuse any caller-set framing with "Content-Length header already
      // present"; a malformed one is refused here first, naming what is wrong with it.
      if (Framing.callerFramed(request)) {
        long bodyBytes = entity == null ? 0 : entity.getContentLength();
        Framing.refuseBadFraming(
            request, bodyBytes, Framing.origin(target), guard.policy().listener());
      }
      if (entity != null
          && entity.getContentLength() == 0
          && Framing.bodyless(request.getMethod())) {
        // RequestContent sends Content-Length: 0 for an empty entity whatever the method; AWS load
        // balancers refuse it on a GET. No entity, no field.
        return sender.send(copy(request, null));
      }
      return sender.send(request);
    }

    // An aborted request fails in HttpClient as it does without the guard, before any byte is read.
    if (canceled.getAsBoolean()) return sender.send(request);
    Origin origin = Framing.origin(target);
    // Errors that need no byte count are refused before the body is read: a one-shot stream is
    // then still whole.
    if (Framing.callerFramed(request)) {
      Framing.refuseMalformedFraming(request, origin, guard.policy().listener());
    }
    GuardedExchange exchange = guard.exchange(origin, request.getMethod());
    // A caller-set Content-Length says the body has a length: HttpClient refuses to send it next to
    // its own framing, and only the frozen bytes can prove the value right before anything is sent.
    if (request.containsHeader(HttpHeaders.CONTENT_LENGTH)) exchange.lengthDeclared();
    try {
      return exchange.execute(
          entity::writeTo,
          entity.isRepeatable(),
          new ClassicTransport(
              origin,
              request,
              entity,
              Framing.callerExpects(request, context),
              sender,
              discard,
              canceled));
    } catch (ProtocolFailure e) {
      throw e.getCause();
    }
  }

  private ClassicHttpResponse sendFrozenEntity(
      HttpHost target, ClassicHttpRequest request, FrozenEntity entity, Sender sender)
      throws IOException, HttpException {
    String algorithm = guard.policy().contentDigest();
    String digest = algorithm == null ? null : entity.frozenBody().contentDigest(algorithm);
    if (digest == null && !Framing.callerFramed(request)) return sender.send(request);
    ClassicHttpRequest copy = copy(request, entity);
    Framing.frozen(
        copy, entity.frozenBody(), digest, Framing.origin(target), guard.policy().listener());
    return sender.send(copy);
  }

  /** Sends the exchange's bodies in copies of the caller's request. */
  private final class ClassicTransport implements Transport<ClassicHttpResponse> {
    private final Origin origin;
    private final ClassicHttpRequest request;
    private final HttpEntity entity;
    private final boolean callerExpects;
    private final Sender sender;
    private final Consumer<ClassicHttpResponse> discard;
    private final BooleanSupplier canceled;

    ClassicTransport(
        Origin origin,
        ClassicHttpRequest request,
        HttpEntity entity,
        boolean callerExpects,
        Sender sender,
        Consumer<ClassicHttpResponse> discard,
        BooleanSupplier canceled) {
      this.origin = origin;
      this.request = request;
      this.entity = entity;
      this.callerExpects = callerExpects;
      this.sender = sender;
      this.discard = discard;
      this.canceled = canceled;
    }

    @Override
    public ClassicHttpResponse send(OutgoingBody body) throws IOException {
      FrozenBody frozen = body.frozen();
      ClassicHttpRequest copy;
      if (frozen != null) {
        boolean none = frozen.contentLength() == 0 && Framing.bodyless(request.getMethod());
        copy =
            copy(
                request,
                none
                    ? null
                    : FrozenEntity.of(
                        frozen,
                        entity.getContentType(),
                        entity.getContentEncoding(),
                        body.isOneShot()));
        Framing.frozen(copy, frozen, body.contentDigest(), origin, guard.policy().listener());
      } else {
        copy =
            copy(
                request,
                new StreamedEntity(body, entity.getContentType(), entity.getContentEncoding()));
        Framing.streamed(copy, addedExpectContinue(body));
      }
      return send(copy);
    }

    /**
     * Returns true: a server that answers 411 and closes without reading the body (haproxy) makes
     * HttpClient's write of a large body fail and lose the 411, even with {@code
     * MonitoringResponseOutOfOrderStrategy}; {@link EarlyResponses} narrows that race but cannot
     * close it. Asked for 100 (Continue), the server answers before any byte of the body.
     */
    @Override
    public boolean continueBeforeStreaming() {
      return true;
    }

    /**
     * Returns true if {@code body} asks for 100 (Continue) and the caller's request does not ask
     * itself: the guard adds the field. HttpClient's classic client speaks HTTP/1.1 only, and
     * writes no body after a final answer to it ({@code HttpRequestExecutor}).
     */
    @Override
    public boolean addedExpectContinue(OutgoingBody body) {
      return body.expectContinue() && !callerExpects;
    }

    private ClassicHttpResponse send(ClassicHttpRequest copy) throws IOException {
      try {
        return sender.send(copy);
      } catch (HttpException e) {
        throw new ProtocolFailure(e);
      }
    }

    @Override
    public int status(ClassicHttpResponse response) {
      return response.getCode();
    }

    @Override
    public void discard(ClassicHttpResponse response) {
      discard.accept(response);
    }

    @Override
    public boolean canceled() {
      return canceled.getAsBoolean();
    }
  }

  /** Carries HttpClient's {@link HttpException} through the exchange, which speaks IOException. */
  private static final class ProtocolFailure extends IOException {
    private static final long serialVersionUID = 1L;

    ProtocolFailure(HttpException cause) {
      super(cause);
    }

    @Override
    public synchronized HttpException getCause() {
      return (HttpException) super.getCause();
    }
  }

  /**
   * Returns a copy of {@code request} carrying {@code entity}. It keeps what {@code
   * ClassicRequestBuilder.copy} drops: the per-request {@code RequestConfig}, and {@code abort()}
   * on the caller's request, which now cancels the copy.
   */
  static ClassicHttpRequest copy(ClassicHttpRequest request, @Nullable HttpEntity entity) {
    HttpUriRequestBase copy = new HttpUriRequestBase(request.getMethod(), ROOT);
    copy.setScheme(request.getScheme());
    copy.setAuthority(request.getAuthority());
    copy.setPath(request.getPath());
    copy.setVersion(request.getVersion());
    copy.setHeaders(request.getHeaders());
    copy.setEntity(entity);
    if (request instanceof Configurable) copy.setConfig(((Configurable) request).getConfig());
    // HttpClient links cancellation to the request it is given; that is now the copy.
    if (request instanceof CancellableDependency) {
      ((CancellableDependency) request).setDependency(copy);
    }
    return copy;
  }
}
