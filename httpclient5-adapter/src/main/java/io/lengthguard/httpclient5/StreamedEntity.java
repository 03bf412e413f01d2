package io.lengthguard.httpclient5;

import io.lengthguard.OutgoingBody;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.apache.hc.core5.function.Supplier;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.jspecify.annotations.Nullable;

/**
 * The caller's body of unknown length, streamed by the guard's exchange on its first send:
 * HttpClient frames it chunked. A second write, for HttpClient's redirect, authentication or retry,
 * sends the first's bytes from the guard's copy; {@link #isRepeatable()} is the exchange's answer
 * to whether it may. It keeps the content type and coding of the caller's entity.
 */
final class StreamedEntity implements HttpEntity {
  private final OutgoingBody body;
  private final @Nullable String contentType;
  private final @Nullable String contentEncoding;

  StreamedEntity(
      OutgoingBody body, @Nullable String contentType, @Nullable String contentEncoding) {
    this.body = body;
    this.contentType = contentType;
    this.contentEncoding = contentEncoding;
  }

  /**
   * Returns true if HttpClient may write the body again: the caller's entity is repeatable, ended
   * whole, and the guard keeps its copy. RedirectExec, ProtocolExec and HttpRequestRetryExec ask
   * after the response or failure.
   */
  @Override
  public boolean isRepeatable() {
    return !body.isOneShot();
  }

  @Override
  public InputStream getContent() throws IOException {
    return body.openStream();
  }

  @Override
  public void writeTo(OutputStream out) throws IOException {
    body.writeTo(out);
  }

  @Override
  public boolean isStreaming() {
    return true;
  }

  @Override
  public @Nullable Supplier<List<? extends Header>> getTrailers() {
    return null;
  }

  @Override
  public long getContentLength() {
    return -1L;
  }

  @Override
  public @Nullable String getContentType() {
    return contentType;
  }

  @Override
  public @Nullable String getContentEncoding() {
    return contentEncoding;
  }

  @Override
  public boolean isChunked() {
    return true;
  }

  @Override
  public Set<String> getTrailerNames() {
    return Collections.emptySet();
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return "StreamedEntity{contentType=" + contentType + "}";
  }
}
