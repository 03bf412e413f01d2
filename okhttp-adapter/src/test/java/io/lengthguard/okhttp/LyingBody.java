package io.lengthguard.okhttp;

import java.io.IOException;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import okio.BufferedSink;
import org.jspecify.annotations.Nullable;

/**
 * A body whose {@code contentLength()} is not the byte count its {@code writeTo} writes. It writes
 * the declared count first and flushes it, as a streaming serializer may, then the rest.
 */
final class LyingBody extends RequestBody {
  private final long declared;
  private final byte[] bytes;

  private LyingBody(long declared, byte[] bytes) {
    this.declared = declared;
    this.bytes = bytes;
  }

  /** Returns a body that declares {@code declared} bytes and writes {@code bytes}. */
  static LyingBody of(long declared, byte[] bytes) {
    return new LyingBody(declared, bytes);
  }

  @Override
  public @Nullable MediaType contentType() {
    return UnknownLengthBody.OCTET_STREAM;
  }

  @Override
  public long contentLength() {
    return declared;
  }

  @Override
  public void writeTo(BufferedSink sink) throws IOException {
    int first = (int) Math.min(declared, bytes.length);
    sink.write(bytes, 0, first);
    sink.flush();
    sink.write(bytes, first, bytes.length - first);
  }
}
