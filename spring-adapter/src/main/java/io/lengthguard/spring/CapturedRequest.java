package io.lengthguard.spring;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpCookie;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.reactive.ClientHttpRequest;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The request {@link LengthGuardClientHttpConnector} hands to WebClient's request callback: it
 * keeps the headers, cookies and attributes the callback sets, and the body publisher it writes,
 * without subscribing to it. The connector then decides how the request goes, and makes each
 * request of the delegate connector it sends.
 */
final class CapturedRequest implements ClientHttpRequest {
  private final HttpMethod method;
  private final URI uri;
  private final HttpHeaders headers = new HttpHeaders();
  private final MultiValueMap<String, HttpCookie> cookies = new LinkedMultiValueMap<>();
  private final Map<String, Object> attributes = new LinkedHashMap<>();
  private final List<Supplier<? extends Mono<Void>>> beforeCommit = new ArrayList<>();
  private volatile boolean committed;
  private @Nullable Publisher<? extends DataBuffer> body;

  CapturedRequest(HttpMethod method, URI uri) {
    this.method = method;
    this.uri = uri;
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
  public MultiValueMap<String, HttpCookie> getCookies() {
    return cookies;
  }

  @Override
  public Map<String, Object> getAttributes() {
    return attributes;
  }

  /**
   * Throws: the native request is made only once the body is known, by the delegate connector.
   * Configure the native client on the connector you wrap instead.
   */
  @Override
  public <T> T getNativeRequest() {
    throw new UnsupportedOperationException(
        "LengthGuardClientHttpConnector sends the request once its body is known, so there is no"
            + " native request yet; configure the client of the connector it wraps instead");
  }

  /** Heap buffers: they may wait unsubscribed while the guard decides, and need no release. */
  @Override
  public DataBufferFactory bufferFactory() {
    return DefaultDataBufferFactory.sharedInstance;
  }

  @Override
  public void beforeCommit(Supplier<? extends Mono<Void>> action) {
    beforeCommit.add(action);
  }

  @Override
  public boolean isCommitted() {
    return committed;
  }

  @Override
  public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
    return commit().then(Mono.fromRunnable(() -> this.body = body));
  }

  @Override
  public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
    return writeWith(Flux.concat(body));
  }

  @Override
  public Mono<Void> setComplete() {
    return commit();
  }

  private Mono<Void> commit() {
    return Mono.defer(
        () -> {
          if (committed) return Mono.error(new IllegalStateException("already committed"));
          committed = true;
          return Flux.fromIterable(beforeCommit).concatMap(Supplier::get).then();
        });
  }

  /** Returns the body the callback wrote, or null if it wrote none. */
  @Nullable Publisher<? extends DataBuffer> body() {
    return body;
  }

  /** Copies the cookies and attributes to {@code request}; the headers are the caller's to copy. */
  void copyExtrasTo(ClientHttpRequest request) {
    request.getCookies().addAll(cookies);
    request.getAttributes().putAll(attributes);
  }

  /** Sends this request as it is through {@code request}: every field, the body untouched. */
  Mono<Void> writeTo(ClientHttpRequest request) {
    SpringFraming.copyAll(headers, request.getHeaders());
    copyExtrasTo(request);
    Publisher<? extends DataBuffer> written = body;
    return written == null ? request.setComplete() : request.writeWith(written);
  }

  @Override
  public String toString() {
    return "CapturedRequest{" + method + " " + uri + "}";
  }
}
