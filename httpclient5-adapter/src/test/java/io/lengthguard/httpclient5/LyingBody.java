package io.lengthguard.httpclient5;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.Set;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.nio.DataStreamChannel;

/**
 * A body that declares {@code declared} bytes (-1 for unknown) and writes {@code bytes}, as a
 * classic entity or an async producer; both are repeatable. The declared count is written first and
 * flushed, as a streaming serializer may, then the rest.
 */
record LyingBody(long declared, byte[] bytes) {
  private static final String TYPE = ContentType.APPLICATION_OCTET_STREAM.toString();

  /** Returns a body that declares {@code declared} bytes and writes {@code bytes}. */
  static LyingBody of(long declared, byte[] bytes) {
    return new LyingBody(declared, bytes);
  }

  /** Returns a body that declares exactly the bytes it writes. */
  static LyingBody honest(byte[] bytes) {
    return new LyingBody(bytes.length, bytes);
  }

  /** Returns a body of unknown length, which HttpClient sends chunked on HTTP/1.1. */
  static LyingBody unknownLength(byte[] bytes) {
    return new LyingBody(-1, bytes);
  }

  HttpEntity entity() {
    return new AbstractHttpEntity(TYPE, null) {
      @Override
      public long getContentLength() {
        return declared;
      }

      @Override
      public InputStream getContent() {
        return new ByteArrayInputStream(bytes);
      }

      @Override
      public boolean isRepeatable() {
        return true;
      }

      @Override
      public boolean isStreaming() {
        return false;
      }

      @Override
      public void writeTo(OutputStream out) throws IOException {
        int first = (int) (declared < 0 ? bytes.length : Math.min(declared, bytes.length));
        out.write(bytes, 0, first);
        out.flush();
        out.write(bytes, first, bytes.length - first);
      }

      @Override
      public void close() {}
    };
  }

  AsyncEntityProducer producer() {
    return new Producer();
  }

  /** Produces at most 8 KiB per call, as a producer reading a stream as it is asked. */
  private final class Producer implements AsyncEntityProducer {
    private ByteBuffer buffer = ByteBuffer.wrap(bytes);

    @Override
    public boolean isRepeatable() {
      return true;
    }

    @Override
    public void failed(Exception cause) {}

    @Override
    public long getContentLength() {
      return declared;
    }

    @Override
    public String getContentType() {
      return TYPE;
    }

    @Override
    public String getContentEncoding() {
      return null;
    }

    @Override
    public boolean isChunked() {
      return false;
    }

    @Override
    public Set<String> getTrailerNames() {
      return Collections.emptySet();
    }

    @Override
    public synchronized int available() {
      return buffer.remaining();
    }

    @Override
    public synchronized void produce(DataStreamChannel channel) throws IOException {
      if (buffer.hasRemaining()) {
        ByteBuffer slice = buffer.slice();
        slice.limit(Math.min(slice.remaining(), 8192));
        buffer.position(buffer.position() + channel.write(slice));
      }
      if (buffer.hasRemaining()) {
        channel.requestOutput();
      } else {
        channel.endStream();
      }
    }

    @Override
    public synchronized void releaseResources() {
      buffer = ByteBuffer.wrap(bytes);
    }
  }
}
