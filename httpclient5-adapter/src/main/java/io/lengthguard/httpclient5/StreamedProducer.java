package io.lengthguard.httpclient5;

import io.lengthguard.OutgoingBody;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;
import java.util.Set;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.apache.hc.core5.http.nio.support.classic.SharedOutputBuffer;
import org.jspecify.annotations.Nullable;

/**
 * The caller's body of unknown length, streamed by the guard's exchange on its first send through
 * the async client: HttpClient frames it chunked (on HTTP/2, with no length) and sends it once.
 *
 * <p>A thread of the guard's {@linkplain #pump pumps} the exchange's body into a buffer of {@value
 * #BUFFER_BYTES} bytes; the I/O reactor takes what is there and never waits: an empty buffer asks
 * for output again when bytes arrive (HttpCore's own {@link SharedOutputBuffer}).
 */
final class StreamedProducer implements AsyncEntityProducer {
  static final int BUFFER_BYTES = 64 * 1024;

  private final SharedOutputBuffer buffer = new SharedOutputBuffer(BUFFER_BYTES);
  private final @Nullable String contentType;
  private final @Nullable String contentEncoding;
  private final boolean askedContinue;
  private volatile @Nullable IOException failure;
  private volatile @Nullable DataStreamChannel channel;
  private volatile @Nullable InputStream source;

  /**
   * @param askedContinue whether the guard, not the caller, put {@code Expect: 100-continue} on the
   *     request that carries this body
   */
  StreamedProducer(
      @Nullable String contentType, @Nullable String contentEncoding, boolean askedContinue) {
    this.contentType = contentType;
    this.contentEncoding = contentEncoding;
    this.askedContinue = askedContinue;
  }

  /** Returns true if the guard, not the caller, asked for 100 (Continue) before this body. */
  boolean askedContinue() {
    return askedContinue;
  }

  /**
   * Moves {@code body} into the buffer until its end, on the calling thread (the guard's). Returns
   * normally once the body ended or {@link #stop()} was called; throws the caller's body failure.
   */
  void pump(OutgoingBody body) throws IOException {
    try (InputStream in = body.openStream()) {
      source = in;
      byte[] chunk = new byte[8192];
      int n;
      while ((n = in.read(chunk)) != -1) buffer.write(chunk, 0, n);
      buffer.writeCompleted();
    }
  }

  /**
   * Stops the pump: the response came and HttpClient stopped sending, or the exchange failed. Its
   * waits end at once; the exchange stops reading the caller's body. Any thread.
   */
  void stop() {
    buffer.abort();
    InputStream in = source;
    if (in != null) {
      try {
        in.close();
      } catch (IOException ignored) {
        // The exchange's pipe: closing it only ends its waits.
      }
    }
  }

  /** Fails the send with the caller's own body failure, at HttpClient's next call. */
  void fail(IOException cause) {
    failure = cause;
    DataStreamChannel current = channel;
    if (current != null) current.requestOutput();
  }

  @Override
  public boolean isRepeatable() {
    return false;
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
  public int available() {
    return buffer.length();
  }

  @Override
  public void produce(DataStreamChannel channel) throws IOException {
    this.channel = channel;
    IOException cause = failure;
    if (cause != null) throw cause;
    buffer.flush(channel);
  }

  @Override
  public void failed(Exception cause) {
    stop();
  }

  @Override
  public void releaseResources() {
    stop();
  }

  @Override
  public String toString() {
    return "StreamedProducer{contentType=" + contentType + "}";
  }
}
