package io.lengthguard.httpclient5;

import static java.util.Objects.requireNonNull;

import io.lengthguard.FrozenBody;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.apache.hc.core5.function.Supplier;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.jspecify.annotations.Nullable;

/**
 * An {@link HttpEntity} of a {@link FrozenBody}: repeatable, not chunked, not streaming, with an
 * exact {@link #getContentLength() length}. HttpClient's {@code RequestContent} frames it with
 * {@code Content-Length}, and every send writes the same bytes without copying them.
 *
 * <p>The entity does not own its body: {@link #close()} leaves the body open, and whoever froze the
 * body closes it. This class is immutable and thread-safe.
 */
public final class FrozenEntity implements HttpEntity {

  private final FrozenBody body;
  private final @Nullable String contentType;
  private final @Nullable String contentEncoding;
  private final boolean oneShot;

  private FrozenEntity(
      FrozenBody body,
      @Nullable String contentType,
      @Nullable String contentEncoding,
      boolean oneShot) {
    this.body = body;
    this.contentType = contentType;
    this.contentEncoding = contentEncoding;
    this.oneShot = oneShot;
  }

  /** Returns an entity of {@code body}, with {@code contentType} or no content type if null. */
  public static FrozenEntity of(FrozenBody body, @Nullable ContentType contentType) {
    requireNonNull(body, "body == null");
    return new FrozenEntity(body, contentType == null ? null : contentType.toString(), null, false);
  }

  /**
   * Returns an entity that keeps the content type and coding of the entity it was frozen from; a
   * one-shot entity says it is not repeatable, so that HttpClient repeats it no more than it would
   * have repeated the caller's.
   */
  static FrozenEntity of(
      FrozenBody body,
      @Nullable String contentType,
      @Nullable String contentEncoding,
      boolean oneShot) {
    return new FrozenEntity(body, contentType, contentEncoding, oneShot);
  }

  /** Returns the frozen body this entity writes. */
  public FrozenBody frozenBody() {
    return body;
  }

  /**
   * Returns true: every send writes the same frozen bytes. The guard's frozen copy of a one-shot
   * entity returns false, as the caller's did.
   */
  @Override
  public boolean isRepeatable() {
    return !oneShot;
  }

  /** Returns a new stream of the frozen bytes; the caller closes it. */
  @Override
  public InputStream getContent() throws IOException {
    return body.openStream();
  }

  /**
   * Writes the frozen bytes to {@code out}, segment by segment, without a copy: HttpCore sends a
   * write as large as its 8 KiB buffer straight to the socket. Does not close {@code out}.
   */
  @Override
  public void writeTo(OutputStream out) throws IOException {
    requireNonNull(out, "out == null");
    body.writeTo(out);
  }

  /** Returns false: the bytes are held, not read from a connection. */
  @Override
  public boolean isStreaming() {
    return false;
  }

  /** Returns null: a body framed by {@code Content-Length} has no trailers (RFC 9112 §7.1.2). */
  @Override
  public @Nullable Supplier<List<? extends Header>> getTrailers() {
    return null;
  }

  /** Returns the exact number of bytes: the value of {@code Content-Length}. */
  @Override
  public long getContentLength() {
    return body.contentLength();
  }

  @Override
  public @Nullable String getContentType() {
    return contentType;
  }

  @Override
  public @Nullable String getContentEncoding() {
    return contentEncoding;
  }

  /** Returns false: the length is known, so the entity is never chunked. */
  @Override
  public boolean isChunked() {
    return false;
  }

  @Override
  public Set<String> getTrailerNames() {
    return Collections.emptySet();
  }

  /** Does nothing: the body belongs to whoever froze it. */
  @Override
  public void close() {}

  @Override
  public String toString() {
    return "FrozenEntity{length="
        + body.contentLength()
        + ", contentType="
        + contentType
        + (contentEncoding != null ? ", contentEncoding=" + contentEncoding : "")
        + "}";
  }
}
