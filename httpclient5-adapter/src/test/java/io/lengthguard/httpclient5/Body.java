package io.lengthguard.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;

import io.lengthguard.testing.Payloads;
import io.lengthguard.testing.Wire;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collections;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import mockwebserver3.RecordedRequest;
import org.apache.hc.client5.http.async.methods.DeflatingGzipEntityProducer;
import org.apache.hc.client5.http.entity.GzipCompressingEntity;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.apache.hc.core5.http.nio.entity.AsyncEntityProducerWrapper;
import org.apache.hc.core5.http.nio.entity.BasicAsyncEntityProducer;
import org.apache.hc.core5.http.nio.entity.StringAsyncEntityProducer;
import org.jspecify.annotations.Nullable;

/** The kinds of request body the tests send, as a classic entity and as an async producer. */
enum Body {
  /** Known length: HttpClient sends Content-Length; the guard leaves it alone. */
  KNOWN {
    @Override
    HttpEntity entity(byte[] payload) {
      return new ByteArrayEntity(payload, ContentType.APPLICATION_OCTET_STREAM);
    }

    @Override
    AsyncEntityProducer producer(byte[] payload) {
      return new BasicAsyncEntityProducer(payload, ContentType.APPLICATION_OCTET_STREAM);
    }
  },
  /** Repeatable but chunked: HttpClient sends Transfer-Encoding. */
  REPEATABLE {
    @Override
    HttpEntity entity(byte[] payload) {
      return new ByteArrayEntity(payload, ContentType.APPLICATION_OCTET_STREAM, true);
    }

    @Override
    AsyncEntityProducer producer(byte[] payload) {
      return new BasicAsyncEntityProducer(payload, ContentType.APPLICATION_OCTET_STREAM, true);
    }
  },
  /** A one-shot stream of unknown length. */
  ONE_SHOT {
    @Override
    HttpEntity entity(byte[] payload) {
      return new InputStreamEntity(
          Payloads.trickle(payload, 8192), -1, ContentType.APPLICATION_OCTET_STREAM);
    }

    @Override
    AsyncEntityProducer producer(byte[] payload) {
      return new OneShotProducer(payload);
    }
  },
  /**
   * A one-shot body whose producer is momentarily empty: it writes nothing on every other call and
   * asks for output a moment later, as a producer fed by another thread does.
   */
  LATE {
    @Override
    HttpEntity entity(byte[] payload) {
      return ONE_SHOT.entity(payload);
    }

    @Override
    AsyncEntityProducer producer(byte[] payload) {
      return new LateProducer(payload);
    }
  },
  /**
   * A body of unknown length that says it is repeatable but writes its bytes only once: written
   * again, it is empty, as a stream-backed body that forgot to say it is one-shot.
   */
  REPLAYS_EMPTY {
    @Override
    HttpEntity entity(byte[] payload) {
      return new AbstractHttpEntity(ContentType.APPLICATION_OCTET_STREAM, null, true) {
        private boolean written;

        @Override
        public boolean isRepeatable() {
          return true;
        }

        @Override
        public long getContentLength() {
          return -1;
        }

        @Override
        public InputStream getContent() {
          return new ByteArrayInputStream(written ? new byte[0] : payload);
        }

        @Override
        public void writeTo(OutputStream out) throws IOException {
          if (!written) out.write(payload);
          written = true;
        }

        @Override
        public boolean isStreaming() {
          return false;
        }

        @Override
        public void close() {}
      };
    }

    @Override
    AsyncEntityProducer producer(byte[] payload) {
      // Rewinding does nothing: a second run finds the body at its end.
      return new AsyncEntityProducerWrapper(new OneShotProducer(payload)) {
        @Override
        public boolean isRepeatable() {
          return true;
        }
      };
    }
  },
  /** A gzip-compressed body: unknown length, {@code Content-Encoding: gzip}. */
  GZIP {
    @Override
    byte[] payload(int size) {
      byte[] text = Base64.getEncoder().encode(Payloads.bytes(size));
      return java.util.Arrays.copyOf(text, size);
    }

    @Override
    HttpEntity entity(byte[] payload) {
      return new GzipCompressingEntity(new ByteArrayEntity(payload, ContentType.TEXT_PLAIN));
    }

    @Override
    AsyncEntityProducer producer(byte[] payload) {
      return new DeflatingGzipEntityProducer(
          new StringAsyncEntityProducer(
              new String(payload, StandardCharsets.US_ASCII), ContentType.TEXT_PLAIN));
    }

    @Override
    void assertArrived(RecordedRequest request, byte[] payload) {
      assertThat(request.getHeaders().get("Content-Encoding")).isEqualTo("gzip");
      assertThat(request.getHeaders().get("Transfer-Encoding")).isNull();
      assertThat(request.getChunkSizes()).isNull();
      byte[] wire = request.getBody() == null ? new byte[0] : request.getBody().toByteArray();
      assertThat(request.getHeaders().values("Content-Length"))
          .containsExactly(String.valueOf(wire.length));
      assertThat(gunzip(wire)).as("gunzipped body").isEqualTo(payload);
    }
  };

  /** Returns a payload of {@code size} bytes for this kind. */
  byte[] payload(int size) {
    return Payloads.bytes(size);
  }

  /** Returns a classic entity of {@code payload}. */
  abstract HttpEntity entity(byte[] payload);

  /** Returns an async producer of {@code payload}. */
  abstract AsyncEntityProducer producer(byte[] payload);

  /** Asserts that {@code request} carried {@code payload} with its exact Content-Length. */
  void assertArrived(RecordedRequest request, byte[] payload) {
    Wire.assertExactLength(request, payload);
  }

  static byte[] gunzip(byte[] gzip) {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A producer that can be read once: not repeatable, of unknown length. */
  static final class OneShotProducer extends UnknownLengthProducer {
    private final ByteBuffer buffer;
    private boolean ended;

    OneShotProducer(byte[] payload) {
      this.buffer = ByteBuffer.wrap(payload);
    }

    @Override
    public synchronized int available() {
      return buffer.remaining();
    }

    @Override
    public synchronized void produce(DataStreamChannel channel) throws IOException {
      if (ended) return;
      // One buffer of at most 8 KiB per call, like a producer reading a stream as it is asked.
      if (buffer.hasRemaining()) {
        ByteBuffer slice = buffer.slice();
        slice.limit(Math.min(slice.remaining(), 8192));
        buffer.position(buffer.position() + channel.write(slice));
      }
      if (buffer.hasRemaining()) {
        channel.requestOutput();
        return;
      }
      ended = true;
      channel.endStream();
    }
  }

  /**
   * A one-shot producer fed by another thread: before each chunk it writes nothing, however often
   * it is called, until its feeder has the chunk (5 ms later) and asks for output.
   */
  static final class LateProducer extends UnknownLengthProducer {
    private final OneShotProducer producer;
    private boolean ready;
    private boolean waiting;

    LateProducer(byte[] payload) {
      this.producer = new OneShotProducer(payload);
    }

    @Override
    public int available() {
      return producer.available();
    }

    @Override
    public synchronized void produce(DataStreamChannel channel) throws IOException {
      if (ready) {
        ready = false;
        producer.produce(channel);
        return;
      }
      if (waiting) return;
      waiting = true;
      Thread feeder =
          new Thread(
              () -> {
                try {
                  Thread.sleep(5);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                synchronized (this) {
                  waiting = false;
                  ready = true;
                }
                channel.requestOutput();
              });
      feeder.setDaemon(true);
      feeder.start();
    }
  }

  /** A one-shot producer that never ends; it counts what it wrote. */
  static final class EndlessProducer implements AsyncEntityProducer {
    private final java.util.concurrent.atomic.AtomicLong written =
        new java.util.concurrent.atomic.AtomicLong();
    private final ByteBuffer chunk = ByteBuffer.wrap(Payloads.bytes(8192));
    private final long failAfter;
    private final @Nullable IOException failure;

    EndlessProducer() {
      this(Long.MAX_VALUE, null);
    }

    private EndlessProducer(long failAfter, @Nullable IOException failure) {
      this.failAfter = failAfter;
      this.failure = failure;
    }

    /** Returns a producer whose source fails with {@code failure} after {@code bytes}. */
    static EndlessProducer failingAfter(long bytes, IOException failure) {
      return new EndlessProducer(bytes, failure);
    }

    /** Waits until {@code bytes} were written, up to 10 s. */
    void awaitBytes(long bytes) throws InterruptedException {
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
      while (written.get() < bytes && System.nanoTime() < deadline) Thread.sleep(1);
      assertThat(written.get()).as("bytes written").isGreaterThanOrEqualTo(bytes);
    }

    /** Returns true once no byte was written for 200 ms, within 5 s. */
    boolean awaitStopped() throws InterruptedException {
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
      while (System.nanoTime() < deadline) {
        long before = written.get();
        Thread.sleep(200);
        if (written.get() == before) return true;
      }
      return false;
    }

    @Override
    public boolean isRepeatable() {
      return false;
    }

    @Override
    public void failed(Exception cause) {}

    @Override
    public long getContentLength() {
      return -1;
    }

    @Override
    public String getContentType() {
      return null;
    }

    @Override
    public String getContentEncoding() {
      return null;
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
      return chunk.capacity();
    }

    @Override
    public synchronized void produce(DataStreamChannel channel) throws IOException {
      long left = failAfter - written.get();
      if (left <= 0 && failure != null) throw failure;
      ByteBuffer view = chunk.duplicate();
      view.limit((int) Math.min(view.capacity(), left));
      written.addAndGet(channel.write(view));
      channel.requestOutput();
    }

    @Override
    public void releaseResources() {}
  }

  /** A producer that waits for data from elsewhere: it writes nothing until told to. */
  static final class StalledProducer implements AsyncEntityProducer {
    @Override
    public boolean isRepeatable() {
      return false;
    }

    @Override
    public void failed(Exception cause) {}

    @Override
    public long getContentLength() {
      return -1;
    }

    @Override
    public String getContentType() {
      return null;
    }

    @Override
    public String getContentEncoding() {
      return null;
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
      return 0;
    }

    @Override
    public void produce(DataStreamChannel channel) {}

    @Override
    public void releaseResources() {}
  }
}
