package io.lengthguard.probe;

import java.io.Closeable;
import java.io.IOException;
import java.net.URI;

/** One HTTP client of the demo, set up bare or with LengthGuard. */
interface Sender extends Closeable {
  /**
   * POSTs {@code body} to {@code url} as a body of unknown length, as a streaming serializer would,
   * and returns the final status code.
   */
  int post(URI url, byte[] body) throws IOException;
}
