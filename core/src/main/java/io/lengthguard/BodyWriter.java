package io.lengthguard;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes a request body to a stream, once. Typically a serializer: {@code out ->
 * mapper.writeValue(out, dto)}.
 *
 * <p>The stream given to {@link #writeTo} belongs to LengthGuard: closing it is allowed and does
 * nothing.
 */
@FunctionalInterface
public interface BodyWriter {
  /** Writes the whole body to {@code out}. */
  void writeTo(OutputStream out) throws IOException;
}
