package io.lengthguard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.lengthguard.testing.Payloads;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.InputStreamResource;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.MediaType;
import org.springframework.http.client.MultipartBodyBuilder;
import org.springframework.web.reactive.function.BodyInserter;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;

/**
 * The bodies WebClient sends without a length, each of about {@code size} bytes: how they are made,
 * and what must reach the server.
 */
enum ReactiveBodyKind {
  INPUT_STREAM_RESOURCE {
    @Override
    BodyInserter<?, ? super org.springframework.http.client.reactive.ClientHttpRequest> body(
        byte[] payload, Path dir) {
      return BodyInserters.fromResource(new InputStreamResource(Payloads.trickle(payload, 8192)));
    }
  },
  /** The caller's own buffers, pooled Netty buffers that must each be released. */
  POOLED_BUFFERS {
    @Override
    BodyInserter<?, ? super org.springframework.http.client.reactive.ClientHttpRequest> body(
        byte[] payload, Path dir) {
      NettyDataBufferFactory pooled = new NettyDataBufferFactory(PooledByteBufAllocator.DEFAULT);
      Flux<DataBuffer> buffers =
          Flux.range(0, (payload.length + 8191) / 8192)
              .map(
                  i -> {
                    int from = i * 8192;
                    int n = Math.min(8192, payload.length - from);
                    DataBuffer buffer = pooled.allocateBuffer(n);
                    buffer.write(payload, from, n);
                    return buffer;
                  });
      return BodyInserters.fromDataBuffers(buffers);
    }
  },
  JSON {
    @Override
    MediaType contentType() {
      return MediaType.APPLICATION_JSON;
    }

    @Override
    byte[] payload(int size) {
      return BodyKind.JSON.payload(size);
    }

    @Override
    BodyInserter<?, ? super org.springframework.http.client.reactive.ClientHttpRequest> body(
        byte[] payload, Path dir) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("data", new String(payload, StandardCharsets.US_ASCII));
      // A Flux is encoded as a JSON array, streamed: WebClient sends it without a length.
      return BodyInserters.fromPublisher(Flux.just(json), Map.class);
    }

    @Override
    void assertSent(byte[] payload, byte[] sent) {
      String expected = "[{\"data\":\"" + new String(payload, StandardCharsets.US_ASCII) + "\"}]";
      assertThat(sent).isEqualTo(expected.getBytes(StandardCharsets.US_ASCII));
    }
  },
  MULTIPART {
    @Override
    MediaType contentType() {
      return MediaType.MULTIPART_FORM_DATA;
    }

    @Override
    BodyInserter<?, ? super org.springframework.http.client.reactive.ClientHttpRequest> body(
        byte[] payload, Path dir) throws IOException {
      Path file = Files.createTempFile(dir, "part", ".bin");
      Files.write(file, payload);
      MultipartBodyBuilder parts = new MultipartBodyBuilder();
      parts.part("name", "upload");
      parts.part("file", new FileSystemResource(file));
      return BodyInserters.fromMultipartData(parts.build());
    }

    @Override
    void assertSent(byte[] payload, byte[] sent) {
      String text = new String(sent, StandardCharsets.ISO_8859_1);
      assertThat(text).contains("name=\"file\"").contains("name=\"name\"");
      int start = text.indexOf("\r\n\r\n", text.indexOf("name=\"file\"")) + 4;
      assertThat(Arrays.copyOfRange(sent, start, start + payload.length)).isEqualTo(payload);
    }
  };

  MediaType contentType() {
    return MediaType.APPLICATION_OCTET_STREAM;
  }

  byte[] payload(int size) {
    return Payloads.bytes(size);
  }

  abstract BodyInserter<?, ? super org.springframework.http.client.reactive.ClientHttpRequest> body(
      byte[] payload, Path dir) throws IOException;

  void assertSent(byte[] payload, byte[] sent) {
    assertThat(sent).isEqualTo(payload);
  }

  /** Returns true if the body of {@code payload} goes on the wire as zero bytes. */
  boolean emptyOnWire(byte[] payload) {
    return payload.length == 0 && (this == INPUT_STREAM_RESOURCE || this == POOLED_BUFFERS);
  }

  /** Sends the body and returns the status, whatever it is; the response body is released. */
  int post(WebClient client, String url, byte[] payload, Path dir) throws IOException {
    Integer status =
        client
            .post()
            .uri(url)
            .contentType(contentType())
            .body(body(payload, dir))
            .exchangeToMono(
                response -> response.releaseBody().thenReturn(response.statusCode().value()))
            .block();
    return status == null ? -1 : status;
  }
}
