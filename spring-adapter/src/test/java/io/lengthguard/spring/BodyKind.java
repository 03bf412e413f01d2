package io.lengthguard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.lengthguard.testing.Payloads;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.InputStreamResource;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.StreamingHttpOutputMessage;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;

/**
 * The bodies Spring 6.1+ sends without a length, each of about {@code size} bytes: how a RestClient
 * and a RestTemplate send it, and what must reach the server.
 */
enum BodyKind {
  INPUT_STREAM_RESOURCE {
    @Override
    Object body(byte[] payload, Path dir) {
      return new InputStreamResource(Payloads.trickle(payload, 8192));
    }
  },
  STREAMING_BODY {
    @Override
    Object body(byte[] payload, Path dir) {
      return (StreamingHttpOutputMessage.Body)
          out -> {
            for (int i = 0; i < payload.length; i += 8192) {
              out.write(payload, i, Math.min(8192, payload.length - i));
            }
          };
    }
  },
  JSON {
    @Override
    MediaType contentType() {
      return MediaType.APPLICATION_JSON;
    }

    @Override
    byte[] payload(int size) {
      byte[] letters = Payloads.bytes(size, 7);
      for (int i = 0; i < letters.length; i++) letters[i] = (byte) ('a' + (letters[i] & 0xff) % 26);
      return letters;
    }

    @Override
    Object body(byte[] payload, Path dir) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("data", new String(payload, StandardCharsets.US_ASCII));
      return json;
    }

    @Override
    void assertSent(byte[] payload, byte[] sent) {
      String expected = "{\"data\":\"" + new String(payload, StandardCharsets.US_ASCII) + "\"}";
      assertThat(sent).isEqualTo(expected.getBytes(StandardCharsets.US_ASCII));
    }
  },
  MULTIPART {
    @Override
    MediaType contentType() {
      return MediaType.MULTIPART_FORM_DATA;
    }

    @Override
    Object body(byte[] payload, Path dir) throws IOException {
      Path file = Files.createTempFile(dir, "part", ".bin");
      Files.write(file, payload);
      MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
      parts.add("name", "upload");
      parts.add("file", new FileSystemResource(file));
      return parts;
    }

    @Override
    void assertSent(byte[] payload, byte[] sent) {
      String text = new String(sent, StandardCharsets.ISO_8859_1);
      assertThat(text).contains("name=\"file\"").contains("name=\"name\"");
      // The file part's bytes go as they are, between its part header and the next boundary.
      int start = text.indexOf("\r\n\r\n", text.indexOf("name=\"file\"")) + 4;
      assertThat(Arrays.copyOfRange(sent, start, start + payload.length)).isEqualTo(payload);
      assertThat(sent.length).isGreaterThan(payload.length);
    }
  };

  MediaType contentType() {
    return MediaType.APPLICATION_OCTET_STREAM;
  }

  /** Returns the payload of about {@code size} bytes the body carries. */
  byte[] payload(int size) {
    return Payloads.bytes(size);
  }

  abstract Object body(byte[] payload, Path dir) throws IOException;

  /** Asserts that {@code sent}, the bytes the server received, are the body of {@code payload}. */
  void assertSent(byte[] payload, byte[] sent) {
    assertThat(sent).isEqualTo(payload);
  }

  /** Sends the body through {@code client} and returns the status, whatever it is. */
  int post(RestClient client, String url, Object body) {
    RestClient.RequestBodySpec spec = client.post().uri(url).contentType(contentType());
    if (body instanceof StreamingHttpOutputMessage.Body) {
      spec.body((StreamingHttpOutputMessage.Body) body);
    } else {
      spec.body(body);
    }
    return spec.exchange((request, response) -> response.getStatusCode().value());
  }

  /** Sends the body through {@code template} and returns the status, whatever it is. */
  int post(RestTemplate template, String url, Object body) {
    template.setErrorHandler(response -> false);
    if (body instanceof StreamingHttpOutputMessage.Body) {
      Integer status =
          template.execute(
              url,
              HttpMethod.POST,
              request -> {
                request.getHeaders().setContentType(contentType());
                ((StreamingHttpOutputMessage) request)
                    .setBody((StreamingHttpOutputMessage.Body) body);
              },
              response -> response.getStatusCode().value());
      return status == null ? -1 : status;
    }
    HttpHeaders headers = new HttpHeaders();
    headers.setContentType(contentType());
    return template
        .exchange(url, HttpMethod.POST, new HttpEntity<>(body, headers), byte[].class)
        .getStatusCode()
        .value();
  }

  /** Writes {@code payload} to {@code out}; for the bodies of the RestTemplate tests. */
  static void copy(byte[] payload, OutputStream out) throws IOException {
    new ByteArrayInputStream(payload).transferTo(out);
  }
}
