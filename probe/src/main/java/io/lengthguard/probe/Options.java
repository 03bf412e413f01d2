package io.lengthguard.probe;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The command line of {@code probe URL}: parsed and checked at once, so that a request is never
 * sent with options the user did not mean.
 *
 * @param target where to send the requests; null only when {@code help} is set
 * @param method the request method
 * @param headers extra request headers, in order
 * @param timeout the limit of each request: connect, TLS handshake and response
 * @param insecure whether TLS certificates and host names go unchecked
 * @param json whether the result is printed as JSON
 * @param help whether only the help text is wanted
 */
record Options(
    @Nullable Target target,
    String method,
    List<Header> headers,
    Duration timeout,
    boolean insecure,
    boolean json,
    boolean help) {

  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);

  // The probe frames each request itself; a user value for these would contradict the framing.
  private static final Set<String> RESERVED =
      Set.of("content-length", "transfer-encoding", "expect", "connection");

  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
  private static final Pattern TIMEOUT = Pattern.compile("([0-9]{1,9})(ms|s|m)?");

  /** A request header given with {@code --header 'Name: value'}. */
  record Header(String name, String value) {}

  Options {
    headers = List.copyOf(headers);
  }

  /** Returns the options of {@code args}, or throws naming the first problem. */
  static Options parse(String[] args) throws UsageException {
    for (String arg : args) {
      if (arg.equals("--help") || arg.equals("-h")) {
        return new Options(null, "POST", List.of(), DEFAULT_TIMEOUT, false, false, true);
      }
    }
    String url = null;
    String method = "POST";
    List<Header> headers = new ArrayList<>();
    Duration timeout = DEFAULT_TIMEOUT;
    boolean insecure = false;
    boolean json = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String name = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      switch (name) {
        case "--method":
          method = checkMethod(value != null ? value : next(args, ++i, name));
          break;
        case "--header":
          headers.add(parseHeader(value != null ? value : next(args, ++i, name)));
          break;
        case "--timeout":
          timeout = parseTimeout(value != null ? value : next(args, ++i, name));
          break;
        case "--insecure":
          insecure = flag(name, value);
          break;
        case "--json":
          json = flag(name, value);
          break;
        default:
          if (arg.startsWith("-")) throw new UsageException("unknown option: " + arg);
          if (url != null) throw new UsageException("more than one URL: " + url + ", " + arg);
          url = arg;
      }
    }
    if (url == null) throw new UsageException("no URL given");
    return new Options(Target.parse(url), method, headers, timeout, insecure, json, false);
  }

  /**
   * Returns the {@code --timeout} value: digits with {@code ms}, {@code s} (default) or {@code m}.
   */
  static Duration parseTimeout(String text) throws UsageException {
    Matcher m = TIMEOUT.matcher(text);
    if (!m.matches()) {
      throw new UsageException("bad --timeout: " + text + " (use e.g. 500ms, 5s or 1m)");
    }
    long amount = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    Duration timeout =
        unit.equals("ms")
            ? Duration.ofMillis(amount)
            : unit.equals("s") ? Duration.ofSeconds(amount) : Duration.ofMinutes(amount);
    if (timeout.isZero()) throw new UsageException("bad --timeout: " + text + " (must be > 0)");
    if (timeout.compareTo(MAX_TIMEOUT) > 0) {
      throw new UsageException("bad --timeout: " + text + " (at most 10m)");
    }
    return timeout;
  }

  /** Returns {@code 5s} or {@code 500ms}, for messages. */
  static String format(Duration duration) {
    long millis = duration.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
  }

  static Header parseHeader(String text) throws UsageException {
    int colon = text.indexOf(':');
    if (colon <= 0) {
      throw new UsageException("bad --header: " + text + " (expected 'Name: value')");
    }
    String name = text.substring(0, colon);
    // RFC 9112 §5.1: no whitespace between a field name and its colon.
    if (!TOKEN.matcher(name).matches()) {
      throw new UsageException(
          "bad --header name: '" + name + "' (letters, digits and !#$%&'*+.^_`|~-)");
    }
    if (RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
      throw new UsageException(
          "--header "
              + name
              + " is not allowed: the probe sets Content-Length, Transfer-Encoding, Expect"
              + " and Connection itself");
    }
    String value = text.substring(colon + 1).strip();
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      // RFC 9110 §5.5: visible ASCII, space and tab; CR and LF would split the request.
      if (c != '\t' && (c < 0x20 || c > 0x7e)) {
        throw new UsageException(
            "bad --header value for "
                + name
                + ": only visible ASCII, space and tab (found U+"
                + String.format(Locale.ROOT, "%04X", (int) c)
                + ")");
      }
    }
    return new Header(name, value);
  }

  private static String checkMethod(String method) throws UsageException {
    if (!TOKEN.matcher(method).matches()) {
      throw new UsageException("bad --method: '" + method + "' (a token such as POST or PUT)");
    }
    return method;
  }

  private static String next(String[] args, int i, String option) throws UsageException {
    if (i >= args.length) throw new UsageException(option + " needs a value");
    return args[i];
  }

  private static boolean flag(String option, @Nullable String value) throws UsageException {
    if (value != null) throw new UsageException(option + " takes no value");
    return true;
  }
}
