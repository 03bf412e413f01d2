package io.lengthguard.testing;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * An HTTP/1.1 origin on 127.0.0.1 written on a plain socket, for what mockwebserver cannot do or
 * show: it answers {@code Expect} with 417 Expectation Failed (without reading the body) if told
 * to, and records a chunked body's trailer fields. One request per connection, each answered 200
 * with {@code Connection: close} once its body was read.
 */
public final class RawOrigin implements AutoCloseable {
  /** A request as it arrived: its head's fields, the decoded body and any trailer fields. */
  public record Received(
      List<String> fields,
      boolean chunked,
      @Nullable String expect,
      byte[] body,
      List<String> trailers) {
    /** Returns the value of the first field named {@code name}, or null. */
    public @Nullable String field(String name) {
      return RawOrigin.field(fields, name);
    }
  }

  private final ServerSocket socket;
  private final boolean refuseExpect;
  private final List<Received> received = new CopyOnWriteArrayList<>();

  private RawOrigin(ServerSocket socket, boolean refuseExpect) {
    this.socket = socket;
    this.refuseExpect = refuseExpect;
  }

  /**
   * Starts an origin; with {@code refuseExpect} it answers any request carrying {@code Expect} with
   * 417 and closes, reading nothing of the body, as some servers and proxies do.
   */
  public static RawOrigin start(boolean refuseExpect) throws IOException {
    RawOrigin origin =
        new RawOrigin(new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1")), refuseExpect);
    Thread thread = new Thread(origin::serve, "raw-origin");
    thread.setDaemon(true);
    thread.start();
    return origin;
  }

  /** Returns the URI of {@code /upload} on this origin. */
  public URI uri() {
    return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/upload");
  }

  /** Returns every request that arrived, oldest first. */
  public List<Received> received() {
    return new ArrayList<>(received);
  }

  private void serve() {
    while (!socket.isClosed()) {
      try (Socket client = socket.accept()) {
        client.setSoTimeout(30_000);
        serve(new BufferedInputStream(client.getInputStream()), client.getOutputStream());
      } catch (IOException e) {
        // The next connection, or the end; the test asserts what arrived.
      }
    }
  }

  private void serve(InputStream in, OutputStream out) throws IOException {
    List<String> fields = new ArrayList<>();
    line(in); // the request line
    for (String field = line(in); !field.isEmpty(); field = line(in)) fields.add(field);
    String expect = field(fields, "Expect");
    String encoding = field(fields, "Transfer-Encoding");
    boolean chunked = encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked");
    if (expect != null && refuseExpect) {
      received.add(new Received(fields, chunked, expect, new byte[0], List.of()));
      write(
          out, "HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      return;
    }
    if (expect != null) write(out, "HTTP/1.1 100 Continue\r\n\r\n");
    byte[] body;
    List<String> trailers = new ArrayList<>();
    if (chunked) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      for (int size; (size = Integer.parseInt(line(in).split(";")[0].trim(), 16)) > 0; ) {
        bytes.write(in.readNBytes(size));
        line(in);
      }
      for (String trailer = line(in); !trailer.isEmpty(); trailer = line(in)) trailers.add(trailer);
      body = bytes.toByteArray();
    } else {
      String length = field(fields, "Content-Length");
      body = length == null ? new byte[0] : in.readNBytes(Integer.parseInt(length));
    }
    received.add(new Received(fields, chunked, expect, body, trailers));
    String text = "received " + body.length;
    write(
        out,
        "HTTP/1.1 200 OK\r\nContent-Length: "
            + text.length()
            + "\r\nConnection: close\r\n\r\n"
            + text);
  }

  private static @Nullable String field(List<String> fields, String name) {
    String prefix = name.toLowerCase(Locale.ROOT) + ":";
    for (String field : fields) {
      if (field.toLowerCase(Locale.ROOT).startsWith(prefix)) {
        return field.substring(prefix.length()).trim();
      }
    }
    return null;
  }

  private static void write(OutputStream out, String text) throws IOException {
    out.write(text.getBytes(US_ASCII));
    out.flush();
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c == -1) throw new IOException("connection closed mid-line: " + line);
      if (c != '\r') line.append((char) c);
    }
    return line.toString();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
