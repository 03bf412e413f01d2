package io.lengthguard.httpclient5;

import static java.util.Objects.requireNonNull;

import io.lengthguard.FrozenBody;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.jspecify.annotations.Nullable;

/**
 * An {@link AsyncEntityProducer} of a {@link FrozenBody}: repeatable, not chunked, with an exact
 * {@link #getContentLength() length}, so HttpClient frames it with {@code Content-Length}. It hands
 * the channel read-only views of the frozen bytes ({@link FrozenBody#asReadOnlyBuffers()}), never a
 * copy; {@link #releaseResources()} rewinds it for the next send.
 *
 * <p>The producer does not own its body: whoever froze the body closes it. One exchange at a time
 * uses an instance; its methods are synchronized, so the I/O thread and a releasing thread may
 * meet.
 */
public final class FrozenEntityProducer implements AsyncEntityProducer {
  /** The most one gathered write carries. */
  static final int GATHER_BYTES = 64 * 1024;

  /** The least a gathered write offers, after a channel took less than it was offered. */
  private static final int MIN_GATHER_BYTES = 8 * 1024;

  /**
   * Per I/O thread, the buffer a body held in several arrays is gathered into for one socket write.
   * It is direct: the socket writes a heap buffer through a copy into a direct one of its own, so
   * gathering takes the place of that copy instead of adding one.
   */
  private static final ThreadLocal<ByteBuffer> GATHER =
      ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(GATHER_BYTES));

  private final FrozenBody body;
  private final @Nullable String contentType;
  private final @Nullable String contentEncoding;
  private final boolean oneShot;
  private final boolean gather;

  private @Nullable List<ByteBuffer> buffers;
  private int gatherBytes = GATHER_BYTES;
  private int index;
  private long written;
  private boolean ended;

  private FrozenEntityProducer(
      FrozenBody body,
      @Nullable String contentType,
      @Nullable String contentEncoding,
      boolean oneShot,
      boolean gather) {
    this.body = body;
    this.contentType = contentType;
    this.contentEncoding = contentEncoding;
    this.oneShot = oneShot;
    this.gather = gather;
  }

  /** Returns a producer of {@code body}, with {@code contentType} or no content type if null. */
  public static FrozenEntityProducer of(FrozenBody body, @Nullable ContentType contentType) {
    requireNonNull(body, "body == null");
    return new FrozenEntityProducer(
        body, contentType == null ? null : contentType.toString(), null, false, false);
  }

  /**
   * Returns a producer that keeps the content type and coding of the producer it froze; a one-shot
   * producer says it is not repeatable, so that HttpClient repeats it no more than the caller's.
   * With {@code gather}, for a plain socket, a body held in several arrays goes in writes of up to
   * {@link #GATHER_BYTES} each, through a direct buffer, where it would go one array per write.
   * Over TLS the engine copies each write anyway, and gathering would add a copy.
   */
  static FrozenEntityProducer of(
      FrozenBody body,
      @Nullable String contentType,
      @Nullable String contentEncoding,
      boolean oneShot,
      boolean gather) {
    return new FrozenEntityProducer(body, contentType, contentEncoding, oneShot, gather);
  }

  /** Returns the frozen body this producer writes. */
  public FrozenBody frozenBody() {
    return body;
  }

  /**
   * Returns true: {@link #releaseResources()} rewinds to the first byte. The guard's frozen copy of
   * a one-shot producer returns false, as the caller's did.
   */
  @Override
  public boolean isRepeatable() {
    return !oneShot;
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

  /** Returns false: the length is known, so the body is never chunked. */
  @Override
  public boolean isChunked() {
    return false;
  }

  @Override
  public Set<String> getTrailerNames() {
    return Collections.emptySet();
  }

  /** Returns how many bytes are left to write, at most {@link Integer#MAX_VALUE}. */
  @Override
  public synchronized int available() {
    return (int) Math.min(body.contentLength() - written, Integer.MAX_VALUE);
  }

  /** Writes as many frozen bytes as {@code channel} takes, and ends the stream after the last. */
  @Override
  public synchronized void produce(DataStreamChannel channel) throws IOException {
    if (ended) return;
    List<ByteBuffer> views = buffers;
    if (views == null) buffers = views = body.asReadOnlyBuffers();
    // A body in a file is mapped: its direct buffers are written without a copy as they are.
    boolean gathering = gather && views.size() > 1 && !views.get(0).isDirect();
    while (index < views.size()) {
      if (gathering) {
        if (!writeGathered(channel, views)) return;
        continue;
      }
      ByteBuffer buffer = views.get(index);
      if (buffer.hasRemaining()) {
        written += channel.write(buffer);
        // A full channel takes what it can; it asks for output again when it drains.
        if (buffer.hasRemaining()) return;
      }
      index++;
    }
    ended = true;
    channel.endStream();
  }

  /**
   * Copies the bytes left, from the current view on, into this thread's gather buffer, writes it,
   * and moves on by what the channel took; returns false if it took less than all. What it did not
   * take is gathered again on the next call: the buffer is this thread's, not this body's.
   */
  private boolean writeGathered(DataStreamChannel channel, List<ByteBuffer> views)
      throws IOException {
    while (index < views.size() && !views.get(index).hasRemaining()) index++;
    if (index == views.size()) return true;
    ByteBuffer gathered = GATHER.get();
    gathered.clear().limit(gatherBytes);
    for (int i = index; i < views.size() && gathered.hasRemaining(); i++) {
      ByteBuffer view = views.get(i);
      int position = view.position();
      int limit = view.limit();
      view.limit(position + Math.min(view.remaining(), gathered.remaining()));
      gathered.put(view);
      view.limit(limit).position(position);
    }
    gathered.flip();
    int filled = gathered.remaining();
    int taken = channel.write(gathered);
    written += taken;
    // A channel that takes less (an HTTP/2 frame, a full socket) is next offered no more than it
    // took, so that less is gathered for nothing.
    if (taken > 0 && taken < filled) gatherBytes = Math.max(taken, MIN_GATHER_BYTES);
    for (int left = taken; left > 0; ) {
      ByteBuffer view = views.get(index);
      int step = Math.min(left, view.remaining());
      view.position(view.position() + step);
      left -= step;
      if (!view.hasRemaining()) index++;
    }
    return taken == filled;
  }

  /** Does nothing: the exchange reports the failure; the body stays ready for another send. */
  @Override
  public void failed(Exception cause) {}

  /** Rewinds to the first byte, so that the next send writes the whole body again. */
  @Override
  public synchronized void releaseResources() {
    List<ByteBuffer> views = buffers;
    if (views != null) {
      for (ByteBuffer buffer : views) buffer.rewind();
    }
    index = 0;
    written = 0;
    ended = false;
    gatherBytes = GATHER_BYTES; // the next send may go on another connection
  }

  @Override
  public String toString() {
    return "FrozenEntityProducer{length="
        + body.contentLength()
        + ", contentType="
        + contentType
        + (contentEncoding != null ? ", contentEncoding=" + contentEncoding : "")
        + "}";
  }
}
