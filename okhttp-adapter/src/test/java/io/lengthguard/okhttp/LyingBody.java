package io.lengthguard.okhttp;

import io.lengthguard.testing.Payloads;
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
  private final boolean endless;

  private LyingBody(long declared, byte[] bytes, boolean endless) {
    this.declared = declared;
    this.bytes = bytes;
    this.endless = endless;
  }

  /** Returns a body that declares {@code declared} bytes and writes {@code bytes}. */
  static LyingBody of(long declared, byte[] bytes) {
    return new LyingBody(declared, bytes, false);
  }

  /**
   * Returns a body that declares {@code declared} bytes, writes and flushes {@code first} bytes,
   * then writes 8 KiB at a time for ever, as a stream whose length was wrong.
   */
  static LyingBody endless(long declared, int first) {
    return new LyingBody(declared, Payloads.bytes(first), true);
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
    if (endless) {
      sink.write(bytes);
      sink.flush();
      byte[] chunk = Payloads.bytes(8192);
      while (true) sink.write(chunk);
    }
    int first = (int) Math.min(declared, bytes.length);
    sink.write(bytes, 0, first);
    sink.flush();
    sink.write(bytes, first, bytes.length - first);
  }
}
