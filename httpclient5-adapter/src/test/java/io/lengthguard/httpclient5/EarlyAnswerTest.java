package io.lengthguard.httpclient5;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleResponseConsumer;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClientBuilder;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.apache.hc.core5.http.nio.support.BasicRequestProducer;
import org.apache.hc.core5.http.support.BasicRequestBuilder;
import org.apache.hc.core5.io.CloseMode;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A server that answers 403 as soon as it read the head of a long streamed body, and a producer
 * that fails once HttpClient released it (as one reading a file it then closes): the bare async
 * client returns the 403, and so must the guarded one, whose guard thread may still be producing
 * when HttpClient releases the producer on the early answer.
 */
@Timeout(60)
class EarlyAnswerTest {
  @Test
  void bareClientReturnsTheEarlyAnswer() throws Exception {
    assertThat(answers(HttpAsyncClients.custom())).containsOnly(403);
  }

  @Test
  void guardedClientReturnsItToo() throws Exception {
    HttpAsyncClientBuilder builder = HttpAsyncClients.custom();
    LengthGuardAsyncExecHandler.install(builder);
    assertThat(answers(builder)).containsOnly(403);
  }

  private static java.util.List<Integer> answers(HttpAsyncClientBuilder builder) throws Exception {
    java.util.List<Integer> codes = new java.util.ArrayList<>();
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread origin = new Thread(() -> refuse(server), "early-403");
      origin.setDaemon(true);
      origin.start();
      CloseableHttpAsyncClient client = builder.build();
      client.start();
      try {
        for (int call = 0; call < 5; call++) {
          SimpleHttpResponse response =
              client
                  .execute(
                      new BasicRequestProducer(
                          BasicRequestBuilder.post(
                                  "http://127.0.0.1:" + server.getLocalPort() + "/upload")
                              .build(),
                          new ClosingProducer()),
                      SimpleResponseConsumer.create(),
                      null)
                  .get(30, TimeUnit.SECONDS);
          codes.add(response.getCode());
        }
      } finally {
        client.close(CloseMode.IMMEDIATE);
      }
    }
    return codes;
  }

  /** Answers every request 403 once its head is read, without reading its body. */
  private static void refuse(ServerSocket server) {
    while (!server.isClosed()) {
      try (Socket socket = server.accept()) {
        InputStream in = socket.getInputStream();
        int matched = 0;
        while (matched < 4) {
          int c = in.read();
          if (c == -1) break;
          matched = c == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : c == '\r' ? 1 : 0;
        }
        OutputStream out = socket.getOutputStream();
        out.write(
            ("HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\nConnection: close\r\n\r\nforbidden")
                .getBytes(US_ASCII));
        out.flush();
        Thread.sleep(300);
      } catch (IOException | InterruptedException e) {
        // The client went away, or the test ended: next.
      }
    }
  }

  /** 8 MiB of unknown length, 8 KiB a step; fails once released, as a closed file would. */
  private static final class ClosingProducer implements AsyncEntityProducer {
    private final AtomicInteger releases = new AtomicInteger();
    private long left = 8L * 1024 * 1024;

    @Override
    public boolean isRepeatable() {
      return false;
    }

    @Override
    public long getContentLength() {
      return -1;
    }

    @Override
    public String getContentType() {
      return "application/octet-stream";
    }

    @Override
    public @Nullable String getContentEncoding() {
      return null;
    }

    @Override
    public boolean isChunked() {
      return true;
    }

    @Override
    public Set<String> getTrailerNames() {
      return Set.of();
    }

    @Override
    public int available() {
      return 1;
    }

    @Override
    public void produce(DataStreamChannel channel) throws IOException {
      if (left <= 0) {
        channel.endStream();
        return;
      }
      try {
        Thread.sleep(2); // a slow source: the early answer comes while the body is produced
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (releases.get() > 0) throw new ClosedChannelException();
      ByteBuffer chunk = ByteBuffer.allocate(8192);
      channel.write(chunk);
      left -= 8192 - chunk.remaining();
    }

    @Override
    public void failed(Exception cause) {}

    @Override
    public void releaseResources() {
      releases.incrementAndGet();
    }
  }
}
