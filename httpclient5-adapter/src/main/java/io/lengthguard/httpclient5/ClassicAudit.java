package io.lengthguard.httpclient5;

import java.io.IOException;
import java.io.OutputStream;
import org.apache.hc.client5.http.classic.ExecChain;
import org.apache.hc.client5.http.classic.ExecChainHandler;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpRequestInterceptor;
import org.apache.hc.core5.http.io.entity.HttpEntityWrapper;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.jspecify.annotations.Nullable;

/**
 * {@link HttpClientFramingAudit} in a classic client: an exec handler just before the main
 * transport puts each request's entity in an {@link AuditedEntity}, and the same object, as the
 * last request interceptor, hands that entity the fields {@code RequestContent} set. The handler
 * gives the caller's entity back when the exchange ends.
 *
 * <p>This class is thread-safe.
 */
final class ClassicAudit implements ExecChainHandler, HttpRequestInterceptor {
  private final HttpClientFramingAudit audit;

  ClassicAudit(HttpClientFramingAudit audit) {
    this.audit = audit;
  }

  @Override
  public ClassicHttpResponse execute(
      ClassicHttpRequest request, ExecChain.Scope scope, ExecChain chain)
      throws IOException, HttpException {
    HttpEntity entity = request.getEntity();
    if (entity == null) return chain.proceed(request, scope);
    RequestAudit requestAudit =
        new RequestAudit(audit, Framing.origin(scope.route.getTargetHost()), "entity");
    AuditedEntity audited = new AuditedEntity(entity, requestAudit);
    // The request here is HttpClient's own copy of the caller's (or the guard's), which PROTOCOL
    // already gave an entity proxy the same way.
    request.setEntity(audited);
    try {
      return chain.proceed(request, scope);
    } finally {
      request.setEntity(entity);
      // A body never written to its end (a refused Expect: 100-continue, a failed write) still
      // has its header findings reported.
      requestAudit.end();
    }
  }

  @Override
  public void process(HttpRequest request, @Nullable EntityDetails entity, HttpContext context)
      throws HttpException, IOException {
    if (entity instanceof AuditedEntity) {
      ((AuditedEntity) entity).headSent(request, context);
    } else {
      RequestAudit.checkHead(
          request, context, entity == null ? 0 : -1, audit.listener(), audit.isStrict());
    }
  }

  @Override
  public String toString() {
    return "ClassicAudit{" + audit + "}";
  }

  /** The entity the request goes with: the caller's, counted as it is written. */
  static final class AuditedEntity extends HttpEntityWrapper {
    private final RequestAudit audit;
    private volatile long declared = -1;

    AuditedEntity(HttpEntity entity, RequestAudit audit) {
      super(entity);
      this.audit = audit;
    }

    void headSent(HttpRequest request, HttpContext context) throws IOException {
      long length = isChunked() ? -1 : getContentLength();
      declared = audit.headSent(request, context, length < 0 ? -1 : length);
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
      long declared = this.declared;
      if (declared < 0) {
        super.writeTo(out);
        return;
      }
      LengthStream counting = new LengthStream(out, declared);
      super.writeTo(counting);
      audit.bodyEnded(declared, counting.written);
      counting.releaseLastByte();
    }
  }

  /**
   * Passes the entity's bytes on to the wire and counts them, holding back the last declared byte:
   * the wire gets it only once the entity has ended with exactly the declared count, so a server
   * never reads a complete request whose bytes are not the entity's (RFC 9112 §6.3: it reads
   * exactly {@code Content-Length} bytes). Bytes past the declared count are counted and dropped.
   */
  private static final class LengthStream extends OutputStream {
    private final OutputStream wire;
    private final long declared;
    private int lastByte = -1;
    long written;

    LengthStream(OutputStream wire, long declared) {
      this.wire = wire;
      this.declared = declared;
    }

    @Override
    public void write(int b) throws IOException {
      if (written < declared - 1) {
        wire.write(b);
      } else if (written == declared - 1) {
        lastByte = b & 0xff;
      }
      written++;
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
      int forward = (int) Math.min(length, Math.max(0, declared - 1 - written));
      if (forward > 0) wire.write(bytes, offset, forward);
      if (forward < length && written + forward == declared - 1) {
        lastByte = bytes[offset + forward] & 0xff;
      }
      written += length;
    }

    void releaseLastByte() throws IOException {
      if (lastByte >= 0) wire.write(lastByte);
    }

    @Override
    public void flush() throws IOException {
      wire.flush();
    }

    @Override
    public void close() {
      // The wire's stream is HttpClient's to close, after writeTo returns: an entity that closes
      // its stream (GzipCompressingEntity does) must not end the body before the last byte.
    }
  }
}
