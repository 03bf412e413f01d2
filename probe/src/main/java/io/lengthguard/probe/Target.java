package io.lengthguard.probe;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Where the probe sends its requests: scheme, host, port and request target, parsed from an {@code
 * http} or {@code https} URL.
 *
 * @param url the URL as given
 * @param https whether the connection uses TLS
 * @param host the host name or address literal, without IPv6 brackets
 * @param port the port, explicit even where it is the scheme's default
 * @param requestTarget the origin-form request target (RFC 9112 §3.2.1): path and query
 */
record Target(String url, boolean https, String host, int port, String requestTarget) {

  /** Returns the target of {@code url}, or throws naming what is wrong with it. */
  static Target parse(String url) throws UsageException {
    URI uri;
    try {
      // Non-ASCII in the path or query goes out percent-encoded as UTF-8 (RFC 3986 §2.5).
      uri = new URI(new URI(url).toASCIIString());
    } catch (URISyntaxException e) {
      throw badUrl(url, e.getReason());
    }
    String scheme = uri.getScheme();
    if (scheme == null || uri.isOpaque()) {
      throw badUrl(url, "expected http://host[:port]/path or https://...");
    }
    scheme = scheme.toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw badUrl(url, "only http and https are supported");
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) throw badUrl(url, "no host");
    if (uri.getRawUserInfo() != null) {
      throw badUrl(url, "user info is not supported; send credentials with --header");
    }
    if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
    boolean https = scheme.equals("https");
    int port = uri.getPort() == -1 ? (https ? 443 : 80) : uri.getPort();
    if (port < 1 || port > 65535) throw badUrl(url, "port out of range: " + port);
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    String query = uri.getRawQuery();
    return new Target(url, https, host, port, query == null ? path : path + "?" + query);
  }

  /** Returns the {@code Host} header value: the port is left out where it is the default. */
  String hostHeader() {
    String name = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    return port == (https ? 443 : 80) ? name : name + ":" + port;
  }

  /** Returns {@code host:port}, for messages. */
  String authority() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  private static UsageException badUrl(String url, String why) {
    return new UsageException("bad URL: " + url + " (" + why + ")");
  }
}
