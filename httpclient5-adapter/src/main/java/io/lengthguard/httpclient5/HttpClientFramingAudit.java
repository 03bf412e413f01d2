package io.lengthguard.httpclient5;

import static java.util.Objects.requireNonNull;

import io.lengthguard.FindingCode;
import io.lengthguard.FramingViolationException;
import io.lengthguard.GuardCounters;
import io.lengthguard.GuardListener;
import java.net.ProtocolException;
import org.apache.hc.client5.http.impl.ChainElement;
import org.apache.hc.client5.http.impl.async.HttpAsyncClientBuilder;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;

/**
 * Audits the framing of every request a client sends, as it goes on the wire: it checks the final
 * header fields with {@link io.lengthguard.FramingCheck}, and counts the bytes the entity (or the
 * async entity producer) actually writes against the {@code Content-Length} sent. Install it in a
 * classic or an async client builder:
 *
 * <pre>{@code
 * GuardCounters counters = GuardCounters.create();
 * CloseableHttpClient client =
 *     HttpClientFramingAudit.create(counters).install(HttpClients.custom()).build();
 * }</pre>
 *
 * <p>{@link #install} adds two parts: a request interceptor, last, which sees the fields as {@code
 * RequestContent} and every other interceptor left them, just before the head is written; and an
 * exec chain handler just before {@link ChainElement#MAIN_TRANSPORT} that counts the bytes the body
 * writes. Each finding goes to the listener ({@link GuardCounters} counts them) and to the {@code
 * System.Logger} named {@code io.lengthguard}, with the method, path and origin, never the query or
 * body bytes.
 *
 * <ul>
 *   <li><b>Header findings</b> are known before anything is sent. {@link #create} sends the request
 *       anyway; {@link #strict} refuses a request with an error finding, with a {@link
 *       FramingViolationException}: no byte of it is sent.
 *   <li><b>A body that writes more or fewer bytes</b> than its {@code Content-Length} fails the
 *       call in both settings, since its request cannot be sent as declared; the finding, {@link
 *       FindingCode#LENGTH_MISMATCH} with the numbers, reaches the listener first. {@link #strict}
 *       throws a {@link FramingViolationException}; {@link #create} throws a {@link
 *       ProtocolException} saying how many bytes were declared and how many written. HttpClient
 *       alone does neither: its {@code ContentLengthOutputStream} silently drops the bytes past the
 *       declared count, so the server reads a complete request with the wrong body, and a body that
 *       ends short leaves the server waiting for the rest until a timeout. The audit holds back the
 *       last declared byte until the body has ended with exactly the declared count, so the server
 *       never receives a complete request with the wrong bytes, and fails the write as soon as the
 *       body ends short.
 * </ul>
 *
 * <p>On HTTP/2 (async client) a body of unknown length goes with no length field and no {@code
 * Transfer-Encoding} (RFC 9113 §8.2.2; HttpClient 5.6 sends no {@code content-length} at all): a
 * request there is checked only when it carries a {@code Content-Length}, so {@link
 * FindingCode#MISSING_LENGTH} and {@link FindingCode#UNFRAMED_BODY} are never reported for it.
 *
 * <p>This class is immutable and thread-safe: one instance serves any number of clients.
 */
public final class HttpClientFramingAudit {
  /** The name of the audit's handler in the exec chain. */
  public static final String NAME = "lengthguard-framing-audit";

  private final GuardListener listener;
  private final boolean strict;

  private HttpClientFramingAudit(GuardListener listener, boolean strict) {
    this.listener = requireNonNull(listener, "listener == null");
    this.strict = strict;
  }

  /** Returns an audit that reports findings to {@code listener} and sends requests anyway. */
  public static HttpClientFramingAudit create(GuardListener listener) {
    return new HttpClientFramingAudit(listener, false);
  }

  /**
   * Returns an audit that reports findings to {@code listener} and refuses, with a {@link
   * FramingViolationException}, a request whose framing has an error.
   */
  public static HttpClientFramingAudit strict(GuardListener listener) {
    return new HttpClientFramingAudit(listener, true);
  }

  /** Returns true if this audit refuses requests whose framing has an error. */
  public boolean isStrict() {
    return strict;
  }

  /**
   * Installs this audit in a classic client's {@code builder} and returns {@code builder}. Install
   * it after any request interceptor you add last yourself: it checks the fields as the
   * interceptors installed before it left them.
   */
  public HttpClientBuilder install(HttpClientBuilder builder) {
    requireNonNull(builder, "builder == null");
    ClassicAudit audit = new ClassicAudit(this);
    // RequestContent runs inside MAIN_TRANSPORT: only a request interceptor sees its fields.
    return builder
        .addExecInterceptorBefore(ChainElement.MAIN_TRANSPORT.name(), NAME, audit)
        .addRequestInterceptorLast(audit);
  }

  /**
   * Installs this audit in an async client's {@code builder} and returns {@code builder}. Install
   * it after any request interceptor you add last yourself: it checks the fields as the
   * interceptors installed before it left them.
   */
  public HttpAsyncClientBuilder install(HttpAsyncClientBuilder builder) {
    requireNonNull(builder, "builder == null");
    AsyncAudit audit = new AsyncAudit(this);
    return builder
        .addExecInterceptorBefore(ChainElement.MAIN_TRANSPORT.name(), NAME, audit)
        .addRequestInterceptorLast(audit);
  }

  GuardListener listener() {
    return listener;
  }

  @Override
  public String toString() {
    return "HttpClientFramingAudit{" + (strict ? "strict" : "lenient") + ", " + listener + "}";
  }
}
