package io.lengthguard.probe;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import org.jspecify.annotations.Nullable;

/**
 * A one-connection server on 127.0.0.1 that answers with fixed bytes, whatever it was sent: for
 * peers that do not speak HTTP/1.1 or TLS as asked.
 */
final class RawServer implements AutoCloseable {
  private final ServerSocket serverSocket;
  private final Thread thread;
  private volatile @Nullable IOException failure;

  private RawServer(byte[] response) throws IOException {
    serverSocket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
    thread = new Thread(() -> serve(response), "raw-server");
    thread.setDaemon(true);
    thread.start();
  }

  /** Returns a server that reads what first arrives, writes {@code response} and closes. */
  static RawServer answering(String response) throws IOException {
    return new RawServer(response.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
  }

  int port() {
    return serverSocket.getLocalPort();
  }

  private void serve(byte[] response) {
    try (Socket socket = serverSocket.accept()) {
      socket.setSoTimeout(5_000);
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[65536];
      if (in.read(buffer) == -1) return;
      socket.getOutputStream().write(response);
      socket.shutdownOutput();
      // Read until the client closes, so closing here sends no reset over unread bytes.
      while (in.read(buffer) != -1) {}
    } catch (SocketException e) {
      // Closed by close(), or reset by a client that gave up on bytes it did not want (a TLS
      // client reading plain text): the test asserts on what the client saw.
    } catch (IOException e) {
      failure = e;
    }
  }

  @Override
  public void close() throws Exception {
    serverSocket.close();
    thread.join(5_000);
    IOException e = failure;
    if (e != null) throw e;
  }
}
