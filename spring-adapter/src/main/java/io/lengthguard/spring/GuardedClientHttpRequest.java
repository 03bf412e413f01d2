package io.lengthguard.spring;

import io.lengthguard.GuardedExchange;
import io.lengthguard.LengthGuard;
import io.lengthguard.OutgoingBody;
import io.lengthguard.Transport;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.StreamingHttpOutputMessage;
import org.springframework.http.client.ClientHttpRequest;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.util.FastByteArrayOutputStream;

/**
 * The request {@link LengthGuardClientHttpRequestFactory} hands to Spring. It only collects the
 * caller's headers, attributes and body; {@link #execute()} decides how they go, and makes each
 * delegate request it sends. Used by one thread, as Spring's own requests are.
 */
final class GuardedClientHttpRequest implements ClientHttpRequest, StreamingHttpOutputMessage {
  private final ClientHttpRequestFactory factory;
  private final LengthGuard guard;
  private final URI uri;
  private final HttpMethod method;
  private final HttpHeaders headers = new HttpHeaders();
  private final Map<String, Object> attributes = new LinkedHashMap<>();
  private @Nullable Body body;
  private @Nullable FastByteArrayOutputStream bodyStream;
  private boolean executed;

  GuardedClientHttpRequest(
      ClientHttpRequestFactory factory, LengthGuard guard, URI uri, HttpMethod method) {
    this.factory = factory;
    this.guard = guard;
    this.uri = uri;
    this.method = method;
  }

  @Override
  public HttpMethod getMethod() {
    return method;
  }

  @Override
  public URI getURI() {
    return uri;
  }

  @Override
  public HttpHeaders getHeaders() {
    return headers;
  }

  @Override
  public Map<String, Object> getAttributes() {
    return attributes;
  }

  /**
   * Returns a stream that holds the body in blocks in memory, as Spring's own streaming requests do
   * for {@code getBody()}; it is sent with its exact length.
   */
  @Override
  public OutputStream getBody() {
    requireNotExecuted();
    if (body != null) throw new IllegalStateException("Invoke either getBody or setBody; not both");
    if (bodyStream == null) bodyStream = new FastByteArrayOutputStream(1024);
    return bodyStream;
  }

  @Override
  public void setBody(Body body) {
    if (body == null) throw new NullPointerException("body == null");
    requireNotExecuted();
    if (bodyStream != null) {
      throw new IllegalStateException("Invoke either getBody or setBody; not both");
    }
    this.body = body;
  }

  @Override
  public ClientHttpResponse execute() throws IOException {
    requireNotExecuted();
    executed = true;
    FastByteArrayOutputStream buffered = bodyStream;
    if (buffered != null) {
      // RFC 9110 §8.6: a POST, PUT or PATCH with an empty body still says Content-Length: 0; a
      // request without a body otherwise says nothing (some balancers refuse a GET with a length).
      if (buffered.size() == 0 && !carriesBody(method)) return passThrough(null);
      headers.setContentLength(buffered.size());
      return passThrough(new BufferedBody(buffered));
    }
    Body caller = body;
    if (caller == null || headers.getContentLength() >= 0) return passThrough(caller);

    GuardedExchange exchange = guard.exchange(SpringFraming.origin(uri), method.name());
    return exchange.execute(caller::writeTo, caller.repeatable(), new DelegateTransport()).response;
  }

  /** Sends the caller's request as it is, through one delegate request. */
  private ClientHttpResponse passThrough(@Nullable Body body) throws IOException {
    ClientHttpRequest request = factory.createRequest(uri, method);
    SpringFraming.copyAll(headers, request.getHeaders());
    request.getAttributes().putAll(attributes);
    if (body != null) writeBody(request, body);
    return request.execute();
  }

  private static void writeBody(ClientHttpRequest request, Body body) throws IOException {
    if (request instanceof StreamingHttpOutputMessage) {
      ((StreamingHttpOutputMessage) request).setBody(body);
    } else {
      // A delegate that does not stream (a buffering factory) takes the bytes now.
      OutputStream out = request.getBody();
      body.writeTo(out);
      out.flush();
    }
  }

  private static boolean carriesBody(HttpMethod method) {
    return method == HttpMethod.POST || method == HttpMethod.PUT || method == HttpMethod.PATCH;
  }

  private void requireNotExecuted() {
    if (executed) throw new IllegalStateException("ClientHttpRequest already executed");
  }

  @Override
  public String toString() {
    return "GuardedClientHttpRequest{" + method + " " + uri + "}";
  }

  /** A response, with its status read once: {@link Transport#status} may not throw. */
  private static final class Sent {
    final ClientHttpResponse response;
    final int status;

    Sent(ClientHttpResponse response, int status) {
      this.response = response;
      this.status = status;
    }
  }

  /** Sends each of the exchange's bodies in a fresh request of the delegate factory. */
  private final class DelegateTransport implements Transport<Sent> {
    @Override
    public Sent send(OutgoingBody outgoing) throws IOException {
      ClientHttpRequest request = factory.createRequest(uri, method);
      // Spring's JDK request drops Connection itself (a disallowed header), and HttpClient 5's
      // classic client, the one HttpComponents factory, speaks HTTP/1.1 only.
      SpringFraming.copyForSend(headers, request.getHeaders(), outgoing, true, takesExpect());
      request.getAttributes().putAll(attributes);
      writeBody(request, new OutgoingSpringBody(outgoing));
      ClientHttpResponse response = request.execute();
      try {
        return new Sent(response, response.getStatusCode().value());
      } catch (IOException | RuntimeException e) {
        response.close();
        throw e;
      }
    }

    @Override
    public int status(Sent sent) {
      return sent.status;
    }

    @Override
    public boolean addedExpectContinue(OutgoingBody outgoing) {
      return SpringFraming.addsExpect(headers, outgoing, takesExpect());
    }

    /** Returns false for Spring's JDK request, which drops {@code Expect} (a disallowed header). */
    private boolean takesExpect() {
      return !(factory instanceof JdkClientHttpRequestFactory);
    }

    @Override
    public void discard(Sent sent) {
      try {
        sent.response.close();
      } catch (RuntimeException e) {
        // The response the caller never sees; nothing to tell.
      }
    }
  }

  /**
   * The exchange's body as Spring's: repeatable when its bytes may go again, frozen or from the
   * guard's copy of a streamed body.
   */
  private static final class OutgoingSpringBody implements Body {
    private final OutgoingBody body;

    OutgoingSpringBody(OutgoingBody body) {
      this.body = body;
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
      body.writeTo(out);
    }

    @Override
    public boolean repeatable() {
      return !body.isOneShot();
    }
  }

  /** A body written through {@link #getBody()}: its bytes, as often as asked. */
  private static final class BufferedBody implements Body {
    private final FastByteArrayOutputStream bytes;

    BufferedBody(FastByteArrayOutputStream bytes) {
      this.bytes = bytes;
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
      bytes.writeTo(out);
    }

    @Override
    public boolean repeatable() {
      return true;
    }
  }
}
