package io.lengthguard.httpclient5;

import io.lengthguard.testing.StrictOrigin;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import javax.net.ServerSocketFactory;
import mockwebserver3.MockWebServer;

/** Starts test servers on 127.0.0.1, on a free port. */
final class Servers {
  private Servers() {}

  /** Returns a started server that behaves as a {@link StrictOrigin}. */
  static MockWebServer strictOrigin() throws IOException {
    MockWebServer server = new MockWebServer();
    // mockwebserver flushes a response's head and body apart; without TCP_NODELAY the body waits
    // for the client's delayed ACK (40 ms on Linux) on every reused connection.
    server.setServerSocketFactory(new NoDelay());
    server.setDispatcher(new StrictOrigin());
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    return server;
  }

  private static final class NoDelay extends ServerSocketFactory {
    @Override
    public ServerSocket createServerSocket() throws IOException {
      return new ServerSocket() {
        @Override
        public Socket accept() throws IOException {
          Socket socket = new Socket();
          implAccept(socket);
          socket.setTcpNoDelay(true);
          return socket;
        }
      };
    }

    @Override
    public ServerSocket createServerSocket(int port) {
      throw new UnsupportedOperationException();
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog) {
      throw new UnsupportedOperationException();
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog, InetAddress address) {
      throw new UnsupportedOperationException();
    }
  }
}
