package io.lengthguard.httpclient5;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.nio.DataStreamChannel;

/** Drains an {@link AsyncEntityProducer} on the calling thread, to freeze its body. */
final class AsyncBodies {
  /** How many calls in a row may neither write nor end before draining gives up. */
  private static final int MAX_IDLE_CALLS = 3;

  private static final int CHUNK = 8192;

  private AsyncBodies() {}

  /**
   * Runs {@code producer} to the end of its body into {@code out}.
   *
   * @throws IOException if the producer stalls: it waits for data from elsewhere, so it cannot be
   *     drained ahead of the send
   */
  static void drain(AsyncEntityProducer producer, OutputStream out) throws IOException {
    Collector channel = new Collector(out);
    int idle = 0;
    while (!channel.ended) {
      long before = channel.count;
      producer.produce(channel);
      if (channel.count != before || channel.ended) {
        idle = 0;
      } else if (++idle >= MAX_IDLE_CALLS) {
        throw new IOException(
            "entity producer "
                + producer
                + " stopped after "
                + channel.count
                + " bytes without ending its body, so it cannot be frozen before sending; send a"
                + " body of known length, or use a producer that writes when asked");
      }
    }
  }

  /** A channel that takes every byte at once and copies it to a stream. */
  private static final class Collector implements DataStreamChannel {
    private final OutputStream out;
    private long count;
    private boolean ended;
    private byte @org.jspecify.annotations.Nullable [] chunk;

    Collector(OutputStream out) {
      this.out = out;
    }

    @Override
    public void requestOutput() {}

    @Override
    public int write(ByteBuffer src) throws IOException {
      int n = src.remaining();
      if (src.hasArray()) {
        out.write(src.array(), src.arrayOffset() + src.position(), n);
        src.position(src.limit());
      } else {
        byte[] buffer = chunk;
        if (buffer == null) chunk = buffer = new byte[CHUNK];
        while (src.hasRemaining()) {
          int step = Math.min(buffer.length, src.remaining());
          src.get(buffer, 0, step);
          out.write(buffer, 0, step);
        }
      }
      count += n;
      return n;
    }

    @Override
    public void endStream() {
      ended = true;
    }

    @Override
    public void endStream(List<? extends Header> trailers) {
      // Content-Length framing carries no trailers (RFC 9112 §7.1.2).
      ended = true;
    }
  }
}
