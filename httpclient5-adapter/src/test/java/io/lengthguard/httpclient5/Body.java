package io.lengthguard.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;

import io.lengthguard.testing.Payloads;
import io.lengthguard.testing.Wire;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
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
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.apache.hc.core5.http.nio.entity.BasicAsyncEntityProducer;
import org.apache.hc.core5.http.nio.entity.StringAsyncEntityProducer;

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
  static final class OneShotProducer implements AsyncEntityProducer {
    private final ByteBuffer buffer;
    private boolean ended;

    OneShotProducer(byte[] payload) {
      this.buffer = ByteBuffer.wrap(payload);
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
      return ContentType.APPLICATION_OCTET_STREAM.toString();
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
