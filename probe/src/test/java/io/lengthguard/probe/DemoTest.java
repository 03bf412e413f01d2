package io.lengthguard.probe;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.util.List;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DemoTest {
  private static final int BYTES = Demo.PAYLOAD.length;

  private StrictServer server;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  @BeforeEach
  void start() throws Exception {
    server = StrictServer.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void noArgumentRunsTheDemoAndBareClientsGet411() {
    ProbeRun run = ProbeRun.of();

    assertThat(run.exit()).isZero();
    assertThat(run.err()).isEmpty();
    assertThat(run.out())
        .startsWith("LengthGuard demo\n\nA strict server on http://127.0.0.1:")
        .contains(
            "                                                   round\n"
                + "client       mode          framing sent     bytes  trips  status\n"
                + "-----------  ------------  ---------------  -----  -----  -------------------\n"
                + row("OkHttp", "none", "chunked", BYTES, 1, "411 Length Required")
                + row("HttpClient5", "none", "chunked", BYTES, 1, "411 Length Required"))
        .contains("Without LengthGuard: 2 of 2 calls got 411 Length Required.\n");
    assertThat(run.out().lines())
        .allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(80));
  }

  @Test
  void bareCallsReachTheServerChunkedWithTheWholeBody() throws Exception {
    List<DemoCase> cases = Demo.cases();
    try {
      Demo.Row okhttp = Demo.call(server, "/okhttp", cases.get(0));
      Demo.Row httpclient5 = Demo.call(server, "/httpclient5", cases.get(1));

      assertThat(okhttp).isEqualTo(new Demo.Row(cases.get(0), "chunked", BYTES, 1, 411, null));
      assertThat(httpclient5).isEqualTo(new Demo.Row(cases.get(1), "chunked", BYTES, 1, 411, null));
    } finally {
      for (DemoCase demoCase : cases) demoCase.sender().close();
    }
  }

  @Test
  void exitsZeroWhenEveryGuardedCallSucceeds() throws Exception {
    try (Sender exact = new KnownLengthSender()) {
      int exit = Demo.run(server, List.of(DemoCase.guarded("OkHttp", "EXACT", exact)), print());

      assertThat(exit).isZero();
      assertThat(out.toString(UTF_8))
          .contains(row("OkHttp", "EXACT", "length", BYTES, 1, "200 OK"))
          .contains("Each client POSTs a " + BYTES + "-byte JSON body of unknown length, bare and")
          .contains("Through LengthGuard: 1 of 1 call succeeded.\n");
    }
  }

  @Test
  void exitsOneWhenAGuardedCallGets411() throws Exception {
    try (Sender bare = OkHttpSender.bare()) {
      int exit =
          Demo.run(
              server,
              List.of(DemoCase.bare("OkHttp", bare), DemoCase.guarded("OkHttp", "PREBUFFER", bare)),
              print());

      assertThat(exit).isEqualTo(Probe.EXIT_ERROR);
      assertThat(out.toString(UTF_8))
          .contains(row("OkHttp", "PREBUFFER", "chunked", BYTES, 1, "411 Length Required"))
          .contains("Through LengthGuard: 0 of 1 call succeeded.\n");
    }
  }

  @Test
  void aClientThatThrowsIsAFailedRowWithItsError() throws Exception {
    Sender broken =
        new Sender() {
          @Override
          public int post(URI url, byte[] body) throws IOException {
            throw new IOException("connection pool shut down");
          }

          @Override
          public void close() {}
        };

    int exit = Demo.run(server, List.of(DemoCase.guarded("Broken", "ADAPTIVE", broken)), print());

    assertThat(exit).isEqualTo(Probe.EXIT_ERROR);
    assertThat(out.toString(UTF_8))
        .contains(row("Broken", "ADAPTIVE", "-", 0, 0, "error (see below)"))
        .contains("  Broken ADAPTIVE: IOException: connection pool shut down\n");
  }

  private PrintStream print() {
    return new PrintStream(out, true, UTF_8);
  }

  private static String row(
      String client, String mode, String framing, long bytes, int trips, String status) {
    return String.format(
        "%-11s  %-12s  %-15s  %5d  %5d  %s%n", client, mode, framing, bytes, trips, status);
  }

  /** Sends the body with its length known, as a guarded client's frozen body goes out. */
  private static final class KnownLengthSender implements Sender {
    private final OkHttpClient client = new OkHttpClient();

    @Override
    public int post(URI url, byte[] body) throws IOException {
      RequestBody known = RequestBody.create(body, MediaType.get("application/json"));
      try (Response response =
          client.newCall(new Request.Builder().url(url.toString()).post(known).build()).execute()) {
        return response.code();
      }
    }

    @Override
    public void close() {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
  }
}
