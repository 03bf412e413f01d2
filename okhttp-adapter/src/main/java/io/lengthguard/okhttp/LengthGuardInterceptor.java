package io.lengthguard.okhttp;

import static java.util.Objects.requireNonNull;

import io.lengthguard.BodyTooLargeException;
import io.lengthguard.BodyWriter;
import io.lengthguard.Buffering;
import io.lengthguard.FramingReport;
import io.lengthguard.FramingViolationException;
import io.lengthguard.FrozenBody;
import io.lengthguard.GuardMode;
import io.lengthguard.GuardPolicy;
import io.lengthguard.GuardedExchange;
import io.lengthguard.LengthGuard;
import io.lengthguard.Origin;
import io.lengthguard.OutgoingBody;
import io.lengthguard.Transport;
import java.io.IOException;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import okio.Okio;
import org.jspecify.annotations.Nullable;

/**
 * An OkHttp application interceptor that keeps request bodies of unknown length from failing with
 * 411 Length Required. Install it once per client:
 *
 * <pre>{@code
 * OkHttpClient client = new OkHttpClient.Builder()
 *     .addInterceptor(LengthGuardInterceptor.create())
 *     .build();
 * }</pre>
 *
 * <p>A request without a body, with a body of known length, or with a duplex body goes on
 * untouched. A body whose {@link RequestBody#contentLength()} is -1 goes through core's {@link
 * io.lengthguard.GuardedExchange}: read ahead up to the policy's {@link
 * GuardPolicy#prebufferBytes()} and, if it ends there, sent once with its exact {@code
 * Content-Length}; a longer body streams as OkHttp frames it (chunked on HTTP/1.1), is kept as it
 * goes, and a 411 is answered by one resend of those very bytes with their length. The body's
 * {@code writeTo} runs once. The resend keeps every header and tag of the caller's request. A
 * second 411, or a body that could not be kept (over the limit or the memory budget), hands the 411
 * response back to the caller, open, and the policy's listener learns why. Only {@link
 * GuardMode#PREBUFFER} fails a call with {@link BodyTooLargeException}, before any byte is sent.
 *
 * <p>Framing fields the caller set are checked before anything else. A {@code Content-Length} or
 * {@code Transfer-Encoding} that is malformed, repeated or sent with the other, or a {@code
 * Content-Length} that differs from the body's {@link RequestBody#contentLength()} (0 for a request
 * without a body), makes the call fail with {@link FramingViolationException} naming the finding,
 * and nothing is sent; the findings also go to the policy's listener. OkHttp would replace such
 * fields on a request with a body, but a wrong length means the caller's code counts bytes wrongly,
 * so the guard refuses rather than hide it; on a request without a body OkHttp would send them as
 * they are. A {@code Content-Length} on a body of unknown length is not compared: OkHttp drops it
 * and frames the body itself, and a frozen body goes with its exact length.
 *
 * <p>A frozen body held in a spill file ({@link Buffering#spillToDisk}) is deleted once the call
 * has its response: the request in {@link Response#request()} then cannot be sent again.
 *
 * <p>Install it with {@code addInterceptor}, not {@code addNetworkInterceptor}: a network
 * interceptor may proceed only once, and framing is decided by the body it hands on.
 *
 * <p>This class is thread-safe: one instance serves a whole client.
 */
public final class LengthGuardInterceptor implements Interceptor {
  private static final String CONTENT_DIGEST = "Content-Digest";
  private static final String EXPECT = "Expect";
  private static final String CONNECTION = "Connection";

  private final LengthGuard guard;
  private final GuardPolicy policy;

  private LengthGuardInterceptor(LengthGuard guard) {
    this.guard = guard;
    this.policy = guard.policy();
  }

  /** Returns an interceptor with the default policy ({@link GuardPolicy#defaults()}). */
  public static LengthGuardInterceptor create() {
    return create(GuardPolicy.defaults());
  }

  /** Returns an interceptor that follows {@code policy}. */
  public static LengthGuardInterceptor create(GuardPolicy policy) {
    return new LengthGuardInterceptor(LengthGuard.create(requireNonNull(policy, "policy == null")));
  }

  /**
   * Returns an interceptor that shares {@code guard}: its policy, its memory of the origins that
   * want a length, and its memory budget, with every other client given the same guard.
   */
  public static LengthGuardInterceptor create(LengthGuard guard) {
    return new LengthGuardInterceptor(requireNonNull(guard, "guard == null"));
  }

  /** Returns this interceptor's policy. */
  public GuardPolicy policy() {
    return policy;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    // Only the caller sets these here: BridgeInterceptor, after this interceptor, frames the body.
    if (request.header(OkHttpFraming.CONTENT_LENGTH) != null
        || request.header(OkHttpFraming.TRANSFER_ENCODING) != null) {
      refuseBadFraming(request);
    }
    RequestBody body = request.body();
    if (body == null || body.isDuplex()) return chain.proceed(request);
    if ("DELETE".equals(request.method()) && body.contentLength() == 0L) {
      // OkHttp's delete() sends an empty body with Content-Length: 0; RFC 9110 §8.6 asks for no
      // length on a request without content whose method gives content no meaning, and some load
      // balancers refuse it. POST, PUT and PATCH keep theirs: servers answer 411 without it.
      return chain.proceed(request.newBuilder().method("DELETE", null).build());
    }
    if (body.contentLength() != -1L) {
      if (body instanceof FrozenRequestBody && policy.contentDigest() != null) {
        return chain.proceed(withDigest(request, ((FrozenRequestBody) body).frozenBody()));
      }
      return chain.proceed(request);
    }

    HttpUrl url = request.url();
    Origin origin = Origin.of(url.scheme(), url.host(), url.port());
    GuardedExchange exchange = guard.exchange(origin, request.method());
    return exchange.execute(writerOf(body), !body.isOneShot(), new OkHttpTransport(chain, body));
  }

  /**
   * Throws if the framing fields the caller set have an error, before any byte is sent; publishes
   * every finding.
   */
  private void refuseBadFraming(Request request) throws IOException {
    RequestBody body = request.body();
    long bodyBytes = body == null ? 0 : body.contentLength();
    FramingReport report = OkHttpFraming.checkCallerFraming(request, bodyBytes);
    if (report.isClean()) return;
    report.publish(OkHttpFraming.origin(request.url()), policy.listener());
    report.requireNoErrors();
  }

  private Request withDigest(Request request, FrozenBody frozen) throws IOException {
    if (request.header(CONTENT_DIGEST) != null) return request;
    String algorithm = policy.contentDigest();
    if (algorithm == null) return request;
    return request.newBuilder().header(CONTENT_DIGEST, frozen.contentDigest(algorithm)).build();
  }

  private static BodyWriter writerOf(RequestBody body) {
    return out -> {
      // Okio's stream sink hands its segments to the exchange as they fill.
      BufferedSink sink = Okio.buffer(Okio.sink(out));
      body.writeTo(sink);
      if (sink.isOpen()) sink.flush(); // a body may close its sink; closing flushed it
    };
  }

  /** Sends the exchange's bodies down the rest of the chain, in copies of the caller's request. */
  private static final class OkHttpTransport implements Transport<Response> {
    private final Chain chain;
    private final Request request;
    private final RequestBody body;

    OkHttpTransport(Chain chain, RequestBody body) {
      this.chain = chain;
      this.request = chain.request();
      this.body = body;
    }

    @Override
    public Response send(OutgoingBody outgoing) throws IOException {
      // BridgeInterceptor sets Content-Length from contentLength() and removes Transfer-Encoding;
      // for -1 it frames the body chunked.
      FrozenBody frozen = outgoing.frozen();
      RequestBody sent =
          frozen != null
              ? FrozenRequestBody.of(frozen, body.contentType(), outgoing.isOneShot())
              : new StreamedRequestBody(outgoing, body.contentType());
      Request.Builder builder = request.newBuilder().method(request.method(), sent);
      if (outgoing.ownConnection() && request.header(CONNECTION) == null) {
        // A 411 may come before the server read the body, and the server may close without saying
        // so; an application interceptor cannot keep that connection from the pool, and the resend
        // (one-shot when the caller's body was) must not meet it (RFC 9112 §9.6). h2 drops this
        // field, but CallServerInterceptor still retires the shared connection for it: core asks
        // for it only where the origin is not known to answer over h2 or h3.
        builder.header(CONNECTION, "close");
      }
      // RFC 9110 §10.1.1: a server that wants a length answers 411 instead of 100 (Continue), so
      // no byte of the body is written.
      if (addedExpectContinue(outgoing)) builder.header(EXPECT, "100-continue");
      String digest = outgoing.contentDigest();
      if (digest != null && request.header(CONTENT_DIGEST) == null) {
        builder.header(CONTENT_DIGEST, digest);
      }
      return chain.proceed(builder.build());
    }

    @Override
    public int status(Response response) {
      return response.code();
    }

    @Override
    public void discard(Response response) {
      response.close();
    }

    /**
     * Returns true if {@code outgoing} asked for 100 (Continue) and the caller set no {@code
     * Expect} of its own: {@link #send} added it. OkHttp writes no body after a final answer to it
     * (CallServerInterceptor), and sends the field as it is on HTTP/2 too.
     */
    @Override
    public boolean addedExpectContinue(OutgoingBody outgoing) {
      return outgoing.expectContinue() && request.header(EXPECT) == null;
    }

    @Override
    public @Nullable Origin answeredBy(Response response) {
      // OkHttp follows redirects after application interceptors: the 411 may be another origin's.
      HttpUrl url = response.request().url();
      HttpUrl sent = request.url();
      if (url.port() == sent.port()
          && url.host().equals(sent.host())
          && url.scheme().equals(sent.scheme())) {
        return null; // the exchange's own origin: no Origin made for every answer
      }
      return Origin.of(url.scheme(), url.host(), url.port());
    }

    @Override
    public Boolean multiplexed(Response response) {
      Protocol protocol = response.protocol();
      return protocol == Protocol.HTTP_2
          || protocol == Protocol.H2_PRIOR_KNOWLEDGE
          || protocol == Protocol.HTTP_3
          || protocol == Protocol.QUIC;
    }

    @Override
    public boolean canceled() {
      return chain.call().isCanceled();
    }
  }

  @Override
  public String toString() {
    return "LengthGuardInterceptor{" + policy + "}";
  }
}
