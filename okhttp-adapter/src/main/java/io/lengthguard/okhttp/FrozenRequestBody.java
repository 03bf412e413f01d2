package io.lengthguard.okhttp;

import static java.util.Objects.requireNonNull;

import io.lengthguard.FrozenBody;
import java.io.IOException;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import okio.BufferedSink;
import org.jspecify.annotations.Nullable;

/**
 * A request body of {@linkplain FrozenBody frozen bytes}: its {@link #contentLength()} is exact, so
 * OkHttp sends it with {@code Content-Length} and never chunked, and it may be written any number
 * of times with the same bytes.
 *
 * <p>The frozen body stays the caller's: this class does not close it. Writing after it was closed
 * throws {@link IllegalStateException}.
 *
 * <p>This class is immutable and thread-safe.
 */
public final class FrozenRequestBody extends RequestBody {
  private final FrozenBody body;
  private final @Nullable MediaType contentType;
  private final boolean oneShot;

  private FrozenRequestBody(FrozenBody body, @Nullable MediaType contentType, boolean oneShot) {
    this.body = body;
    this.contentType = contentType;
    this.oneShot = oneShot;
  }

  /** Returns a request body of {@code body}'s bytes, of type {@code contentType} if not null. */
  public static FrozenRequestBody of(FrozenBody body, @Nullable MediaType contentType) {
    return new FrozenRequestBody(requireNonNull(body, "body == null"), contentType, false);
  }

  /** The frozen copy of a caller's body; one-shot if the caller's was. */
  static FrozenRequestBody of(FrozenBody body, @Nullable MediaType contentType, boolean oneShot) {
    return new FrozenRequestBody(body, contentType, oneShot);
  }

  /** Returns the frozen bytes this body sends. */
  public FrozenBody frozenBody() {
    return body;
  }

  @Override
  public @Nullable MediaType contentType() {
    return contentType;
  }

  /** Returns the exact number of bytes {@link #writeTo} writes. */
  @Override
  public long contentLength() {
    return body.contentLength();
  }

  /**
   * Returns false for a body made with {@link #of}: the frozen bytes can be written again, for a
   * retry or a redirect. The guard's frozen copy of a one-shot body stays one-shot, so that OkHttp
   * repeats it no more than it would have repeated the original.
   */
  @Override
  public boolean isOneShot() {
    return oneShot;
  }

  @Override
  public void writeTo(BufferedSink sink) throws IOException {
    // The frozen segments go straight into the sink's own buffer: no intermediate array.
    body.writeTo(sink.outputStream());
  }

  @Override
  public String toString() {
    return "FrozenRequestBody{" + body + ", contentType=" + contentType + "}";
  }
}
