package io.lengthguard.probe;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.lengthguard.GuardMode;
import io.lengthguard.GuardPolicy;
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
import okio.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DemoTest {
  private static final int BYTES = Demo.PAYLOAD.length;
  private static final ByteString PAYLOAD = ByteString.of(Demo.PAYLOAD);

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
  void noArgumentRunsTheDemoBareClientsGet411AndGuardedOnes200() {
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
                + row("OkHttp", "default", "length", BYTES, 1, "200 OK")
                + row("OkHttp", "PREBUFFER", "length", BYTES, 1, "200 OK")
                + row("OkHttp", "RETRY_ON_411", "chunked, length", BYTES, 2, "200 OK")
                + row("OkHttp", "ADAPTIVE", "chunked, length", BYTES, 2, "200 OK")
                + row("OkHttp", "ADAPTIVE 2nd", "length", BYTES, 1, "200 OK")
                + row("HttpClient5", "none", "chunked", BYTES, 1, "411 Length Required")
                + row("HttpClient5", "default", "length", BYTES, 1, "200 OK")
                + row("HttpClient5", "PREBUFFER", "length", BYTES, 1, "200 OK")
                + row("HttpClient5", "RETRY_ON_411", "chunked, length", BYTES, 2, "200 OK")
                + row("HttpClient5", "ADAPTIVE", "chunked, length", BYTES, 2, "200 OK")
                + row("HttpClient5", "ADAPTIVE 2nd", "length", BYTES, 1, "200 OK")
                + row("HttpClient5", "ADAPTIVE *", "chunked, length", BYTES, 2, "200 OK")
                + row("JDK", "none", "chunked", BYTES, 1, "411 Length Required")
                + row("JDK", "default", "length", BYTES, 1, "200 OK")
                + row("JDK", "PREBUFFER", "length", BYTES, 1, "200 OK")
                + row("JDK", "RETRY_ON_411", "chunked, length", BYTES, 2, "200 OK")
                + row("JDK", "ADAPTIVE", "chunked, length", BYTES, 2, "200 OK")
                + row("JDK", "ADAPTIVE 2nd", "length", BYTES, 1, "200 OK")
                + row("RestClient", "none", "chunked", BYTES, 1, "411 Length Required")
                + row("RestClient", "default", "length", BYTES, 1, "200 OK")
                + row("RestClient", "PREBUFFER", "length", BYTES, 1, "200 OK")
                + row("RestClient", "RETRY_ON_411", "chunked, length", BYTES, 2, "200 OK")
                + row("RestClient", "ADAPTIVE", "chunked, length", BYTES, 2, "200 OK")
                + row("RestClient", "ADAPTIVE 2nd", "length", BYTES, 1, "200 OK")
                + "\n"
                + "Guarded calls, with policy set to the row's mode:\n"
                + "  OkHttp       addInterceptor(LengthGuardInterceptor.create(policy))\n"
                + "  HttpClient5  LengthGuardHttpClient.wrap(HttpClients.createDefault(), policy)\n"
                + "  JDK          LengthGuardHttpClient.wrap(HttpClient.newHttpClient(), policy)\n"
                + "  RestClient   LengthGuardClientHttpRequestFactory.wrap(jdkFactory, policy)\n"
                + "               jdkFactory: new JdkClientHttpRequestFactory(), as in the bare row\n"
                + "  *            LengthGuardExecHandler.install(HttpClients.custom(), policy)\n"
                + "  default: GuardPolicy.defaults(), ADAPTIVE with a 1 MiB read-ahead.\n"
                + "  RETRY_ON_411, ADAPTIVE: prebufferBytes(0), as a body past the read-ahead goes.\n")
        .contains("Without LengthGuard: 4 of 4 calls got 411 Length Required.\n")
        .contains("Through LengthGuard: 21 of 21 calls succeeded.\n");
    assertThat(run.out().lines())
        .allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(80));
  }

  @Test
  void bareCallsReachTheServerChunkedWithTheWholeBody() throws Exception {
    try (Sender okhttp = OkHttpSender.bare();
        Sender httpclient5 = HttpClient5Sender.bare()) {
      DemoCase bareOkHttp = DemoCase.bare("OkHttp", okhttp);
      DemoCase bareHttpClient5 = DemoCase.bare("HttpClient5", httpclient5);

      assertThat(Demo.call(server, "/okhttp", bareOkHttp))
          .isEqualTo(new Demo.Row(bareOkHttp, "chunked", BYTES, 1, 411, null));
      assertThat(Demo.call(server, "/httpclient5", bareHttpClient5))
          .isEqualTo(new Demo.Row(bareHttpClient5, "chunked", BYTES, 1, 411, null));
    }
  }

  @Test
  void guardedOkHttpCallsArriveWithTheExactLength() throws Exception {
    try (Sender prebuffer =
            OkHttpSender.guarded(GuardPolicy.builder().mode(GuardMode.PREBUFFER).build());
        Sender retry =
            OkHttpSender.guarded(
                GuardPolicy.builder().mode(GuardMode.RETRY_ON_411).prebufferBytes(0).build());
        Sender defaults = OkHttpSender.guarded(GuardPolicy.defaults())) {
      DemoCase first = DemoCase.guarded("OkHttp", "PREBUFFER", prebuffer);
      DemoCase second = DemoCase.guarded("OkHttp", "RETRY_ON_411", retry);
      DemoCase third = DemoCase.guarded("OkHttp", "default", defaults);

      // The default read-ahead holds the whole small body: it goes once, with its length.
      assertThat(Demo.call(server, "/default", third))
          .isEqualTo(new Demo.Row(third, "length", BYTES, 1, 200, null));
      assertThat(server.bodies("/default")).containsExactly(PAYLOAD);

      assertThat(Demo.call(server, "/prebuffer", first))
          .isEqualTo(new Demo.Row(first, "length", BYTES, 1, 200, null));
      assertThat(Demo.call(server, "/retry", second))
          .isEqualTo(new Demo.Row(second, "chunked, length", BYTES, 2, 200, null));
      assertThat(server.received("/retry"))
          .containsExactly(
              new StrictServer.Received("/retry", "chunked", BYTES, 411),
              new StrictServer.Received("/retry", "length", BYTES, 200));
      assertThat(server.bodies("/retry")).containsExactly(PAYLOAD, PAYLOAD);
    }
  }

  @Test
  void guardedHttpClient5CallsArriveWithTheExactLength() throws Exception {
    try (Sender prebuffer =
            HttpClient5Sender.wrapped(GuardPolicy.builder().mode(GuardMode.PREBUFFER).build());
        Sender retry =
            HttpClient5Sender.wrapped(
                GuardPolicy.builder().mode(GuardMode.RETRY_ON_411).prebufferBytes(0).build())) {
      DemoCase first = DemoCase.guarded("HttpClient5", "PREBUFFER", prebuffer);
      DemoCase second = DemoCase.guarded("HttpClient5", "RETRY_ON_411", retry);

      assertThat(Demo.call(server, "/prebuffer", first))
          .isEqualTo(new Demo.Row(first, "length", BYTES, 1, 200, null));
      assertThat(server.bodies("/prebuffer")).containsExactly(PAYLOAD);
      // The one-shot stream was sent chunked once; the resend carries the bytes the guard kept.
      assertThat(Demo.call(server, "/retry", second))
          .isEqualTo(new Demo.Row(second, "chunked, length", BYTES, 2, 200, null));
      assertThat(server.received("/retry"))
          .containsExactly(
              new StrictServer.Received("/retry", "chunked", BYTES, 411),
              new StrictServer.Received("/retry", "length", BYTES, 200));
      assertThat(server.bodies("/retry")).containsExactly(PAYLOAD, PAYLOAD);
    }
  }

  @Test
  void jdkCallsGoChunkedBareAndWithTheExactLengthGuarded() throws Exception {
    try (Sender bare = JdkSender.bare();
        Sender retry = JdkSender.wrapped(retryOn411())) {
      assertBareGets411AndGuardedResends("JDK", bare, retry);
    }
  }

  @Test
  void restClientCallsGoChunkedBareAndWithTheExactLengthGuarded() throws Exception {
    try (Sender bare = RestClientSender.bare();
        Sender retry = RestClientSender.wrapped(retryOn411());
        Sender defaults = RestClientSender.wrapped(GuardPolicy.defaults())) {
      assertBareGets411AndGuardedResends("RestClient", bare, retry);
      DemoCase defaultRest = DemoCase.guarded("RestClient", "default", defaults);

      // The default read-ahead holds the whole small body: it goes once, with its length.
      assertThat(Demo.call(server, "/rest-default", defaultRest))
          .isEqualTo(new Demo.Row(defaultRest, "length", BYTES, 1, 200, null));
      assertThat(server.bodies("/rest-default")).containsExactly(PAYLOAD);
    }
  }

  private static GuardPolicy retryOn411() {
    return GuardPolicy.builder().mode(GuardMode.RETRY_ON_411).prebufferBytes(0).build();
  }

  /**
   * Asserts that {@code bare} goes chunked and gets 411, and that {@code retry} goes chunked, gets
   * 411 and sends the same bytes again with their length.
   */
  private void assertBareGets411AndGuardedResends(String client, Sender bare, Sender retry) {
    DemoCase bareCase = DemoCase.bare(client, bare);
    DemoCase retryCase = DemoCase.guarded(client, "RETRY_ON_411", retry);
    String path = "/" + client + "-retry";

    assertThat(Demo.call(server, "/" + client, bareCase))
        .isEqualTo(new Demo.Row(bareCase, "chunked", BYTES, 1, 411, null));
    assertThat(Demo.call(server, path, retryCase))
        .isEqualTo(new Demo.Row(retryCase, "chunked, length", BYTES, 2, 200, null));
    assertThat(server.received(path))
        .containsExactly(
            new StrictServer.Received(path, "chunked", BYTES, 411),
            new StrictServer.Received(path, "length", BYTES, 200));
    assertThat(server.bodies(path)).containsExactly(PAYLOAD, PAYLOAD);
  }

  @Test
  void adaptiveHttpClient5BuiltWithTheExecHandlerSendsTheLengthAtOnceOnItsSecondCall()
      throws Exception {
    try (Sender adaptive =
        HttpClient5Sender.installed(
            GuardPolicy.builder().mode(GuardMode.ADAPTIVE).prebufferBytes(0).build())) {
      DemoCase first = DemoCase.guarded("HttpClient5", "ADAPTIVE", adaptive);
      DemoCase second = DemoCase.guarded("HttpClient5", "ADAPTIVE 2nd", adaptive);

      assertThat(Demo.call(server, "/first", first))
          .isEqualTo(new Demo.Row(first, "chunked, length", BYTES, 2, 200, null));
      assertThat(Demo.call(server, "/second", second))
          .isEqualTo(new Demo.Row(second, "length", BYTES, 1, 200, null));
      assertThat(server.bodies("/first")).containsExactly(PAYLOAD, PAYLOAD);
      assertThat(server.bodies("/second")).containsExactly(PAYLOAD);
    }
  }

  @Test
  void demoCasesCoverEveryModeForEachClientAndBothWaysIntoHttpClient5() throws Exception {
    List<DemoCase> cases = Demo.cases();
    try {
      assertThat(cases)
          .extracting(c -> c.client() + " " + c.mode() + " " + c.guarded())
          .containsExactly(
              "OkHttp none false",
              "OkHttp default true",
              "OkHttp PREBUFFER true",
              "OkHttp RETRY_ON_411 true",
              "OkHttp ADAPTIVE true",
              "OkHttp ADAPTIVE 2nd true",
              "HttpClient5 none false",
              "HttpClient5 default true",
              "HttpClient5 PREBUFFER true",
              "HttpClient5 RETRY_ON_411 true",
              "HttpClient5 ADAPTIVE true",
              "HttpClient5 ADAPTIVE 2nd true",
              "HttpClient5 ADAPTIVE * true",
              "JDK none false",
              "JDK default true",
              "JDK PREBUFFER true",
              "JDK RETRY_ON_411 true",
              "JDK ADAPTIVE true",
              "JDK ADAPTIVE 2nd true",
              "RestClient none false",
              "RestClient default true",
              "RestClient PREBUFFER true",
              "RestClient RETRY_ON_411 true",
              "RestClient ADAPTIVE true",
              "RestClient ADAPTIVE 2nd true");
      // Each second ADAPTIVE call goes through the same client, which remembers the origin.
      assertThat(cases.get(5).sender()).isSameAs(cases.get(4).sender());
      assertThat(cases.get(11).sender()).isSameAs(cases.get(10).sender());
      assertThat(cases.get(18).sender()).isSameAs(cases.get(17).sender());
      assertThat(cases.get(24).sender()).isSameAs(cases.get(23).sender());
      // Every other case has a client of its own: no other state carries over.
      assertThat(cases.stream().map(DemoCase::sender).distinct()).hasSize(21);
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
