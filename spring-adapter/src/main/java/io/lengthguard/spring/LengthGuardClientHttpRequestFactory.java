package io.lengthguard.spring;

import static java.util.Objects.requireNonNull;

import io.lengthguard.GuardPolicy;
import io.lengthguard.LengthGuard;
import java.io.IOException;
import java.net.URI;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.ClientHttpRequest;
import org.springframework.http.client.ClientHttpRequestFactory;

/**
 * A request factory for {@code RestClient} and {@code RestTemplate} that guards any other: the JDK,
 * HttpComponents, Jetty, Reactor and simple factories of Spring 6.2 and 7.0, or your own.
 *
 * <pre>{@code
 * RestClient client = RestClient.builder()
 *     .requestFactory(LengthGuardClientHttpRequestFactory.wrap(new JdkClientHttpRequestFactory()))
 *     .build();
 * RestTemplate template = new RestTemplate(LengthGuardClientHttpRequestFactory.wrap(factory));
 * }</pre>
 *
 * <p>Spring 6.1 and later stream a body they cannot size ({@code InputStreamResource}, a {@link
 * org.springframework.http.StreamingHttpOutputMessage.Body}, JSON through a converter, multipart)
 * without a {@code Content-Length}: chunked on HTTP/1.1, which strict servers answer with 411. Such
 * a body goes through the guard's exchange: read ahead within the policy's limits and sent with its
 * exact length, or streamed as the delegate frames it while a copy is kept (in memory, or spilled
 * to disk as the policy says), and after a 411 sent once more, byte for byte, with its exact length
 * in a fresh request of the delegate. The origin is remembered ({@link
 * io.lengthguard.GuardMode#ADAPTIVE}). Every other header, and the request's attributes, go as the
 * caller set them.
 *
 * <p>Passed through untouched: a request without a body, and a body whose {@code Content-Length}
 * the converter set (a {@code byte[]}, a {@code String}, a file). A body written through {@link
 * ClientHttpRequest#getBody()} (older converters, a {@code RestTemplate} request callback) is held
 * as Spring's own request factories hold it, in blocks in memory, and sent with its exact length;
 * without the guard they send it chunked. A {@code RestClient} with interceptors buffers every body
 * and sets its length before it reaches this factory: those pass through.
 *
 * <p>This class is thread-safe: one instance serves a whole client.
 */
public final class LengthGuardClientHttpRequestFactory implements ClientHttpRequestFactory {
  private final ClientHttpRequestFactory delegate;
  private final LengthGuard guard;

  private LengthGuardClientHttpRequestFactory(
      ClientHttpRequestFactory delegate, LengthGuard guard) {
    this.delegate = delegate;
    this.guard = guard;
  }

  /** Returns a factory that guards {@code delegate} with the default policy. */
  public static LengthGuardClientHttpRequestFactory wrap(ClientHttpRequestFactory delegate) {
    return wrap(delegate, GuardPolicy.defaults());
  }

  /** Returns a factory that guards {@code delegate} as {@code policy} says. */
  public static LengthGuardClientHttpRequestFactory wrap(
      ClientHttpRequestFactory delegate, GuardPolicy policy) {
    requireNonNull(delegate, "delegate == null");
    requireNonNull(policy, "policy == null");
    return new LengthGuardClientHttpRequestFactory(delegate, LengthGuard.create(policy));
  }

  /**
   * Returns a factory that guards {@code delegate} with {@code guard}, sharing its policy, its
   * memory of the origins that want a length, and its memory budget with every other factory and
   * connector given the same guard.
   */
  public static LengthGuardClientHttpRequestFactory wrap(
      ClientHttpRequestFactory delegate, LengthGuard guard) {
    requireNonNull(delegate, "delegate == null");
    requireNonNull(guard, "guard == null");
    return new LengthGuardClientHttpRequestFactory(delegate, guard);
  }

  /** Returns this factory's policy. */
  public GuardPolicy policy() {
    return guard.policy();
  }

  /** Returns the factory that makes the requests this one sends. */
  public ClientHttpRequestFactory delegate() {
    return delegate;
  }

  @Override
  public ClientHttpRequest createRequest(URI uri, HttpMethod httpMethod) throws IOException {
    requireNonNull(uri, "uri == null");
    requireNonNull(httpMethod, "httpMethod == null");
    return new GuardedClientHttpRequest(delegate, guard, uri, httpMethod);
  }

  @Override
  public String toString() {
    return "LengthGuardClientHttpRequestFactory{" + delegate + ", " + guard.policy() + "}";
  }
}
