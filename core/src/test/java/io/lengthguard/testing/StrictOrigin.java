package io.lengthguard.testing;

import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;

/**
 * A mockwebserver3 dispatcher that behaves like a strict gateway: 411 for a request body without
 * {@code Content-Length} (chunked, or on HTTP/2 no length at all), otherwise 200 with the number of
 * bytes received in {@code X-Received-Length} and as the body.
 */
public final class StrictOrigin extends Dispatcher {
  private final AtomicInteger lengthRequired = new AtomicInteger();
  private final AtomicInteger accepted = new AtomicInteger();

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    String method = request.getMethod();
    boolean hasBody =
        request.getHeaders().get("Transfer-Encoding") != null
            || request.getHeaders().get("Content-Length") != null
            || request.getBodySize() > 0
            || "POST".equals(method)
            || "PUT".equals(method)
            || "PATCH".equals(method);
    if (hasBody && request.getHeaders().get("Content-Length") == null) {
      lengthRequired.incrementAndGet();
      return new MockResponse.Builder().code(411).body("Length Required").build();
    }
    accepted.incrementAndGet();
    return new MockResponse.Builder()
        .code(200)
        .addHeader("X-Received-Length", request.getBodySize())
        .body(String.valueOf(request.getBodySize()))
        .build();
  }

  /** Returns how many requests got 411. */
  public int lengthRequiredCount() {
    return lengthRequired.get();
  }

  /** Returns how many requests got 200. */
  public int acceptedCount() {
    return accepted.get();
  }
}
