package io.lengthguard.probe;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okio.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StrictServerTest {
  private static final Pattern CONTENT_LENGTH =
      Pattern.compile("(?i)\r\nContent-Length: ([0-9]+)\r\n");

  private StrictServer server;

  @BeforeEach
  void start() throws Exception {
    server = StrictServer.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void listensOnLoopback() {
    assertThat(server.origin()).startsWith("http://127.0.0.1:");
    assertThat(server.url("/x").getHost()).isEqualTo("127.0.0.1");
  }

  @Test
  void answers200WithTheByteCountToAnExactLength() throws Exception {
    String response =
        raw("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");

    assertThat(response).startsWith("HTTP/1.1 200 OK\r\n").contains("X-Received-Length: 5\r\n");
    assertThat(response).endsWith("\r\n\r\nreceived 5 bytes\n");
    assertThat(server.received("/a"))
        .containsExactly(new StrictServer.Received("/a", "length", 5, 200));
    assertThat(server.bodies("/a")).containsExactly(ByteString.encodeUtf8("hello"));
  }

  @Test
  void answers411ToAChunkedBody() throws Exception {
    String response =
        raw(
            "POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + "5\r\nhello\r\n0\r\n\r\n");

    assertThat(response).startsWith("HTTP/1.1 411 Length Required\r\n");
    assertThat(server.received("/b"))
        .containsExactly(new StrictServer.Received("/b", "chunked", 5, 411));
    assertThat(server.bodies("/b")).containsExactly(ByteString.encodeUtf8("hello"));
  }

  @Test
  void answers411ToAPostWithNoLengthAtAll() throws Exception {
    Outcome outcome =
        new Exchange(
                Connector.create(
                    Target.parse(server.url("/c").toString()), Duration.ofSeconds(5), false),
                "POST",
                List.of(),
                EndpointProbe.PAYLOAD)
            .send(Framing.EMPTY_WITHOUT_LENGTH);

    assertThat(outcome.status()).isEqualTo(411);
    assertThat(server.received("/c"))
        .containsExactly(new StrictServer.Received("/c", "none", 0, 411));
  }

  @Test
  void answers400ToLengthAndChunkedTogether() throws Exception {
    String response =
        raw(
            "POST /d HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n"
                + "Connection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n");

    assertThat(response).startsWith("HTTP/1.1 400 Bad Request\r\n");
    assertThat(server.received("/d"))
        .extracting(StrictServer.Received::framing)
        .containsExactly("length+chunked");
  }

  @Test
  void acceptsAGetWithoutBody() throws Exception {
    String response = raw("GET /e HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

    assertThat(response).startsWith("HTTP/1.1 200 OK\r\n");
    assertThat(server.received("/e"))
        .containsExactly(new StrictServer.Received("/e", "none", 0, 200));
    assertThat(server.bodies("/e")).containsExactly(ByteString.EMPTY);
  }

  /** Sends {@code request} as is and returns the response: its head and Content-Length bytes. */
  private String raw(String request) throws Exception {
    try (Socket socket =
        new Socket(InetAddress.getByName("127.0.0.1"), server.url("/").getPort())) {
      socket.setSoTimeout(5_000);
      socket.getOutputStream().write(request.getBytes(ISO_8859_1));
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream response = new ByteArrayOutputStream();
      while (!response.toString(ISO_8859_1).contains("\r\n\r\n")) {
        int b = in.read();
        assertThat(b).as("a byte of the response head").isNotEqualTo(-1);
        response.write(b);
      }
      Matcher length = CONTENT_LENGTH.matcher(response.toString(ISO_8859_1));
      assertThat(length.find()).as("Content-Length in " + response).isTrue();
      response.write(in.readNBytes(Integer.parseInt(length.group(1))));
      return response.toString(ISO_8859_1);
    }
  }
}
