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
 * The caller's body of unknown length, streamed by the guard's exchange on its first send through
 * the async client: HttpClient frames it chunked (on HTTP/2, with no length) and sends it once.
 *
 * <p>The I/O reactor takes the body straight from the exchange's {@link OutgoingBody.Source} when
 * it can send, and never waits: when the caller has written nothing more yet, the source asks for
 * output again once it has.
 */
final class StreamedProducer implements AsyncEntityProducer {
  private final OutgoingBody.Source source;
  private final @Nullable String contentType;
  private final @Nullable String contentEncoding;
  private final boolean askedContinue;
  private final Supplier<@Nullable List<? extends Header>> trailers;
  private volatile @Nullable DataStreamChannel channel;
  private volatile boolean stopped;
  // Both are set on the I/O reactor's thread, which alone calls produce() and handleResponse().
  private volatile boolean produced;
  private volatile boolean handedOn;
  private final Runnable wake =
      () -> {
        DataStreamChannel current = channel;
        if (current != null) current.requestOutput();
      };

  /**
   * @param askedContinue whether the guard, not the caller, put {@code Expect: 100-continue} on the
   *     request that carries this body
   * @param trailers the trailer fields the caller's producer ended its body with, or null; asked
   *     once the whole body was written
   */
  StreamedProducer(
      OutgoingBody body,
      @Nullable String contentType,
      @Nullable String contentEncoding,
      boolean askedContinue,
      Supplier<@Nullable List<? extends Header>> trailers) {
    this(body.openSource(), contentType, contentEncoding, askedContinue, trailers);
  }

  private StreamedProducer(
      OutgoingBody.Source source,
      @Nullable String contentType,
      @Nullable String contentEncoding,
      boolean askedContinue,
      Supplier<@Nullable List<? extends Header>> trailers) {
    this.source = source;
    this.trailers = trailers;
    this.contentType = contentType;
    this.contentEncoding = contentEncoding;
    this.askedContinue = askedContinue;
  }

  /**
   * Returns a producer of the same body for a send without the guard's {@code Expect}, if HttpCore
   * never asked this one for a byte (it asks for none after a final answer to {@code Expect}): this
   * one then gives the body up to it, and stopping it no longer stops the body. Returns null if the
   * guard did not ask for 100 (Continue), or any of the body may have gone. On the I/O reactor's
   * thread.
   */
  @Nullable StreamedProducer withoutContinue() {
    if (!askedContinue || produced || handedOn) return null;
    handedOn = true;
    return new StreamedProducer(source, contentType, contentEncoding, false, trailers);
  }

  /** Returns true if the guard, not the caller, asked for 100 (Continue) before this body. */
  boolean askedContinue() {
    return askedContinue;
  }

  /**
   * Stops the body: the response came and HttpClient stopped sending, or the exchange failed. The
   * exchange stops reading the caller's body. Any thread.
   */
  void stop() {
    stopped = true;
    if (!handedOn) source.close();
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
    return stopped || handedOn ? 0 : source.available();
  }

  @Override
  public void produce(DataStreamChannel channel) throws IOException {
    this.channel = channel;
    if (handedOn) return;
    produced = true;
    // After a refusal HttpClient may still ask (on HTTP/2): the body stays unended, as HttpCore's
    // own producers leave it when aborted, and the response goes to the caller.
    if (stopped) return;
    // The caller's own body failure, or a body the exchange abandoned, fails the send here.
    if (source.writeTo((b, off, len) -> channel.write(ByteBuffer.wrap(b, off, len)), wake)) {
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
