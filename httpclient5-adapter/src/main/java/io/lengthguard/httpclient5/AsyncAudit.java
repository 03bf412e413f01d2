package io.lengthguard.httpclient5;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.hc.client5.http.async.AsyncExecCallback;
import org.apache.hc.client5.http.async.AsyncExecChain;
import org.apache.hc.client5.http.async.AsyncExecChainHandler;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpRequestInterceptor;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.nio.AsyncDataConsumer;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.apache.hc.core5.http.nio.entity.AsyncEntityProducerWrapper;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.jspecify.annotations.Nullable;

/**
 * {@link HttpClientFramingAudit} in an async client: an exec handler just before the main transport
 * hands each request on with an {@link AuditedProducer}, and the same object, as the last request
 * interceptor, gives that producer the fields {@code RequestContent} set (HttpClient passes the
 * producer to the interceptors as the request's entity details).
 *
 * <p>This class is thread-safe.
 */
final class AsyncAudit implements AsyncExecChainHandler, HttpRequestInterceptor {
  private final HttpClientFramingAudit audit;

  AsyncAudit(HttpClientFramingAudit audit) {
    this.audit = audit;
  }

  @Override
  public void execute(
      HttpRequest request,
      @Nullable AsyncEntityProducer producer,
      AsyncExecChain.Scope scope,
      AsyncExecChain chain,
      AsyncExecCallback callback)
      throws HttpException, IOException {
    if (producer == null) {
      chain.proceed(request, null, scope, callback);
      return;
    }
    RequestAudit requestAudit =
        new RequestAudit(audit, Framing.origin(scope.route.getTargetHost()), "entity producer");
    chain.proceed(
        request,
        new AuditedProducer(producer, requestAudit),
        scope,
        new Ending(callback, requestAudit));
  }

  @Override
  public void process(HttpRequest request, @Nullable EntityDetails entity, HttpContext context)
      throws HttpException, IOException {
    if (entity instanceof AuditedProducer) {
      ((AuditedProducer) entity).headSent(request, context);
    } else {
      RequestAudit.checkHead(
          request, context, entity == null ? 0 : -1, audit.listener(), audit.isStrict());
    }
  }

  @Override
  public String toString() {
    return "AsyncAudit{" + audit + "}";
  }

  /** Reports the head's findings when the exchange ends, whether or not the body was written. */
  private static final class Ending implements AsyncExecCallback {
    private final AsyncExecCallback callback;
    private final RequestAudit audit;

    Ending(AsyncExecCallback callback, RequestAudit audit) {
      this.callback = callback;
      this.audit = audit;
    }

    @Override
    public @Nullable AsyncDataConsumer handleResponse(
        HttpResponse response, @Nullable EntityDetails entityDetails)
        throws HttpException, IOException {
      return callback.handleResponse(response, entityDetails);
    }

    @Override
    public void handleInformationResponse(HttpResponse response) throws HttpException, IOException {
      callback.handleInformationResponse(response);
    }

    @Override
    public void completed() {
      audit.end();
      callback.completed();
    }

    @Override
    public void failed(Exception cause) {
      audit.end();
      callback.failed(cause);
    }
  }

  /**
   * The caller's producer, counted as it writes. The last declared byte is held back until the body
   * has ended with exactly the declared count, so a server never reads a complete request whose
   * bytes are not the producer's (RFC 9112 §6.3); bytes past the declared count are counted and
   * dropped. A held byte the channel has no room for goes out on the next call, then the end.
   */
  static final class AuditedProducer extends AsyncEntityProducerWrapper {
    private final AsyncEntityProducer producer;
    private final RequestAudit audit;
    private long declared = -1;
    private long written;
    private @Nullable ByteBuffer lastByte;
    private boolean endPending;
    private @Nullable List<? extends Header> trailers;

    AuditedProducer(AsyncEntityProducer producer, RequestAudit audit) {
      super(producer);
      this.producer = producer;
      this.audit = audit;
    }

    /** Returns the producer this one counts. */
    AsyncEntityProducer producer() {
      return producer;
    }

    synchronized void headSent(HttpRequest request, HttpContext context) throws IOException {
      long length = producer.isChunked() ? -1 : producer.getContentLength();
      declared = audit.headSent(request, context, length < 0 ? -1 : length);
      written = 0;
      lastByte = null;
      endPending = false;
    }

    @Override
    public synchronized void produce(DataStreamChannel channel) throws IOException {
      if (declared < 0) {
        producer.produce(channel);
      } else if (endPending) {
        end(channel);
      } else {
        producer.produce(new Counter(channel));
      }
    }

    /** Writes the held byte and ends the stream, or asks to be called again when it cannot. */
    private void end(DataStreamChannel channel) throws IOException {
      ByteBuffer held = lastByte;
      if (held != null && held.hasRemaining() && channel.write(held) == 0) {
        endPending = true;
        channel.requestOutput();
        return;
      }
      endPending = false;
      List<? extends Header> last = trailers;
      if (last == null) {
        channel.endStream();
      } else {
        channel.endStream(last);
      }
    }

    @Override
    public synchronized int available() {
      return endPending ? 1 : producer.available();
    }

    @Override
    public void failed(Exception cause) {
      producer.failed(cause);
    }

    @Override
    public void releaseResources() {
      producer.releaseResources();
    }

    @Override
    public String toString() {
      return "AuditedProducer{" + producer + "}";
    }

    /** Counts what the producer writes and passes the declared bytes on, but the last. */
    private final class Counter implements DataStreamChannel {
      private final DataStreamChannel channel;

      Counter(DataStreamChannel channel) {
        this.channel = channel;
      }

      @Override
      public void requestOutput() {
        channel.requestOutput();
      }

      @Override
      public int write(ByteBuffer src) throws IOException {
        int start = src.position();
        long room = declared - 1 - written;
        if (room > 0 && src.hasRemaining()) {
          int allowed = (int) Math.min(src.remaining(), room);
          int limit = src.limit();
          int taken;
          src.limit(start + allowed);
          try {
            taken = channel.write(src);
          } finally {
            src.limit(limit);
          }
          written += taken;
          if (taken < allowed) return taken; // the channel is full
        }
        if (written == declared - 1 && src.hasRemaining()) {
          ByteBuffer held = ByteBuffer.allocate(1);
          held.put(src.get()).flip();
          lastByte = held;
          written++;
        }
        written += src.remaining();
        src.position(src.limit());
        return src.position() - start;
      }

      @Override
      public void endStream() throws IOException {
        endStream(null);
      }

      @Override
      public void endStream(@Nullable List<? extends Header> trailers) throws IOException {
        audit.bodyEnded(declared, written);
        AuditedProducer.this.trailers = trailers;
        end(channel);
      }
    }
  }
}
