package io.lengthguard.httpclient5;

import io.lengthguard.testing.StrictOrigin;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;

/** Origins the tests need beyond core's {@link StrictOrigin}. */
final class Origins {
  private Origins() {}

  /**
   * Answers the first {@code count} requests with 411 before reading their bodies and closes the
   * connection, as haproxy does; then behaves as a {@link StrictOrigin}.
   */
  static final class EarlyLengthRequired extends Dispatcher {
    private static final MockResponse EARLY_411 =
        new MockResponse.Builder().code(411).body("Length Required").doNotReadRequestBody().build();

    private final AtomicInteger remaining;
    private final StrictOrigin strict = new StrictOrigin();

    EarlyLengthRequired(int count) {
      this.remaining = new AtomicInteger(count);
    }

    @Override
    public MockResponse peek() {
      // Runs after the request headers and before the body: this decides whether it is read.
      return remaining.get() > 0 ? EARLY_411 : super.peek();
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      if (remaining.getAndUpdate(n -> Math.max(0, n - 1)) > 0) return EARLY_411;
      return strict.dispatch(request);
    }
  }

  /**
   * Answers 307 to {@code /upload}, pointing to {@code /moved}, and 200 with "moved" to any other
   * path: each after reading the body.
   */
  static final class TemporaryRedirect extends Dispatcher {
    @Override
    public MockResponse dispatch(RecordedRequest request) {
      if (request.getTarget().startsWith("/upload")) {
        return new MockResponse.Builder().code(307).addHeader("Location", "/moved").build();
      }
      return new MockResponse.Builder().code(200).body("moved").build();
    }
  }

  /** Reads every request and answers 411, with or without a Content-Length. */
  static final class AlwaysLengthRequired extends Dispatcher {
    @Override
    public MockResponse dispatch(RecordedRequest request) {
      return new MockResponse.Builder().code(411).body("Length Required").build();
    }
  }

  /** Asks for Basic credentials ({@code user:pass}), then behaves as a {@link StrictOrigin}. */
  static final class BasicAuth extends Dispatcher {
    static final String EXPECTED = "Basic dXNlcjpwYXNz";

    private final StrictOrigin strict = new StrictOrigin();

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      if (!EXPECTED.equals(request.getHeaders().get("Authorization"))) {
        return new MockResponse.Builder()
            .code(401)
            .addHeader("WWW-Authenticate", "Basic realm=\"test\"")
            .body("Unauthorized")
            .build();
      }
      return strict.dispatch(request);
    }
  }
}
