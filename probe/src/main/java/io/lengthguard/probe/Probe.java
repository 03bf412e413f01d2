package io.lengthguard.probe;

import java.io.PrintStream;

/**
 * The {@code lengthguard-probe} command. With no argument it runs the demo against an embedded
 * strict server; with a URL it asks that endpoint which request framings it accepts. Run with
 * {@code --help} for the options and exit codes.
 */
public final class Probe {
  /** The endpoint accepts chunked bodies; in the demo, every guarded call succeeded. */
  static final int EXIT_ACCEPTS_CHUNKED = 0;

  /** A network or TLS error, or a timeout; in the demo, a guarded call failed. */
  static final int EXIT_ERROR = 1;

  /** A bad option or URL. */
  static final int EXIT_USAGE = 2;

  /** The endpoint requires Content-Length: chunked bodies are refused. */
  static final int EXIT_REQUIRES_LENGTH = 3;

  /**
   * No verdict: the request with Content-Length itself got 411, or an error status while no framing
   * got 411.
   */
  static final int EXIT_NO_VERDICT = 4;

  static final String NAME = "lengthguard-probe";

  static final String HELP =
      String.join(
          "\n",
          "Usage: java -jar lengthguard-probe.jar [URL [options]]",
          "",
          "With no argument, runs the demo: an embedded strict server on 127.0.0.1",
          "answers 411 Length Required to any request body without Content-Length,",
          "and OkHttp and HttpClient 5 send it a body of unknown length. Prints one",
          "row per call: client, mode, framing sent, bytes, round trips, status.",
          "",
          "With a URL (http or https), sends FOUR REAL REQUESTS to it, each on its",
          "own connection, with one small JSON payload: with Content-Length; chunked;",
          "chunked with Expect: 100-continue; and as an empty body with no length",
          "header. The endpoint handles each as any other request: a POST may create",
          "something up to four times. Use --method (and a URL) whose handling has no",
          "side effects where the same gateway rules apply, such as --method OPTIONS.",
          "Prints each answer, what the endpoint accepts, whether it closes without",
          "reading a body it refused, and which GuardMode to use.",
          "",
          "Options:",
          "  --method METHOD         request method (default POST); pick one without",
          "                          side effects to probe a live service",
          "  --header 'Name: value'  extra request header, repeatable; the probe sets",
          "                          Content-Length, Transfer-Encoding, Expect and",
          "                          Connection itself",
          "  --timeout DURATION      limit for each request (connect, TLS handshake,",
          "                          response): 500ms, 5s, 1m; default 10s",
          "  --insecure              skip TLS certificate and host name checks",
          "  --json                  print the result as JSON on standard output",
          "  -h, --help              print this help",
          "",
          "Exit codes:",
          "  0  the endpoint accepts chunked bodies; demo: every guarded call got 2xx",
          "  1  error: unknown host, connection refused, TLS failure, timeout, no",
          "     response; demo: a guarded call failed",
          "  2  usage error: unknown option, bad value, bad URL",
          "  3  the endpoint requires Content-Length: chunked bodies are refused",
          "  4  no verdict: even the request with Content-Length failed (411, or an",
          "     error status while no framing got 411)",
          "");

  private Probe() {}

  /** Runs the command and exits with its code. */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the command, writing to {@code out} and {@code err}; returns the exit code. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0) return Demo.run(out, err);
    Options options;
    try {
      options = Options.parse(args);
    } catch (UsageException e) {
      err.println(NAME + ": " + e.getMessage() + "; see --help");
      return EXIT_USAGE;
    }
    if (options.help()) {
      out.print(HELP);
      return 0;
    }
    try {
      ProbeResult result = EndpointProbe.run(options);
      out.print(options.json() ? Report.json(result) : Report.text(result));
      return result.verdict().exitCode();
    } catch (ProbeException e) {
      String message = Connector.oneLine(e);
      err.println(NAME + ": " + message);
      if (options.json()) out.print(Report.jsonError(message, EXIT_ERROR));
      return EXIT_ERROR;
    }
  }
}
