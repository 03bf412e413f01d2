package io.lengthguard.httpclient5;

import static java.util.Objects.requireNonNull;

import io.lengthguard.BodyTooLargeException;
import io.lengthguard.FramingViolationException;
import io.lengthguard.FrozenBody;
import io.lengthguard.GuardPolicy;
import io.lengthguard.GuardedExchange;
import io.lengthguard.LengthGuard;
import io.lengthguard.NonBlockingBodyWriter;
import io.lengthguard.Origin;
import io.lengthguard.OutgoingBody;
import io.lengthguard.Transport;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.client5.http.async.AsyncExecCallback;
import org.apache.hc.client5.http.async.AsyncExecChain;
import org.apache.hc.client5.http.async.AsyncExecChainHandler;
import org.apache.hc.client5.http.impl.ChainElement;
import org.apache.hc.client5.http.impl.async.HttpAsyncClientBuilder;
import org.apache.hc.core5.concurrent.ComplexCancellable;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.HttpVersion;
import org.apache.hc.core5.http.ProtocolVersion;
import org.apache.hc.core5.http.nio.AsyncDataConsumer;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.nio.CapacityChannel;
import org.apache.hc.core5.http.support.BasicRequestBuilder;
import org.jspecify.annotations.Nullable;

/**
 * An async exec chain handler that guards every request of a client built with {@link
 * #install(HttpAsyncClientBuilder, GuardPolicy)}. Requests without a body, or with a body of known
 * length, pass through untouched. A producer of unknown length goes through core's {@link
 * GuardedExchange} on the guard's own threads: read ahead up to the policy's {@linkplain
 * GuardPolicy#prebufferBytes() read-ahead} and sent with its exact {@code Content-Length} if it
 * ends within it; otherwise streamed as HttpClient frames it, captured, and after a 411 sent once
 * more with the very bytes of the first send and their exact length, on a new connection.
 *
 * <p>No I/O reactor thread waits for the guard. The caller's producer is first called on the
 * calling thread, as the I/O reactor would call it, while it has bytes ready: a body that ends
 * there within the read-ahead is sent from that thread. Any other is drained, and spill files and
 * captures written, on the guard's threads. A response other than a 411 or 417 to be replaced
 * reaches the caller's consumer as it arrives. Canceling the call's future stops the exchange.
 *
 * <p>This class is thread-safe: one instance serves a whole client.
 */
public final class LengthGuardAsyncExecHandler implements AsyncExecChainHandler {
  /** The name of this handler in the exec chain. */
  public static final String NAME = "lengthguard";

  /** The name of the stand-in that guards a client built without {@link ChainElement#RETRY}. */
  static final String INNER_NAME = NAME + "-without-retry";

  /** The most of a held 411's or 417's body kept while the guard decides whether to send again. */
  static final int MAX_HELD_BYTES = 1024 * 1024;

  /** How long a later send waits for the exchange of the 411 or 417 it replaces to end. */
  private static final long END_WAIT_SECONDS = 30;

  private final LengthGuard guard;

  private LengthGuardAsyncExecHandler(LengthGuard guard) {
    this.guard = guard;
  }

  /** Installs a handler with the {@linkplain GuardPolicy#defaults() default policy}. */
  public static HttpAsyncClientBuilder install(HttpAsyncClientBuilder builder) {
    return install(builder, GuardPolicy.defaults());
  }

  /**
   * Installs a handler following {@code policy} in {@code builder}'s exec chain and returns {@code
   * builder}. It goes just before {@link ChainElement#RETRY}: inside {@code REDIRECT}, so that each
   * hop is guarded for the origin it goes to, and outside {@code RETRY}, so that HttpClient's retry
   * strategy never repeats the guard's own refusals ({@link FramingViolationException} and {@link
   * BodyTooLargeException} are {@code IOException}s, which it retries for idempotent methods).
   */
  public static HttpAsyncClientBuilder install(HttpAsyncClientBuilder builder, GuardPolicy policy) {
    requireNonNull(builder, "builder == null");
    requireNonNull(policy, "policy == null");
    LengthGuardAsyncExecHandler handler = create(policy);
    // With automatic retries disabled RETRY is missing, and the builder silently drops a handler
    // placed before it: a stand-in before PROTOCOL (always there) then guards. Where both run, the
    // second sees only the first's own bodies and passes them. The interceptor runs once the
    // connection's protocol is known: on HTTP/2 it gives the guard's frozen bodies their length.
    return builder
        .addExecInterceptorBefore(ChainElement.RETRY.name(), NAME, handler)
        .addExecInterceptorBefore(ChainElement.PROTOCOL.name(), INNER_NAME, handler)
        .addRequestInterceptorLast(Http2Framing.INSTANCE);
  }

  static LengthGuardAsyncExecHandler create(GuardPolicy policy) {
    return new LengthGuardAsyncExecHandler(LengthGuard.create(policy));
  }

  @Override
  public void execute(
      HttpRequest request,
      @Nullable AsyncEntityProducer producer,
      AsyncExecChain.Scope scope,
      AsyncExecChain chain,
      AsyncExecCallback callback)
      throws HttpException, IOException {
    if (producer instanceof StreamedProducer) {
      chain.proceed(request, producer, scope, callback); // the guard's own first send
      return;
    }
    if (producer == null || !Framing.guarded(producer)) {
      // HttpClient refuses any caller-set framing on HTTP/1.1 ("Content-Length header already
      // present") but sends it on HTTP/2; a malformed one is refused here first, on both.
      if (Framing.callerFramed(request)) {
        Framing.refuseBadFraming(
            request,
            producer == null ? 0 : producer.getContentLength(),
            Framing.origin(scope.route.getTargetHost()),
            guard.policy().listener());
      }
      if (producer != null
          && producer.getContentLength() == 0
          && Framing.bodyless(request.getMethod())) {
        // RequestContent sends Content-Length: 0 for an empty entity whatever the method; AWS load
        // balancers refuse it on a GET. No entity, no field.
        chain.proceed(request, null, scope, callback);
        return;
      }
      chain.proceed(request, producer, scope, callback);
      return;
    }
    Origin origin = Framing.origin(scope.route.getTargetHost());
    // Errors that need no byte count are refused before the body is read: a one-shot producer is
    // then still whole.
    if (Framing.callerFramed(request)) {
      Framing.refuseMalformedFraming(request, origin, guard.policy().listener());
    }
    GuardedExchange exchange = guard.exchange(origin, request.getMethod());
    // A caller-set Content-Length says the body has a length: HttpClient refuses to send it next to
    // its own framing, and only the frozen bytes can prove the value right before anything is sent.
    if (request.containsHeader(HttpHeaders.CONTENT_LENGTH)) exchange.lengthDeclared();
    new AsyncTransport(
            exchange,
            origin,
            request,
            Framing.callerExpects(request, scope.clientContext),
            producer,
            scope,
            chain,
            callback)
        .start();
  }

  @Override
  public String toString() {
    return "LengthGuardAsyncExecHandler{" + guard.policy() + "}";
  }

  /**
   * Sends the exchange's bodies down the rest of the chain, in copies of the caller's request, and
   * hands the outcome to the caller's callback exactly once.
   */
  private final class AsyncTransport implements Transport<Attempt> {
    private final GuardedExchange exchange;
    private final Origin origin;
    private final HttpRequest request;
    private final boolean callerExpects;
    private final AsyncEntityProducer producer;
    private final AsyncExecChain.Scope scope;
    private final AsyncExecChain chain;
    private final AsyncExecCallback callback;
    private final AtomicBoolean ended = new AtomicBoolean();
    private final AtomicInteger pending = new AtomicInteger(2);
    private final Object reportLock = new Object();
    private final List<Runnable> untilReported = new ArrayList<>();
    private boolean reported;
    private volatile boolean canceled;
    private volatile @Nullable Attempt last;
    private final ProducerWriter writer;

    AsyncTransport(
        GuardedExchange exchange,
        Origin origin,
        HttpRequest request,
        boolean callerExpects,
        AsyncEntityProducer producer,
        AsyncExecChain.Scope scope,
        AsyncExecChain chain,
        AsyncExecCallback callback) {
      this.exchange = exchange;
      this.origin = origin;
      this.request = request;
      this.callerExpects = callerExpects;
      this.producer = producer;
      this.scope = scope;
      this.chain = chain;
      this.callback = callback;
      this.writer = new ProducerWriter(producer, this::canceled);
    }

    void start() {
      // Future.cancel on the caller's call now cancels the exchange, which cancels the send in
      // flight (cancel).
      scope.cancellableDependency.setDependency(
          () -> {
            exchange.cancel();
            return true;
          });
      exchange
          .executeAsync(writer, producer.isRepeatable(), this)
          .whenComplete(
              (attempt, failure) -> {
                reported();
                if (failure != null) {
                  fail(unwrap(failure));
                } else if (attempt.forwarded) {
                  completeWhenBoth();
                } else {
                  // A held 411 or 417 handed back: the caller gets it whole once its exchange
                  // ended.
                  attempt.end.whenComplete((v, e) -> attempt.replay());
                }
              });
    }

    /** Cancels the send in flight, and any later one: the exchange's cancel calls it. */
    @Override
    public void cancel() {
      canceled = true;
      Attempt current = last;
      if (current != null) current.cancellable.cancel();
    }

    @Override
    public boolean canceled() {
      return canceled || scope.cancellableDependency.isCancelled();
    }

    @Override
    public Attempt send(OutgoingBody body) throws IOException {
      Attempt previous = last;
      // A later send (after a 411 or a 417) goes once the previous exchange ended: the scope's
      // runtime carries one at a time.
      if (previous != null) previous.awaitEnd();
      return start(body).awaitHead();
    }

    /**
     * Returns true: a server that answers 411 and closes without reading the body can have the 411
     * lost in HttpCore's flush of a body over about 64 KiB (haproxy). Asked for 100 (Continue), the
     * server answers before any byte of the body.
     */
    @Override
    public boolean continueBeforeStreaming() {
      return true;
    }

    /**
     * Returns true if the guard added the {@code Expect} that {@code body} asked for and it went:
     * not where the caller's request asks itself, nor on HTTP/2, where {@link Http2Framing} takes
     * it off again. Asked after {@link #send} returned, when {@link #last} is that send's.
     */
    @Override
    public boolean addedExpectContinue(OutgoingBody body) {
      Attempt current = last;
      StreamedProducer streamed = current == null ? null : current.streamed;
      return streamed != null && streamed.carries(body) && streamed.sentExpect();
    }

    /** The first send of a body frozen in memory: the exchange decides on the reactor's thread. */
    @Override
    public CompletableFuture<Attempt> sendAsync(OutgoingBody body) {
      if (last != null) return Transport.super.sendAsync(body);
      Attempt attempt;
      try {
        attempt = start(body);
      } catch (IOException e) {
        return CompletableFuture.failedFuture(e);
      }
      return attempt.head.handle(
          (v, failure) -> {
            if (failure == null) return attempt;
            throw new CompletionException(Attempt.ioException(failure));
          });
    }

    /** Proceeds down the chain with a copy of the caller's request and {@code body}. */
    private Attempt start(OutgoingBody body) throws IOException {
      if (canceled()) throw new InterruptedIOException("canceled");
      HttpRequest copy = BasicRequestBuilder.copy(request).build();
      FrozenBody frozen = body.frozen();
      AsyncEntityProducer sent;
      StreamedProducer streamed = null;
      if (frozen != null) {
        refuseTrailers();
        Framing.frozen(copy, frozen, body.contentDigest(), origin, guard.policy().listener());
        sent =
            frozen.contentLength() == 0 && Framing.bodyless(request.getMethod())
                ? null
                : FrozenEntityProducer.of(
                    frozen,
                    producer.getContentType(),
                    producer.getContentEncoding(),
                    body.isOneShot(),
                    !scope.route.isSecure());
      } else {
        // HttpCore produces no body after a final answer to Expect (RFC 9110 §10.1.1): a 411 or
        // 417 to it leaves the body unopened.
        boolean expect = body.expectContinue() && !callerExpects;
        Framing.streamed(copy, expect);
        sent =
            streamed =
                new StreamedProducer(
                    body,
                    producer.getContentType(),
                    producer.getContentEncoding(),
                    expect,
                    writer::trailers);
      }
      return start(copy, sent, streamed);
    }

    /**
     * Throws if the caller's producer ended its body with trailer fields it did not declare: a body
     * sent with its {@code Content-Length} carries none (RFC 9112 §7.1.2), and dropping them would
     * lose them silently.
     */
    private void refuseTrailers() throws IOException {
      List<? extends Header> trailers = writer.trailers();
      if (trailers == null) return;
      List<String> names = new ArrayList<>();
      for (Header trailer : trailers) names.add(trailer.getName());
      throw new IOException(
          "entity producer "
              + producer
              + " ended its body with trailer fields "
              + names
              + " that it does not declare in getTrailerNames(): the guard would send this body"
              + " with its Content-Length, which carries no trailers (RFC 9112 §7.1.2), and does"
              + " not send it so; declare them in getTrailerNames() and the guard leaves the body"
              + " to HttpClient, chunked with its trailers");
    }

    private Attempt start(
        HttpRequest copy, @Nullable AsyncEntityProducer sent, @Nullable StreamedProducer streamed)
        throws IOException {
      Attempt attempt = new Attempt(this, streamed);
      last = attempt;
      // A cancel after start's check, before last was set, canceled the attempt before this one.
      if (canceled()) throw new InterruptedIOException("canceled");
      try {
        proceed(copy, sent, attempt);
      } catch (HttpException e) {
        throw new IOException(e);
      }
      return attempt;
    }

    private void proceed(HttpRequest copy, @Nullable AsyncEntityProducer sent, Attempt attempt)
        throws HttpException, IOException {
      // PROTOCOL resets the request's headers from the scope's original before an auth retry: that
      // must be a snapshot of the copy, not the caller's headers nor the copy itself.
      AsyncExecChain.Scope copyScope =
          new AsyncExecChain.Scope(
              scope.exchangeId,
              scope.route,
              BasicRequestBuilder.copy(copy).build(),
              attempt.cancellable,
              scope.clientContext,
              scope.execRuntime,
              scope.scheduler,
              scope.execCount);
      chain.proceed(copy, sent, copyScope, attempt);
    }

    @Override
    public int status(Attempt attempt) {
      return attempt.status;
    }

    @Override
    public void discard(Attempt attempt) {
      attempt.discarded = true;
      // An h2 connection may carry other streams (message multiplexing): discarding it, or
      // canceling the 411's stream (HttpClient then marks the connection unfit for reuse and
      // closes it), would end them too. The 411 ended the stream's response, the body stopped, and
      // the resend waits for the stream's end, then goes as a new stream on the same connection.
      if (attempt.http2()) return;
      // The server refused the request before processing it (RFC 9110 §15.5.12) and may not have
      // read the body (haproxy closes without reading it): its connection goes.
      scope.execRuntime.discardEndpoint();
    }

    /**
     * Runs {@code action} once the exchange has finished reporting to the listener: at once if it
     * has. The caller's consumer ends the caller's call, so its end waits for the report.
     */
    void afterReport(Runnable action) {
      synchronized (reportLock) {
        if (!reported) {
          untilReported.add(action);
          return;
        }
      }
      action.run();
    }

    /** Marks the exchange as done reporting and runs what waited for it, in order. */
    private void reported() {
      List<Runnable> actions;
      synchronized (reportLock) {
        reported = true;
        actions = new ArrayList<>(untilReported);
        untilReported.clear();
      }
      actions.forEach(Runnable::run);
    }

    /**
     * Hands the caller's callback its end once both the forwarded response ended and the exchange
     * finished reporting, so that the listener has heard every event when the caller's call ends.
     */
    void completeWhenBoth() {
      if (pending.decrementAndGet() == 0) complete();
    }

    /** Hands the caller's callback its end, once. */
    void complete() {
      if (ended.compareAndSet(false, true)) callback.completed();
    }

    void fail(Exception cause) {
      if (ended.compareAndSet(false, true)) callback.failed(cause);
    }

    private Exception unwrap(Throwable failure) {
      Throwable cause = failure;
      while (cause instanceof CompletionException && cause.getCause() != null) {
        cause = cause.getCause();
      }
      return cause instanceof Exception ? (Exception) cause : new IOException(cause);
    }
  }

  /**
   * One send's outcome, as HttpClient reports it on its I/O reactor. A response is passed to the
   * caller's callback as it arrives, unless it is a 411 to a streamed send, or a 417 to the guard's
   * {@code Expect}: the exchange decides on that one, so its head and body are held until then.
   */
  private final class Attempt implements AsyncExecCallback {
    final AsyncTransport transport;
    final @Nullable StreamedProducer streamed;
    final ComplexCancellable cancellable = new ComplexCancellable();
    final CompletableFuture<Void> head = new CompletableFuture<>();
    final CompletableFuture<Void> end = new CompletableFuture<>();
    volatile int status = -1;
    volatile boolean forwarded;
    volatile boolean discarded;
    // HttpClient's first report of the exchange's end, and the response's own end: either may come
    // first. After a 4xx or 5xx HttpClient reports the end once the request stream ended too, which
    // after a refusal on the head is often before the response's body ended.
    private final AtomicBoolean exchangeEnded = new AtomicBoolean();
    private final AtomicBoolean responseEnded = new AtomicBoolean();
    private final AtomicInteger untilEnd = new AtomicInteger(2);
    private volatile @Nullable HttpResponse response;
    private volatile @Nullable EntityDetails details;
    private volatile @Nullable HeldBody held;
    private volatile @Nullable Exception failure;

    Attempt(AsyncTransport transport, @Nullable StreamedProducer streamed) {
      this.transport = transport;
      this.streamed = streamed;
    }

    boolean http2() {
      HttpResponse current = response;
      ProtocolVersion version = current == null ? null : current.getVersion();
      return version != null && version.greaterEquals(HttpVersion.HTTP_2);
    }

    @Override
    public @Nullable AsyncDataConsumer handleResponse(
        HttpResponse response, @Nullable EntityDetails details) throws HttpException, IOException {
      this.response = response;
      this.details = details;
      int code = response.getCode();
      status = code;
      // HttpCore stops sending a body once a 4xx or 5xx came (RFC 9112 §9.6 lets it close).
      if (code >= 400 && streamed != null) streamed.stop();
      // The exchange may replace a 411 to a streamed send, and a 417 to the guard's Expect.
      boolean replaceable = streamed != null && streamed.mayBeReplacedBy(code);
      if (!replaceable) {
        forwarded = true;
        try {
          if (details == null) {
            // Without a body the caller's call ends in handleResponse: after the exchange reported.
            transport.afterReport(this::forwardHead);
            responseEnded();
            return null;
          }
          AsyncDataConsumer consumer = transport.callback.handleResponse(response, details);
          if (consumer == null) {
            responseEnded();
            return null;
          }
          return new ReportedEnd(consumer, this);
        } finally {
          head.complete(null);
        }
      }
      if (details == null) {
        responseEnded();
        head.complete(null);
        return null;
      }
      HeldBody body = new HeldBody(this);
      held = body;
      head.complete(null);
      return body;
    }

    /**
     * Hands the caller a response without a body, once the exchange reported: on the guard's thread
     * that decided on it, or on the reactor's for a body sent with its length.
     */
    private void forwardHead() {
      try {
        transport.callback.handleResponse(response, null);
      } catch (HttpException | IOException | RuntimeException e) {
        transport.fail(e);
      }
    }

    @Override
    public void handleInformationResponse(HttpResponse response) throws HttpException, IOException {
      transport.callback.handleInformationResponse(response);
    }

    @Override
    public void completed() {
      // HttpClient reports the end twice when a 4xx or 5xx came before the request body's end:
      // once for the response, once when the producer ends the stream, in either order. Only the
      // first counts, and the exchange ends only once the response ended too: the caller's end
      // releases its consumer, which then drops the rest of the body and never completes.
      if (exchangeEnded.compareAndSet(false, true)) endPart();
    }

    /** Records that the response ended: no body, or its body's end passed to its consumer. */
    void responseEnded() {
      if (responseEnded.compareAndSet(false, true)) endPart();
    }

    private void endPart() {
      if (untilEnd.decrementAndGet() == 0 && end.complete(null) && forwarded) {
        transport.completeWhenBoth();
      }
    }

    @Override
    public void failed(Exception cause) {
      failure = cause;
      if (streamed != null) streamed.stop();
      head.completeExceptionally(cause);
      end.complete(null);
      if (forwarded) transport.fail(cause);
    }

    Attempt awaitHead() throws IOException {
      try {
        head.get();
        return this;
      } catch (ExecutionException e) {
        throw ioException(e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        cancellable.cancel();
        throw new InterruptedIOException("interrupted while waiting for the response");
      }
    }

    static IOException ioException(Throwable failure) {
      return failure instanceof IOException ? (IOException) failure : new IOException(failure);
    }

    void awaitEnd() throws InterruptedIOException {
      try {
        end.get(END_WAIT_SECONDS, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        // Not reached for ExecutionException; past the wait the resend goes on regardless.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while the refused exchange ended");
      }
    }

    /** Gives the caller the held 411 or 417, head and body, then its end. On a guard thread. */
    void replay() {
      HeldBody body = held;
      try {
        AsyncDataConsumer consumer = transport.callback.handleResponse(response, details);
        if (consumer != null && body != null) {
          consumer.updateCapacity(increment -> {});
          // Once per chunk, as HttpCore does: some consumers copy without moving the position.
          for (byte[] bytes : body.chunks) consumer.consume(ByteBuffer.wrap(bytes));
          if (body.ended) consumer.streamEnd(body.trailers);
        }
      } catch (HttpException | IOException | RuntimeException e) {
        transport.fail(e);
        return;
      }
      Exception cause = failure;
      if (cause != null) {
        transport.fail(cause);
      } else if (body != null && body.overflowed) {
        transport.fail(
            new IOException(
                "the held "
                    + status
                    + "'s body passed "
                    + MAX_HELD_BYTES
                    + " bytes; the rest was dropped"));
      } else {
        transport.complete();
      }
    }
  }

  /**
   * The caller's consumer of a forwarded response: bytes pass as they come, and its end waits until
   * the exchange has reported (a resend's answer, a body the server did not read), so that the
   * listener has heard every event when the caller's call ends.
   */
  private static final class ReportedEnd implements AsyncDataConsumer {
    private final AsyncDataConsumer delegate;
    private final Attempt attempt;
    private final AsyncTransport transport;

    ReportedEnd(AsyncDataConsumer delegate, Attempt attempt) {
      this.delegate = delegate;
      this.attempt = attempt;
      this.transport = attempt.transport;
    }

    @Override
    public void updateCapacity(CapacityChannel capacityChannel) throws IOException {
      delegate.updateCapacity(capacityChannel);
    }

    @Override
    public void consume(ByteBuffer src) throws IOException {
      delegate.consume(src);
    }

    @Override
    public void streamEnd(@Nullable List<? extends Header> trailers) {
      transport.afterReport(
          () -> {
            try {
              delegate.streamEnd(trailers);
            } catch (HttpException | IOException | RuntimeException e) {
              transport.fail(e);
            }
            attempt.responseEnded();
          });
    }

    @Override
    public void releaseResources() {
      transport.afterReport(delegate::releaseResources);
    }
  }

  /**
   * Holds a 411's or 417's body, up to {@value #MAX_HELD_BYTES} bytes, while the exchange decides.
   */
  private static final class HeldBody implements AsyncDataConsumer {
    final List<byte[]> chunks = new ArrayList<>();
    private final Attempt attempt;
    volatile boolean ended;
    volatile boolean overflowed;
    volatile @Nullable List<? extends Header> trailers;
    private int size;

    HeldBody(Attempt attempt) {
      this.attempt = attempt;
    }

    @Override
    public void updateCapacity(CapacityChannel capacityChannel) throws IOException {
      capacityChannel.update(Integer.MAX_VALUE);
    }

    @Override
    public synchronized void consume(ByteBuffer src) {
      int n = src.remaining();
      if (size + n > MAX_HELD_BYTES) {
        overflowed = true;
        src.position(src.limit());
        return;
      }
      byte[] copy = new byte[n];
      src.get(copy);
      chunks.add(copy);
      size += n;
    }

    @Override
    public void streamEnd(@Nullable List<? extends Header> trailers) {
      this.trailers = trailers;
      ended = true;
      attempt.responseEnded();
    }

    @Override
    public void releaseResources() {}
  }

  /**
   * Drains the caller's producer into the exchange: in steps on the calling thread while it has
   * bytes ready, as the I/O reactor would call it, and then to its end on a thread of the guard's.
   */
  private static final class ProducerWriter implements NonBlockingBodyWriter {
    private final AsyncEntityProducer producer;
    private final java.util.function.BooleanSupplier canceled;
    private volatile AsyncBodies.@Nullable Run run;

    ProducerWriter(AsyncEntityProducer producer, java.util.function.BooleanSupplier canceled) {
      this.producer = producer;
      this.canceled = canceled;
    }

    /** Returns the trailer fields the producer ended its body with, or null if none. */
    @Nullable List<? extends Header> trailers() {
      AsyncBodies.Run current = run;
      return current == null ? null : current.trailers();
    }

    @Override
    public boolean writeReady(OutputStream out, long maxBytes) throws IOException {
      AsyncBodies.Run current = run;
      if (current == null) run = current = new AsyncBodies.Run(producer, out);
      return current.step(maxBytes);
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
      AsyncBodies.Run current = run;
      // The steps' run goes on into the same stream. Any other run writes a repeatable producer
      // again, rewound as HttpClient's own retries do; the exchange sends it only if its bytes are
      // those of the first send.
      if (current == null || current.ended() || !current.writesTo(out)) {
        if (current != null) producer.releaseResources();
        run = current = new AsyncBodies.Run(producer, out);
      }
      current.drain(AsyncBodies.STALL_NANOS, canceled);
    }
  }
}
