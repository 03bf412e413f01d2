package io.lengthguard;

import static java.util.Objects.requireNonNull;

import java.util.Locale;

/**
 * A server a request goes to: scheme, host and port (RFC 6454). The guard remembers per origin
 * whether it wants a length.
 *
 * <p>This class is immutable and thread-safe.
 *
 * @param scheme lower-case scheme, such as {@code https}
 * @param host lower-case host name or address literal, an IPv6 literal without brackets ({@code
 *     ::1})
 * @param port port number, explicit even where it is the scheme's default
 */
public record Origin(String scheme, String host, int port) {
  /**
   * Creates an origin, lower-casing the scheme and host and taking one pair of enclosing brackets
   * off the host, so that {@code [::1]} and {@code ::1} are the same origin.
   *
   * @throws IllegalArgumentException if {@code port} is not between 1 and 65535
   */
  public Origin {
    requireNonNull(scheme, "scheme == null");
    requireNonNull(host, "host == null");
    Checks.requireArgument(port > 0 && port <= 65535, "port out of range: %s", port);
    scheme = scheme.toLowerCase(Locale.ROOT);
    // java.net.URI.getHost() keeps the brackets of an IPv6 literal, where OkHttp's HttpUrl.host()
    // and the adapters give it bare: an origin configured from a URL must match theirs.
    if (host.length() >= 2 && host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    host = host.toLowerCase(Locale.ROOT);
  }

  /**
   * Returns the origin of {@code scheme://host:port}; {@code host} may be an IPv6 literal with or
   * without its brackets.
   *
   * @throws IllegalArgumentException if {@code port} is not between 1 and 65535
   */
  public static Origin of(String scheme, String host, int port) {
    return new Origin(scheme, host, port);
  }

  @Override
  public String toString() {
    return scheme + "://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
