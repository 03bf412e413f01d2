package io.lengthguard.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LoopbackServerTest {
  private LoopbackServer server;
  private Socket socket;

  private void start(long expectedBytes) throws IOException {
    server = LoopbackServer.start(expectedBytes);
    socket = new Socket(InetAddress.getLoopbackAddress(), server.port());
    socket.setSoTimeout(5000);
  }

  @AfterEach
  void stop() throws IOException {
    if (socket != null) socket.close();
    if (server != null) server.close();
  }

  private void send(String request) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(request.getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** Reads one response: its head, then as many body bytes as its Content-Length says. */
  private String response() throws IOException {
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) throw new IOException("end of stream in the head: " + head);
      head.write(b);
    }
    String text = head.toString(StandardCharsets.US_ASCII);
    int length = 0;
    for (String line : text.split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring("content-length:".length()).trim());
      }
    }
    return text + new String(in.readNBytes(length), StandardCharsets.US_ASCII);
  }

  @Test
  void answersOkToABodyOfTheExpectedLength() throws IOException {
    start(5);

    send("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello");

    assertThat(response()).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    assertThat(server.lastFraming()).isEqualTo("content-length: 5");
  }

  @Test
  void decodesAChunkedBodyWithExtensionsAndTrailers() throws IOException {
    start(5);

    send(
        "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "3\r\nhel\r\n2;name=value\r\nlo\r\n0\r\nX-Trailer: 1\r\n\r\n");

    assertThat(response()).startsWith("HTTP/1.1 200 OK\r\n");
    assertThat(server.lastFraming()).isEqualTo("chunked");
  }

  @Test
  void keepsTheConnectionForTheNextRequest() throws IOException {
    start(2);

    send("POST /a HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\nab");
    String first = response();
    send(
        "POST /b HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n");
    String second = response();

    assertThat(first).startsWith("HTTP/1.1 200 OK\r\n");
    assertThat(second).startsWith("HTTP/1.1 200 OK\r\n");
    assertThat(server.lastFraming()).isEqualTo("chunked");
  }

  @Test
  void answersContinueBeforeReadingTheBody() throws IOException {
    start(3);

    send(
        "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
    String interim = response();
    send("abc");

    assertThat(interim).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
    assertThat(response()).startsWith("HTTP/1.1 200 OK\r\n");
  }

  @Test
  void answersBadRequestToABodyOfAnotherLength() throws IOException {
    start(5);

    send("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\n\r\nhell");

    assertThat(response())
        .isEqualTo(
            "HTTP/1.1 400 Bad Request\r\nContent-Length: 43\r\n\r\n"
                + "expected 5 bytes, got 4 (content-length: 4)");
  }

  @Test
  void answersBadRequestToContentLengthWithChunked() throws IOException {
    start(2);

    send(
        "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n");

    assertThat(response()).startsWith("HTTP/1.1 400 Bad Request\r\n");
    assertThat(server.lastFraming()).isEqualTo("chunked with content-length");
  }

  @Test
  void refusesANegativeExpectedLength() {
    assertThatThrownBy(() -> LoopbackServer.start(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expectedBytes < 0: -1");
  }

  @Test
  void showsEachBodysSizeAndChecksumToItsObserverBeforeAnswering() throws IOException {
    java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    server =
        LoopbackServer.start(
            5, (framing, bytes, crc) -> seen.add(framing + " " + bytes + " " + crc));
    socket = new Socket(InetAddress.getLoopbackAddress(), server.port());
    socket.setSoTimeout(5000);
    java.util.zip.CRC32C hello = new java.util.zip.CRC32C();
    hello.update("hello".getBytes(StandardCharsets.US_ASCII));

    send(
        "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n");

    assertThat(response()).startsWith("HTTP/1.1 200 OK\r\n");
    assertThat(seen).containsExactly("chunked 5 " + hello.getValue());
  }
}
