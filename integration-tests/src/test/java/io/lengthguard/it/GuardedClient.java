package io.lengthguard.it;

import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client of one kind with a guard installed, as the tests drive it: each call posts a new body of
 * the kind asked for, built from the payload, and reads the whole response.
 */
interface GuardedClient extends AutoCloseable {
  /**
   * POSTs {@code payload} to {@code uri} as a body of {@code kind} and returns the final response.
   * A body of unknown length adds one to {@code writes} each time it starts writing its bytes from
   * the first; a body of known length is the client's own and counts nothing.
   *
   * @throws Exception what the client threw: the failure of the exchange, unwrapped
   */
  Reply post(URI uri, BodyKind kind, byte[] payload, AtomicInteger writes) throws Exception;

  /** Closes the pooled connections, so that the next request starts on a new one. */
  void closeIdleConnections();

  @Override
  void close();
}
