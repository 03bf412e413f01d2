package io.lengthguard.okhttp;

import static org.assertj.core.api.Assertions.assertThat;

import io.lengthguard.Buffering;
import io.lengthguard.GuardPolicy;
import io.lengthguard.testing.Payloads;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.jspecify.annotations.Nullable;

/**
 * The guard's promise as a property: over random bodies (0 to 3 MiB around the 1 MiB read-ahead,
 * random write sizes, one-shot or repeatable, honest or lying about it) and server behaviours, the
 * same call with and without the guard is compared. No request the server receives with a length
 * carries other bytes than the caller's, and no call ends worse than without the guard: a failure
 * may become a success, never a silent loss; a success stays one.
 */
class NeverWorsePropertiesTest {
  private static final MediaType OCTET_STREAM = MediaType.get("application/octet-stream");
  private static final int MIB = 1024 * 1024;

  /** How a server treats a request body. */
  enum Server {
    /** Reads every body, chunked or not: 200. */
    ACCEPTS,
    /** Reads a chunked body, then answers 411 (apache2, lighttpd set to refuse chunked). */
    LENGTH_REQUIRED,
    /** Answers 411 to a chunked body before reading it, and closes (haproxy's deny rule). */
    EARLY_LENGTH_REQUIRED,
    /** Answers 200 to a chunked body without reading it (a chunk-blind server). */
    DROPS_CHUNKED,
  }

  /** How a call ended, best first. */
  enum Outcome {
    DELIVERED,
    VISIBLE_FAILURE,
    SILENT_LOSS,
  }

  @Property(tries = 60)
  void guardedCallIsNeverWorseAndNeverSendsOtherBytes(
      @ForAll("sizes") int size,
      @ForAll("writeSizes") int writeSize,
      @ForAll boolean oneShot,
      @ForAll boolean lies,
      @ForAll Server behaviour,
      @ForAll boolean readAhead)
      throws Exception {
    byte[] payload = Payloads.bytes(size, size * 31L + writeSize);
    try (Peer server = new Peer(behaviour)) {
      Outcome bare = call(server, new OkHttpClient(), new Body(payload, writeSize, oneShot, lies));

      GuardPolicy.Builder policy = GuardPolicy.builder().buffering(Buffering.inMemory(4 * MIB));
      if (!readAhead) policy.prebufferBytes(0);
      OkHttpClient guardedClient =
          new OkHttpClient.Builder()
              .addInterceptor(LengthGuardInterceptor.create(policy.build()))
              .build();
      Body body = new Body(payload, writeSize, oneShot, lies);
      Outcome guarded = call(server, guardedClient, body);

      // Delivered stays delivered; a visible failure may be recovered, never hidden.
      assertThat(guarded.ordinal())
          .as("guarded %s, bare %s, server %s", guarded, bare, behaviour)
          .isLessThanOrEqualTo(bare.ordinal());
      assertThat(body.runs).as("times the caller's body ran").isLessThanOrEqualTo(1);
    }
  }

  @Provide
  Arbitrary<Integer> sizes() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0, 64 * 1024)),
        net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(MIB - 16, MIB + 16)),
        net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0, 3 * MIB)));
  }

  @Provide
  Arbitrary<Integer> writeSizes() {
    return Arbitraries.of(1, 100, 8192, 65536);
  }

  /**
   * Makes the call and returns how it ended, having checked that every request of it that the
   * server read with a {@code Content-Length} carried exactly the caller's bytes.
   */
  private static Outcome call(Peer server, OkHttpClient client, Body body) throws Exception {
    int before = server.received.size();
    Request request = new Request.Builder().url(server.url()).post(body).build();
    boolean success = false;
    try (Response response = client.newCall(request).execute()) {
      success = response.isSuccessful();
    } catch (IOException e) {
      // A visible failure.
    } finally {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
    List<Peer.Received> seen = server.since(before);
    for (Peer.Received r : seen) {
      if (r.length() < 0) continue;
      assertThat(r.length()).isEqualTo(body.payload.length);
      assertThat(r.body()).as("bytes sent with Content-Length").isEqualTo(body.payload);
    }
    if (!success) return Outcome.VISIBLE_FAILURE;
    // A 2xx: delivered only if the request that got it carried every byte.
    byte[] got = seen.isEmpty() ? new byte[0] : seen.get(seen.size() - 1).body();
    return Arrays.equals(got, body.payload) ? Outcome.DELIVERED : Outcome.SILENT_LOSS;
  }

  /**
   * A plain HTTP/1.1 peer on loopback that decides on the request head, as the real ones do: a body
   * with {@code Content-Length} is read and accepted; a chunked one is treated as {@link Server}
   * says. Every connection is closed after its response.
   */
  private static final class Peer implements AutoCloseable {
    record Received(long length, byte[] body) {}

    private final Server behaviour;
    private final ServerSocket socket;
    private final Thread acceptor;
    final List<Received> received = Collections.synchronizedList(new ArrayList<>());

    Peer(Server behaviour) throws IOException {
      this.behaviour = behaviour;
      this.socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
      this.acceptor = new Thread(this::acceptAll, "peer");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    String url() {
      return "http://127.0.0.1:" + socket.getLocalPort() + "/upload";
    }

    synchronized List<Received> since(int index) throws InterruptedException {
      // The handler records a request before it answers, so all are here once the call ended.
      return new ArrayList<>(received.subList(index, received.size()));
    }

    private void acceptAll() {
      while (!socket.isClosed()) {
        try (Socket connection = socket.accept()) {
          handle(connection);
        } catch (IOException e) {
          // The client went away mid-request, or the peer closed: next connection.
        }
      }
    }

    private void handle(Socket connection) throws IOException {
      InputStream in = new BufferedInputStream(connection.getInputStream());
      OutputStream out = connection.getOutputStream();
      long length = -1;
      boolean chunked = false;
      String line;
      while (!(line = readLine(in)).isEmpty()) {
        String lower = line.toLowerCase(Locale.ROOT);
        if (lower.startsWith("content-length:")) length = Long.parseLong(line.substring(15).trim());
        if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) chunked = true;
      }
      if (!chunked) {
        byte[] body = in.readNBytes((int) Math.max(length, 0));
        received.add(new Received(length, body));
        answer(out, 200);
        return;
      }
      switch (behaviour) {
        case EARLY_LENGTH_REQUIRED -> {
          received.add(new Received(-1, new byte[0]));
          answer(out, 411);
        }
        case DROPS_CHUNKED -> {
          received.add(new Received(-1, new byte[0]));
          answer(out, 200);
        }
        default -> {
          byte[] body = readChunked(in);
          received.add(new Received(-1, body));
          answer(out, behaviour == Server.LENGTH_REQUIRED ? 411 : 200);
        }
      }
    }

    private static byte[] readChunked(InputStream in) throws IOException {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      while (true) {
        int size = Integer.parseInt(readLine(in).split(";")[0].trim(), 16);
        if (size == 0) {
          while (!readLine(in).isEmpty()) {
            // trailers
          }
          return body.toByteArray();
        }
        body.write(in.readNBytes(size));
        readLine(in);
      }
    }

    private static void answer(OutputStream out, int status) throws IOException {
      String reason = status == 200 ? "OK" : "Length Required";
      out.write(
          ("HTTP/1.1 "
                  + status
                  + " "
                  + reason
                  + "\r\nContent-Length: 2\r\nConnection: close"
                  + "\r\n\r\nok")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
    }

    private static String readLine(InputStream in) throws IOException {
      StringBuilder line = new StringBuilder();
      int b;
      while ((b = in.read()) != -1 && b != '\n') {
        if (b != '\r') line.append((char) b);
      }
      if (b == -1 && line.length() == 0) throw new IOException("end of stream");
      return line.toString();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** The caller's body: written in {@code writeSize} pieces; a liar replays nothing. */
  private static final class Body extends RequestBody {
    final byte[] payload;
    private final int writeSize;
    private final boolean oneShot;
    private final boolean lies;
    int runs;

    Body(byte[] payload, int writeSize, boolean oneShot, boolean lies) {
      this.payload = payload;
      this.writeSize = writeSize;
      this.oneShot = oneShot;
      this.lies = lies;
    }

    @Override
    public @Nullable MediaType contentType() {
      return OCTET_STREAM;
    }

    @Override
    public boolean isOneShot() {
      // A liar claims it can be written again, like a stream-backed body.
      return oneShot && !lies;
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
      runs++;
      if (runs > 1 && (lies || oneShot)) return; // a drained stream
      for (int i = 0; i < payload.length; i += writeSize) {
        sink.write(payload, i, Math.min(writeSize, payload.length - i));
      }
    }
  }
}
