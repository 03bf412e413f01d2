package io.lengthguard.okhttp;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import io.lengthguard.GuardPolicy;
import io.lengthguard.testing.Payloads;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A pooled keep-alive connection that the server resets once it read the next request's head: bare
 * OkHttp retries a repeatable body on a new connection, and so does the guarded client, with the
 * first send's bytes from the guard's copy, though the body was still being written when the
 * connection failed.
 */
@Timeout(30)
class StaleConnectionTest {
  private static final int MIB = 1024 * 1024;
  private static final byte[] PAYLOAD = Payloads.bytes(2 * MIB + MIB / 2);

  private final List<byte[]> bodies = new CopyOnWriteArrayList<>();
  private final AtomicInteger resets = new AtomicInteger();
  private @Nullable ServerSocket server;

  @BeforeEach
  void start() throws IOException {
    ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    server = socket;
    Thread acceptor = new Thread(() -> accept(socket), "stale-connection-server");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  @AfterEach
  void stop() throws IOException {
    if (server != null) server.close();
  }

  @Test
  void bareClientRetriesARepeatableBodyOnANewConnection() throws Exception {
    SlowBody body = new SlowBody();
    assertThat(upload(new OkHttpClient(), body)).isEqualTo("200 ok");
    assertThat(body.writes).hasValue(2);
  }

  @Test
  void guardedClientRetriesItToo() throws Exception {
    OkHttpClient client =
        new OkHttpClient.Builder()
            .addInterceptor(LengthGuardInterceptor.create(GuardPolicy.defaults()))
            .build();
    SlowBody body = new SlowBody();

    assertThat(upload(client, body)).isEqualTo("200 ok");

    // The connection was reset once; the retry carried the whole body, from the guard's copy.
    assertThat(resets).hasValue(1);
    assertThat(body.writes).hasValue(1);
    assertThat(bodies).hasSize(1);
    assertThat(bodies.get(0)).isEqualTo(PAYLOAD);
  }

  /** Warms a keep-alive connection, then uploads {@code body} on it: the server resets it. */
  private String upload(OkHttpClient client, RequestBody body) throws IOException {
    String base = "http://127.0.0.1:" + server.getLocalPort();
    try (Response warm =
        client.newCall(new Request.Builder().url(base + "/warm").build()).execute()) {
      warm.body().string();
    }
    Request request = new Request.Builder().url(base + "/upload").post(body).build();
    try (Response response = client.newCall(request).execute()) {
      return response.code() + " " + response.body().string();
    } finally {
      client.connectionPool().evictAll();
    }
  }

  /** A repeatable body of unknown length: most of it, a pause, then the rest. */
  private static final class SlowBody extends RequestBody {
    final AtomicInteger writes = new AtomicInteger();

    @Override
    public MediaType contentType() {
      return MediaType.get("application/octet-stream");
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
      writes.incrementAndGet();
      int first = 3 * MIB / 2;
      sink.write(PAYLOAD, 0, first);
      sink.flush();
      try {
        Thread.sleep(300);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException();
      }
      sink.write(PAYLOAD, first, PAYLOAD.length - first);
    }
  }

  private void accept(ServerSocket socket) {
    while (!socket.isClosed()) {
      Socket connection;
      try {
        connection = socket.accept();
      } catch (IOException e) {
        return;
      }
      Thread serving = new Thread(() -> serve(connection), "stale-connection");
      serving.setDaemon(true);
      serving.start();
    }
  }

  /** Answers the first request on a connection; resets it on the second, once its head is read. */
  private void serve(Socket connection) {
    try (connection) {
      InputStream in = new BufferedInputStream(connection.getInputStream());
      OutputStream out = connection.getOutputStream();
      for (int request = 1; ; request++) {
        String head = head(in);
        if (head == null) return;
        if (request == 2) {
          resets.incrementAndGet();
          connection.setSoLinger(true, 0); // a reset, as a server that dropped an idle connection
          return;
        }
        byte[] body = body(in, head.toLowerCase(Locale.ROOT));
        if (body.length > 0) bodies.add(body);
        out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(US_ASCII));
        out.flush();
        if (head.toLowerCase(Locale.ROOT).contains("connection: close")) return;
      }
    } catch (IOException e) {
      // The client went away.
    }
  }

  private static @Nullable String head(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    for (int c = in.read(); c != -1; c = in.read()) {
      head.append((char) c);
      if (head.length() >= 4 && head.lastIndexOf("\r\n\r\n") == head.length() - 4) {
        return head.toString();
      }
    }
    return null;
  }

  private static byte[] body(InputStream in, String head) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (head.contains("transfer-encoding: chunked")) {
      for (int size = chunkSize(in); size > 0; size = chunkSize(in)) {
        body.write(in.readNBytes(size));
        line(in);
      }
      line(in);
      return body.toByteArray();
    }
    int at = head.indexOf("content-length: ");
    if (at < 0) return new byte[0];
    int length = Integer.parseInt(head.substring(at + 16, head.indexOf("\r\n", at)).trim());
    return in.readNBytes(length);
  }

  private static int chunkSize(InputStream in) throws IOException {
    return Integer.parseInt(line(in).trim(), 16);
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
      if (c != '\r') line.append((char) c);
    }
    return line.toString();
  }
}
