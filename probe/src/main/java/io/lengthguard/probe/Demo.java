package io.lengthguard.probe;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.lengthguard.GuardMode;
import io.lengthguard.GuardPolicy;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The no-argument run: a strict server on loopback, and each {@link DemoCase} sending it a body of
 * unknown length, shown as one table row per call.
 */
final class Demo {
  // Kept so the level set in run() is not lost when the logger is collected.
  private static final Logger GUARD_LOG = Logger.getLogger("io.lengthguard");

  /** The body every call sends: JSON, as a streaming serializer would write it. */
  static final byte[] PAYLOAD = payload();

  /** Marks the mode of a call through a client built with {@code LengthGuardExecHandler}. */
  static final String INSTALLED = " *";

  /** Spring's RestClient, over the JDK request factory in each of its rows. */
  private static final String REST_CLIENT = "RestClient";

  private Demo() {}

  /**
   * A call as it went.
   *
   * @param demoCase what was sent
   * @param framing the framing of each request the server saw, in order
   * @param bytes the body bytes the server received in the last request
   * @param roundTrips how many requests the server saw for the call
   * @param status the final status the client got, or 0 on error
   * @param error why the client got no status, or null
   */
  record Row(
      DemoCase demoCase,
      String framing,
      long bytes,
      int roundTrips,
      int status,
      @Nullable String error) {

    boolean succeeded() {
      return error == null && status >= 200 && status <= 299;
    }
  }

  /** Runs the demo's cases against a new strict server; returns the exit code. */
  static int run(PrintStream out, PrintStream err) {
    // The table shows each 411 and resend; the guard's INFO lines would interleave with it.
    GUARD_LOG.setLevel(Level.WARNING);
    List<DemoCase> cases = cases();
    try (StrictServer server = StrictServer.start()) {
      return run(server, cases, out);
    } catch (IOException e) {
      err.println(Probe.NAME + ": cannot start the demo server: " + Connector.oneLine(e));
      return Probe.EXIT_ERROR;
    } finally {
      close(cases, err);
    }
  }

  /** Returns the demo's calls, in table order. */
  static List<DemoCase> cases() {
    List<DemoCase> cases = new ArrayList<>();
    cases.add(DemoCase.bare("OkHttp", OkHttpSender.bare()));
    addGuarded(cases, "OkHttp", OkHttpSender::guarded);
    cases.add(DemoCase.bare("HttpClient5", HttpClient5Sender.bare()));
    addGuarded(cases, "HttpClient5", HttpClient5Sender::wrapped);
    // HttpClient 5's other way in: the guard in the exec chain of a client being built.
    cases.add(
        DemoCase.guarded(
            "HttpClient5",
            "ADAPTIVE" + INSTALLED,
            HttpClient5Sender.installed(policy(GuardMode.ADAPTIVE))));
    cases.add(DemoCase.bare("JDK", JdkSender.bare()));
    addGuarded(cases, "JDK", JdkSender::wrapped);
    cases.add(DemoCase.bare(REST_CLIENT, RestClientSender.bare()));
    addGuarded(cases, REST_CLIENT, RestClientSender::wrapped);
    return cases;
  }

  /**
   * Adds {@code client}'s calls through LengthGuard: the default policy, then one per mode, and
   * ADAPTIVE's second call.
   */
  private static void addGuarded(
      List<DemoCase> cases, String client, Function<GuardPolicy, Sender> sender) {
    cases.add(DemoCase.guarded(client, DEFAULT, sender.apply(GuardPolicy.defaults())));
    for (GuardMode mode : List.of(GuardMode.PREBUFFER, GuardMode.RETRY_ON_411)) {
      cases.add(DemoCase.guarded(client, mode.name(), sender.apply(policy(mode))));
    }
    // One client for two calls: the second shows what ADAPTIVE learned from the first's 411.
    Sender adaptive = sender.apply(policy(GuardMode.ADAPTIVE));
    cases.add(DemoCase.guarded(client, "ADAPTIVE", adaptive));
    cases.add(DemoCase.guarded(client, "ADAPTIVE 2nd", adaptive));
  }

  /**
   * Returns a policy of {@code mode} that reads nothing ahead: the 475-byte body then goes as a
   * body past the default 1 MiB read-ahead would, so the table shows the 411 and the resend.
   */
  private static final String DEFAULT = "default";

  private static GuardPolicy policy(GuardMode mode) {
    GuardPolicy.Builder builder = GuardPolicy.builder().mode(mode);
    if (mode != GuardMode.PREBUFFER) builder.prebufferBytes(0);
    return builder.build();
  }

  /**
   * Runs {@code cases} against {@code server} and prints the table; returns 0 when every guarded
   * call got a 2xx, else {@link Probe#EXIT_ERROR}.
   */
  static int run(StrictServer server, List<DemoCase> cases, PrintStream out) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < cases.size(); i++) rows.add(call(server, "/demo/" + (i + 1), cases.get(i)));
    out.print(table(server, rows));
    boolean allGuardedSucceeded =
        rows.stream().filter(r -> r.demoCase().guarded()).allMatch(Row::succeeded);
    return allGuardedSucceeded ? 0 : Probe.EXIT_ERROR;
  }

  /** Sends one case's call to {@code path} and reads back what the server saw. */
  static Row call(StrictServer server, String path, DemoCase demoCase) {
    int status = 0;
    String error = null;
    try {
      status = demoCase.sender().post(server.url(path), PAYLOAD);
    } catch (IOException | RuntimeException e) {
      // A client that throws is a failed row in the table, not the end of the demo.
      error = e.getClass().getSimpleName() + ": " + Connector.oneLine(e);
    }
    List<StrictServer.Received> received = server.received(path);
    String framing =
        received.isEmpty()
            ? "-"
            : received.stream()
                .map(StrictServer.Received::framing)
                .collect(Collectors.joining(", "));
    long bytes = received.isEmpty() ? 0 : received.get(received.size() - 1).bytes();
    return new Row(demoCase, framing, bytes, received.size(), status, error);
  }

  /** Returns the table and its notes, at most 80 columns wide. */
  static String table(StrictServer server, List<Row> rows) {
    boolean anyGuarded = rows.stream().anyMatch(r -> r.demoCase().guarded());
    StringBuilder out = new StringBuilder();
    out.append("LengthGuard demo\n\n");
    String intro =
        "A strict server on "
            + server.origin()
            + " answers 411 Length Required to any request body without Content-Length, as"
            + " haproxy, apache2 or lighttpd can be set to. Each client POSTs a "
            + PAYLOAD.length
            + "-byte JSON body of unknown length"
            + (anyGuarded ? ", bare and through LengthGuard." : ", as it comes.");
    for (String line : Text.wrap(intro, Text.WIDTH)) out.append(line).append('\n');
    out.append('\n');
    String format = "%-11s  %-12s  %-15s  %5s  %5s  %s%n";
    out.append(String.format(Locale.ROOT, format, "", "", "", "", "round", ""));
    out.append(
        String.format(
            Locale.ROOT, format, "client", "mode", "framing sent", "bytes", "trips", "status"));
    out.append(
        String.format(
            Locale.ROOT,
            format,
            "-".repeat(11),
            "-".repeat(12),
            "-".repeat(15),
            "-".repeat(5),
            "-".repeat(5),
            "-".repeat(19)));
    for (Row row : rows) {
      String status =
          row.error() != null
              ? "error (see below)"
              : Outcome.answered(row.status(), "", false, true).statusLine();
      out.append(
          String.format(
              Locale.ROOT,
              format,
              Text.cut(row.demoCase().client(), 11),
              Text.cut(row.demoCase().mode(), 12),
              Text.cut(row.framing(), 15),
              row.bytes(),
              row.roundTrips(),
              Text.cut(status, 22)));
    }
    out.append('\n');
    for (Row row : rows) {
      if (row.error() == null) continue;
      String line = row.demoCase().client() + " " + row.demoCase().mode() + ": " + row.error();
      for (String part : Text.wrap(line, Text.WIDTH - 2))
        out.append("  ").append(part).append('\n');
    }
    out.append(ways(rows));
    String notes =
        "bytes: body bytes the server received in the call's last request. round trips:"
            + " requests it received for the call.";
    for (String line : Text.wrap(notes, Text.WIDTH)) out.append(line).append('\n');
    out.append(summary(rows));
    // Blank leading cells leave trailing spaces on the header's first line.
    return out.toString().replaceAll(" +\n", "\n");
  }

  /** Returns the lines that show how the guarded calls in {@code rows} are set up, or "". */
  private static String ways(List<Row> rows) {
    StringBuilder ways = new StringBuilder();
    String format = "  %-11s  %s%n";
    if (guarded(rows, "OkHttp")) {
      ways.append(
          String.format(
              Locale.ROOT,
              format,
              "OkHttp",
              "addInterceptor(LengthGuardInterceptor.create(policy))"));
    }
    if (guarded(rows, "HttpClient5")) {
      ways.append(
          String.format(
              Locale.ROOT,
              format,
              "HttpClient5",
              "LengthGuardHttpClient.wrap(HttpClients.createDefault(), policy)"));
    }
    if (guarded(rows, "JDK")) {
      ways.append(
          String.format(
              Locale.ROOT,
              format,
              "JDK",
              "LengthGuardHttpClient.wrap(HttpClient.newHttpClient(), policy)"));
    }
    if (guarded(rows, REST_CLIENT)) {
      ways.append(
          String.format(
              Locale.ROOT,
              format,
              REST_CLIENT,
              "LengthGuardClientHttpRequestFactory.wrap(jdkFactory, policy)"));
      ways.append(
          String.format(
              Locale.ROOT,
              format,
              "",
              "jdkFactory: new JdkClientHttpRequestFactory(), as in the bare row"));
    }
    if (rows.stream().anyMatch(r -> r.demoCase().mode().endsWith(INSTALLED))) {
      ways.append(
          String.format(
              Locale.ROOT,
              format,
              INSTALLED.strip(),
              "LengthGuardExecHandler.install(HttpClients.custom(), policy)"));
    }
    return ways.length() == 0
        ? ""
        : "Guarded calls, with policy set to the row's mode:\n"
            + ways
            + "  default: GuardPolicy.defaults(), ADAPTIVE with a 1 MiB read-ahead.\n"
            + "  RETRY_ON_411, ADAPTIVE: prebufferBytes(0), as a body past the read-ahead goes.\n"
            + "\n";
  }

  private static boolean guarded(List<Row> rows, String client) {
    return rows.stream()
        .anyMatch(r -> r.demoCase().guarded() && r.demoCase().client().equals(client));
  }

  private static String summary(List<Row> rows) {
    StringBuilder out = new StringBuilder("\n");
    long bare = rows.stream().filter(r -> !r.demoCase().guarded()).count();
    long bare411 = rows.stream().filter(r -> !r.demoCase().guarded() && r.status() == 411).count();
    if (bare > 0) {
      out.append("Without LengthGuard: ")
          .append(bare411)
          .append(" of ")
          .append(bare)
          .append(bare == 1 ? " call" : " calls")
          .append(" got 411 Length Required.\n");
    }
    long guarded = rows.stream().filter(r -> r.demoCase().guarded()).count();
    long succeeded = rows.stream().filter(r -> r.demoCase().guarded() && r.succeeded()).count();
    if (guarded > 0) {
      out.append("Through LengthGuard: ")
          .append(succeeded)
          .append(" of ")
          .append(guarded)
          .append(guarded == 1 ? " call" : " calls")
          .append(" succeeded.\n");
    }
    return out.toString();
  }

  /** Closes each distinct sender once; cases may share one. */
  private static void close(List<DemoCase> cases, PrintStream err) {
    Set<Sender> senders = Collections.newSetFromMap(new IdentityHashMap<>());
    for (DemoCase demoCase : cases) {
      if (!senders.add(demoCase.sender())) continue;
      try {
        demoCase.sender().close();
      } catch (IOException e) {
        err.println(Probe.NAME + ": closing a client failed: " + Connector.oneLine(e));
      }
    }
  }

  private static byte[] payload() {
    StringBuilder json = new StringBuilder("{\"order\":\"A-1001\",\"lines\":[");
    for (int i = 1; i <= 12; i++) {
      if (i > 1) json.append(',');
      json.append(
          String.format(Locale.ROOT, "{\"sku\":\"SKU-%04d\",\"qty\":%d,\"note\":\"\"}", i * 37, i));
    }
    return json.append("]}").toString().getBytes(UTF_8);
  }
}
