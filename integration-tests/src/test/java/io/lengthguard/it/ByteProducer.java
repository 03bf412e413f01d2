package io.lengthguard.it;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.jspecify.annotations.Nullable;

/**
 * An async producer of a payload whose length it does not declare (-1), so HttpClient sends it
 * chunked. A repeatable one starts over on {@link #releaseResources()}, as HttpClient's own
 * producers do; a one-shot one never does, as a producer reading a stream cannot, and fails when
 * asked for more after its end. Each start from the first byte adds one to its {@code writes}.
 *
 * <p>This class is thread-safe.
 */
final class ByteProducer implements AsyncEntityProducer {
  /** How much one write offers, like a producer reading a stream as it is asked. */
  private static final int WRITE_BYTES = 16 * 1024;

  private final byte[] payload;
  private final boolean repeatable;
  private final AtomicInteger writes;
  private int position;
  private boolean started;
  private boolean ended;

  private ByteProducer(byte[] payload, boolean repeatable, AtomicInteger writes) {
    this.payload = payload;
    this.repeatable = repeatable;
    this.writes = writes;
  }

  static ByteProducer repeatable(byte[] payload, AtomicInteger writes) {
    return new ByteProducer(payload, true, writes);
  }

  static ByteProducer oneShot(byte[] payload, AtomicInteger writes) {
    return new ByteProducer(payload, false, writes);
  }

  @Override
  public boolean isRepeatable() {
    return repeatable;
  }

  @Override
  public long getContentLength() {
    return -1;
  }

  @Override
  public String getContentType() {
    return ContentType.APPLICATION_OCTET_STREAM.toString();
  }

  @Override
  public @Nullable String getContentEncoding() {
    return null;
  }

  @Override
  public boolean isChunked() {
    return false;
  }

  @Override
  public @Nullable Set<String> getTrailerNames() {
    return null;
  }

  @Override
  public synchronized int available() {
    return payload.length - position;
  }

  @Override
  public synchronized void produce(DataStreamChannel channel) throws IOException {
    if (ended) throw new IllegalStateException("producer asked for more after its end");
    if (!started) writes.incrementAndGet();
    started = true;
    while (position < payload.length) {
      int offered = Math.min(WRITE_BYTES, payload.length - position);
      int taken = channel.write(ByteBuffer.wrap(payload, position, offered));
      position += taken;
      if (taken < offered) {
        channel.requestOutput(); // the channel is full: called again when it has room
        return;
      }
    }
    ended = true;
    channel.endStream();
  }

  @Override
  public void failed(Exception cause) {}

  @Override
  public synchronized void releaseResources() {
    if (!repeatable) return;
    position = 0;
    started = false;
    ended = false;
  }
}
