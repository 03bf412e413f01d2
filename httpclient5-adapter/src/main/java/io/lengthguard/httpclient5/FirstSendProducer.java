package io.lengthguard.httpclient5;

import io.lengthguard.BodyCapture;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.apache.hc.core5.http.nio.entity.AsyncEntityProducerWrapper;
import org.jspecify.annotations.Nullable;

/**
 * The first send of a body of unknown length, as HttpClient frames it. For a one-shot producer it
 * keeps a copy of the bytes the connection took in a {@link BodyCapture}, so that a 411 can be
 * answered with the same bytes.
 *
 * <p>It also keeps a 411 from being lost to a failed write. A server may answer 411 and close
 * without reading the body (haproxy does); a write that meets the closed connection fails with
 * {@code Broken pipe} before HttpClient gets to read the 411 waiting on the socket. So a failed
 * write is reported as a full channel, leaving the bytes with the producer, and the failure is
 * raised on the next call to {@link #produce}: HttpClient reads first, and when the 411 is there
 * that call never comes (RFC 9112 §9.6).
 *
 * <p>The first call is the exception: HttpClient makes it as it sends the request head, and flushes
 * right after, in one I/O event with no read in between. So that call passes at most {@value
 * #FIRST_CALL_BYTES} bytes on; a producer sees a full channel, as on a slow network, and is called
 * again once HttpClient has had a chance to read.
 */
final class FirstSendProducer extends AsyncEntityProducerWrapper {
  static final int FIRST_CALL_BYTES = 64 * 1024;

  /** Writes this small always pass: some producers ignore how much a write took. */
  private static final int SMALL_WRITE = 64;

  private static final int CHUNK = 8192;

  private final AsyncEntityProducer producer;
  private final @Nullable BodyCapture capture;
  private boolean started;
  private @Nullable IOException writeFailure;
  private byte @Nullable [] chunk;

  FirstSendProducer(AsyncEntityProducer producer, @Nullable BodyCapture capture) {
    super(producer);
    this.producer = producer;
    this.capture = capture;
  }

  /**
   * Returns true once the body began to be produced. With {@code Expect: 100-continue} a 411 can
   * arrive before that, and the producer is then still untouched.
   */
  synchronized boolean started() {
    return started;
  }

  /** Returns the capture of a one-shot producer's bytes, or null. */
  @Nullable BodyCapture capture() {
    return capture;
  }

  /** Returns the write failure that was put off, or null. */
  synchronized @Nullable IOException writeFailure() {
    return writeFailure;
  }

  @Override
  public boolean isRepeatable() {
    return capture == null && producer.isRepeatable();
  }

  @Override
  public synchronized void produce(DataStreamChannel channel) throws IOException {
    IOException failure = writeFailure;
    if (failure != null) throw failure;
    Tee tee = new Tee(channel, started ? Integer.MAX_VALUE : FIRST_CALL_BYTES);
    started = true;
    producer.produce(tee);
    if (tee.budget <= 0) channel.requestOutput();
  }

  @Override
  public void failed(Exception cause) {
    producer.failed(cause);
  }

  @Override
  public synchronized void releaseResources() {
    writeFailure = null;
    producer.releaseResources();
  }

  private void keep(ByteBuffer taken) {
    BodyCapture capture = this.capture;
    if (capture == null) return;
    if (taken.hasArray()) {
      capture.write(taken.array(), taken.arrayOffset() + taken.position(), taken.remaining());
      return;
    }
    byte[] buffer = chunk;
    if (buffer == null) chunk = buffer = new byte[CHUNK];
    while (taken.hasRemaining()) {
      int n = Math.min(buffer.length, taken.remaining());
      taken.get(buffer, 0, n);
      capture.write(buffer, 0, n);
    }
  }

  /** Passes bytes to the connection, keeps a copy of those it took, and puts off a failure. */
  private final class Tee implements DataStreamChannel {
    private final DataStreamChannel channel;
    private int budget;

    Tee(DataStreamChannel channel, int budget) {
      this.channel = channel;
      this.budget = budget;
    }

    @Override
    public void requestOutput() {
      channel.requestOutput();
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      if (writeFailure != null) return 0;
      int allowed = src.remaining() <= SMALL_WRITE ? src.remaining() : Math.max(budget, 0);
      if (allowed == 0) return 0;
      int start = src.position();
      int limit = src.limit();
      int n;
      try {
        src.limit(start + Math.min(allowed, src.remaining()));
        n = channel.write(src);
        src.limit(limit);
      } catch (IOException e) {
        src.limit(limit);
        // The encoder may have taken bytes before the socket refused them: they stay unsent and
        // uncaptured, so give them back to the producer.
        src.position(start);
        writeFailure = e;
        return 0;
      }
      budget -= n;
      if (n > 0) {
        ByteBuffer taken = src.duplicate();
        taken.position(start).limit(start + n);
        keep(taken);
      }
      return n;
    }

    @Override
    public void endStream() throws IOException {
      if (capture != null) capture.markComplete();
      channel.endStream();
    }

    @Override
    public void endStream(@Nullable List<? extends Header> trailers) throws IOException {
      if (capture != null) capture.markComplete();
      channel.endStream(trailers);
    }
  }
}
