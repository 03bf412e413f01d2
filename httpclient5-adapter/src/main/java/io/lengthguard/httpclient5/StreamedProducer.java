package io.lengthguard.httpclient5;

import io.lengthguard.OutgoingBody;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.jspecify.annotations.Nullable;

/**
 * The caller's body of unknown length, streamed by the guard's exchange through the async client:
 * HttpClient frames it chunked (on HTTP/2, with no length) and sends it once.
 *
 * <p>The I/O reactor takes the body straight from the exchange's {@link OutgoingBody.Source} when
 * it can send, and never waits: when the caller has written nothing more yet, the source asks for
 * output again once it has. The source is opened when HttpCore first asks for bytes, not before: a
 * body HttpCore never asked for (a final answer to {@code Expect} came first) is still whole, and
 * the exchange may send it again.
 */
final class StreamedProducer implements AsyncEntityProducer {
  private final OutgoingBody body;
  private final @Nullable String contentType;
  private final @Nullable String contentEncoding;
  private final boolean addedExpect;
  private final Supplier<@Nullable List<? extends Header>> trailers;
  private volatile @Nullable DataStreamChannel channel;
  private volatile boolean expectDropped;

  // Guarded by this: opened on the I/O reactor's thread, closed by stop() on any.
  private OutgoingBody.@Nullable Source source;
  private boolean stopped;

  private final Runnable wake =
      () -> {
        DataStreamChannel current = channel;
        if (current != null) current.requestOutput();
      };

  /**
   * @param addedExpect whether the guard, not the caller, put {@code Expect: 100-continue} on the
   *     request that carries this body
   * @param trailers the trailer fields the caller's producer ended its body with, or null; asked
   *     once the whole body was written
   */
  StreamedProducer(
      OutgoingBody body,
      @Nullable String contentType,
      @Nullable String contentEncoding,
      boolean addedExpect,
      Supplier<@Nullable List<? extends Header>> trailers) {
    this.body = body;
    this.trailers = trailers;
    this.contentType = contentType;
    this.contentEncoding = contentEncoding;
    this.addedExpect = addedExpect;
  }

  /** Returns true if this producer writes {@code outgoing}. */
  boolean carries(OutgoingBody outgoing) {
    return body == outgoing;
  }

  /** Returns true if the guard, not the caller, put {@code Expect} on the request. */
  boolean addedExpect() {
    return addedExpect;
  }

  /** Records that the guard's {@code Expect} was taken off the request again (HTTP/2). */
  void dropExpect() {
    expectDropped = true;
  }

  /** Returns true if the request went with the guard's {@code Expect}. */
  boolean sentExpect() {
    return addedExpect && !expectDropped;
  }

  /** Returns true if the exchange may replace an answer of {@code status} to this body's send. */
  boolean mayBeReplacedBy(int status) {
    return body.mayBeReplacedBy(status, sentExpect());
  }

  /**
   * Stops the body: the response came and HttpClient stopped sending, or the exchange failed. The
   * exchange stops reading the caller's body, if HttpCore opened it. Any thread.
   */
  void stop() {
    OutgoingBody.Source opened;
    synchronized (this) {
      stopped = true;
      opened = source;
    }
    if (opened != null) opened.close();
  }

  /** Returns the body's source, opened on the first call; null once stopped. */
  private synchronized OutgoingBody.@Nullable Source source() {
    if (stopped) return null;
    if (source == null) source = body.openSource();
    return source;
  }

  /**
   * Returns false: a body's source opens once, and {@link #releaseResources()} stops it rather than
   * rewinding, so the async client's redirect or retry could not produce the bytes again.
   */
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
    // HttpCore keeps asking for output while this is positive; at 0 it waits for the source's wake.
    // Before it is opened, the body has at least its end to write.
    OutgoingBody.Source current;
    synchronized (this) {
      if (stopped) return 0;
      current = source;
    }
    return current == null ? 1 : current.available();
  }

  @Override
  public void produce(DataStreamChannel channel) throws IOException {
    this.channel = channel;
    // After a refusal HttpClient may still ask (on HTTP/2): the body stays unended, as HttpCore's
    // own producers leave it when aborted, and the response goes to the caller.
    OutgoingBody.Source current = source();
    if (current == null) return;
    // The caller's own body failure, or a body the exchange abandoned, fails the send here.
    if (current.writeTo((b, off, len) -> channel.write(ByteBuffer.wrap(b, off, len)), wake)) {
      // The caller's producer's trailers end the body as they would have without the guard.
      List<? extends Header> fields = trailers.get();
      if (fields == null) {
        channel.endStream();
      } else {
        channel.endStream(fields);
      }
    }
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
