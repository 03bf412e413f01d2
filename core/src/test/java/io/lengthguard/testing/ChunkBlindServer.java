package io.lengthguard.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real chunk-blind server: Python's {@code http.server} with a handler that reads exactly {@code
 * Content-Length} bytes of a request body, as many WSGI and CGI handlers do. It answers 200 to a
 * chunked body having read none of it: the body is silently lost. Each request it handled is
 * reported back as the bytes it read and their SHA-256.
 *
 * <p>Started on 127.0.0.1 and a free port; needs {@code python3} on the {@code PATH} (installed by
 * {@code .ci/run}).
 */
public final class ChunkBlindServer implements AutoCloseable {
  private static final String SCRIPT =
      String.join(
          "\n",
          "import hashlib, http.server, sys",
          "class H(http.server.BaseHTTPRequestHandler):",
          "    def do_POST(self):",
          "        n = int(self.headers.get('Content-Length') or 0)",
          "        body = self.rfile.read(n)",
          "        digest = hashlib.sha256(body).hexdigest()",
          "        te = self.headers.get('Transfer-Encoding') or '-'",
          "        print('REQ', self.path, len(body), digest, te, flush=True)",
          "        reply = ('%d %s' % (len(body), digest)).encode()",
          "        self.send_response(200)",
          "        self.send_header('Content-Length', str(len(reply)))",
          "        self.send_header('Connection', 'close')",
          "        self.end_headers()",
          "        self.wfile.write(reply)",
          "    do_PUT = do_POST",
          "    def log_message(self, *args):",
          "        pass",
          "s = http.server.HTTPServer(('127.0.0.1', 0), H)",
          "print('PORT', s.server_address[1], flush=True)",
          "s.serve_forever()");

  /** One request as the handler saw it. */
  public record Received(String path, int bytes, String sha256, String transferEncoding) {}

  private final Process process;
  private final BufferedReader out;
  private final int port;
  private final List<Received> received = new ArrayList<>();

  private ChunkBlindServer(Process process, BufferedReader out, int port) {
    this.process = process;
    this.out = out;
    this.port = port;
  }

  /** Starts the server and returns once it listens. */
  public static ChunkBlindServer start() throws IOException {
    Process process;
    try {
      process =
          new ProcessBuilder("python3", "-u", "-c", SCRIPT)
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
    } catch (IOException e) {
      throw new IOException(
          "python3 is needed for the chunk-blind server (apt-get install python3)", e);
    }
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    if (line == null || !line.startsWith("PORT ")) {
      process.destroyForcibly();
      throw new IOException("python3 http.server did not start: " + line);
    }
    return new ChunkBlindServer(process, out, Integer.parseInt(line.substring(5).trim()));
  }

  public int port() {
    return port;
  }

  public String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  /** Returns the next request the handler finished, waiting for it. */
  public Received take() throws IOException {
    String line = out.readLine();
    if (line == null) throw new IOException("the server exited");
    String[] parts = line.split(" ");
    Received r = new Received(parts[1], Integer.parseInt(parts[2]), parts[3], parts[4]);
    received.add(r);
    return r;
  }

  @Override
  public void close() throws IOException {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    out.close();
  }
}
