package io.lengthguard.httpclient5;

import io.lengthguard.BodyCapture;
import io.lengthguard.BodyWriter;
import io.lengthguard.FreezeReason;
import io.lengthguard.FrozenBody;
import io.lengthguard.GuardPolicy;
import io.lengthguard.LengthGuard;
import io.lengthguard.Origin;
import java.io.IOException;
import java.net.URI;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.Configurable;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.core5.concurrent.CancellableDependency;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.io.Closer;
import org.jspecify.annotations.Nullable;

/**
 * The classic client's translation of {@link LengthGuard}'s decisions, shared by {@link
 * LengthGuardHttpClient} and {@link LengthGuardExecHandler}. It never changes the caller's request:
 * what it sends differently, it sends as a copy.
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

  /** Sends {@code request} to {@code target} as the policy says. */
  /**
   * Returns true if {@code request} goes on untouched: no entity or a plain entity of known length,
   * and no framing fields set by the caller. Allocates nothing.
   */
  static boolean passesThrough(ClassicHttpRequest request) {
    HttpEntity entity = request.getEntity();
    if (entity instanceof FrozenEntity) return false;
    if (entity != null && Framing.unknownLength(entity)) return false;
    return !Framing.callerFramed(request);
  }

  ClassicHttpResponse execute(@Nullable HttpHost target, ClassicHttpRequest request, Sender sender)
      throws IOException, HttpException {
    // Without a target there is no origin to decide for; HttpClient routes or refuses it itself.
    if (target == null) return sender.send(request);
    HttpEntity entity = request.getEntity();
    if (entity instanceof FrozenEntity) {
      return sendFrozenEntity(target, request, (FrozenEntity) entity, sender);
    }
    if (entity == null || !Framing.unknownLength(entity)) {
      // HttpClient would refuse any caller-set framing with "Content-Length header already
      // present"; a malformed one is refused here first, naming what is wrong with it.
      if (Framing.callerFramed(request)) {
        long bodyBytes = entity == null ? 0 : entity.getContentLength();
        Framing.refuseBadFraming(
            request, bodyBytes, Framing.origin(target), guard.policy().listener());
      }
      return sender.send(request);
    }

    Origin origin = Framing.origin(target);
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
      FrozenBody body = guard.freeze(origin, entity::writeTo, reason);
      try {
        ClassicHttpResponse response = sender.send(frozenCopy(origin, request, entity, body));
        guard.shouldResend(origin, response.getCode(), true);
        return response;
      } finally {
        body.close();
      }
    }
    return sendFramed(origin, request, entity, sender);
  }

  private ClassicHttpResponse sendFrozenEntity(
      HttpHost target, ClassicHttpRequest request, FrozenEntity entity, Sender sender)
      throws IOException, HttpException {
    String digest = guard.contentDigest(entity.frozenBody());
    if (digest == null && !Framing.callerFramed(request)) return sender.send(request);
    ClassicHttpRequest copy = copy(request, entity);
    Framing.frozen(
        copy, entity.frozenBody(), digest, Framing.origin(target), guard.policy().listener());
    return sender.send(copy);
  }

  private ClassicHttpResponse sendFramed(
      Origin origin, ClassicHttpRequest request, HttpEntity entity, Sender sender)
      throws IOException, HttpException {
    CapturingEntity capturing =
        entity.isRepeatable() ? null : new CapturingEntity(entity, guard.newCapture());
    ClassicHttpRequest first = copy(request, capturing != null ? capturing : entity);
    if (Framing.callerFramed(first)) {
      Framing.refuseBadFraming(first, -1, origin, guard.policy().listener());
    }
    Framing.firstSend(first, guard.policy().expectContinue());
    ClassicHttpResponse response;
    try {
      response = sender.send(first);
    } catch (IOException | HttpException | RuntimeException | Error e) {
      if (capturing != null) capturing.capture().close();
      throw e;
    }
    if (!guard.shouldResend(origin, response.getCode(), false)) {
      if (capturing != null) capturing.capture().close();
      return response;
    }

    BodyWriter replay = entity::writeTo;
    BodyCapture capture = null;
    if (capturing != null) {
      if (capturing.started()) {
        replay = null;
        capture = capturing.capture();
      } else {
        // Expect: 100-continue got the 411 before any byte was written: the source is untouched.
        capturing.capture().close();
      }
    }
    FrozenBody body = guard.freezeForResend(origin, replay, capture);
    if (body == null) return response;
    try {
      ClassicHttpRequest resend = frozenCopy(origin, request, entity, body);
      discard(response);
      guard.resending(origin, body);
      ClassicHttpResponse second = sender.send(resend);
      guard.resendAnswered(origin, second.getCode());
      return second;
    } finally {
      body.close();
    }
  }

  private ClassicHttpRequest frozenCopy(
      Origin origin, ClassicHttpRequest request, HttpEntity entity, FrozenBody body)
      throws IOException {
    FrozenEntity frozen =
        FrozenEntity.of(body, entity.getContentType(), entity.getContentEncoding());
    ClassicHttpRequest copy = copy(request, frozen);
    Framing.frozen(copy, body, guard.contentDigest(body), origin, guard.policy().listener());
    return copy;
  }

  /**
   * Returns a copy of {@code request} carrying {@code entity}. It keeps what {@code
   * ClassicRequestBuilder.copy} drops: the per-request {@code RequestConfig}, and {@code abort()}
   * on the caller's request, which now cancels the copy.
   */
  static ClassicHttpRequest copy(ClassicHttpRequest request, HttpEntity entity) {
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

  /**
   * Closes the 411 and the connection that carried it. The server refused the request before
   * processing it (RFC 9110 §15.5.12) and may not have read the body (haproxy closes without
   * reading it), so that connection must not carry the resend.
   */
  static void discard(ClassicHttpResponse response) {
    if (response instanceof CloseableHttpResponse) {
      ((CloseableHttpResponse) response).close(CloseMode.IMMEDIATE);
    } else {
      Closer.closeQuietly(response);
    }
  }
}
