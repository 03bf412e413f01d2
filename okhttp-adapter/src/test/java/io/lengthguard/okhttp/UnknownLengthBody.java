package io.lengthguard.okhttp;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import okio.BufferedSink;
import org.jspecify.annotations.Nullable;

/**
 * A request body of unknown length ({@code contentLength() == -1}), written in small pieces as a
 * serializer would. A one-shot body fails if written twice.
 */
final class UnknownLengthBody extends RequestBody {
  static final MediaType OCTET_STREAM = MediaType.get("application/octet-stream");

  private final byte[] bytes;
  private final boolean oneShot;
  private final AtomicInteger writes = new AtomicInteger();

  private UnknownLengthBody(byte[] bytes, boolean oneShot) {
    this.bytes = bytes;
    this.oneShot = oneShot;
  }

  /** Returns a body that can be written any number of times. */
  static UnknownLengthBody replayable(byte[] bytes) {
    return new UnknownLengthBody(bytes, false);
  }

  /** Returns a body that can be written once, like a stream. */
  static UnknownLengthBody oneShot(byte[] bytes) {
    return new UnknownLengthBody(bytes, true);
  }

  /** Returns how many times {@link #writeTo} was called. */
  int writes() {
    return writes.get();
  }

  @Override
  public @Nullable MediaType contentType() {
    return OCTET_STREAM;
  }

  @Override
  public long contentLength() {
    return -1L;
  }

  @Override
  public boolean isOneShot() {
    return oneShot;
  }

  @Override
  public void writeTo(BufferedSink sink) throws IOException {
    if (writes.incrementAndGet() > 1 && oneShot) {
      throw new IllegalStateException("one-shot body written twice");
    }
    for (int offset = 0; offset < bytes.length; offset += 1000) {
      sink.write(bytes, offset, Math.min(1000, bytes.length - offset));
    }
  }
}
