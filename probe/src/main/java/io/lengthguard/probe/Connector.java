package io.lengthguard.probe;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.jspecify.annotations.Nullable;

/**
 * Opens connections to one target: plain TCP, or TLS with SNI and host name verification unless
 * {@code --insecure}. Failures become {@link ProbeException}s with one-line messages.
 */
final class Connector {
  private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");

  private final Target target;
  private final InetAddress address;
  private final Duration timeout;
  private final boolean insecure;
  private final @Nullable SSLSocketFactory tls;

  Connector(
      Target target,
      InetAddress address,
      Duration timeout,
      boolean insecure,
      @Nullable SSLSocketFactory tls) {
    this.target = target;
    this.address = address;
    this.timeout = timeout;
    this.insecure = insecure;
    this.tls = tls;
  }

  /** Returns a connector to {@code target}, its host resolved within {@code timeout}. */
  static Connector create(Target target, Duration timeout, boolean insecure) throws ProbeException {
    InetAddress address = resolve(target.host(), timeout);
    SSLSocketFactory tls = null;
    if (target.https()) tls = insecure ? trustAll() : defaultTls();
    return new Connector(target, address, timeout, insecure, tls);
  }

  Target target() {
    return target;
  }

  Duration timeout() {
    return timeout;
  }

  /** Returns a connected socket, its TLS handshake done, or throws saying what failed. */
  Socket connect(long deadlineNanos) throws ProbeException {
    Socket socket = new Socket();
    try {
      socket.connect(new InetSocketAddress(address, target.port()), millisLeft(deadlineNanos));
    } catch (IOException e) {
      close(socket);
      throw connectFailed(e);
    }
    if (tls == null) return socket;
    try {
      SSLSocket ssl = (SSLSocket) tls.createSocket(socket, target.host(), target.port(), true);
      ssl.setSSLParameters(parameters(ssl.getSSLParameters()));
      ssl.setSoTimeout(millisLeft(deadlineNanos));
      ssl.startHandshake();
      return ssl;
    } catch (IOException e) {
      close(socket);
      throw tlsFailed(e);
    }
  }

  private SSLParameters parameters(SSLParameters params) {
    String host = target.host();
    if (!host.contains(":") && !IPV4.matcher(host).matches()) {
      try {
        params.setServerNames(List.of(new SNIHostName(host)));
      } catch (IllegalArgumentException e) {
        // Not a name SNI can carry (RFC 6066 §3); the handshake goes on without it.
      }
    }
    // Without an endpoint identification algorithm the JDK checks the chain but not the name.
    if (!insecure) params.setEndpointIdentificationAlgorithm("HTTPS");
    // The probe speaks HTTP/1.1 only: framing with Transfer-Encoding does not exist in HTTP/2.
    params.setApplicationProtocols(new String[] {"http/1.1"});
    return params;
  }

  /** Returns the one-line message for a failure while connecting. */
  ProbeException connectFailed(IOException e) {
    String where = target.authority();
    if (e instanceof SocketTimeoutException) {
      return new ProbeException(
          "timed out after " + Options.format(timeout) + " connecting to " + where);
    }
    if (e instanceof ConnectException && String.valueOf(e.getMessage()).contains("refused")) {
      return new ProbeException("connection refused: " + where);
    }
    if (e instanceof NoRouteToHostException)
      return new ProbeException("no route to host: " + where);
    return new ProbeException("cannot connect to " + where + ": " + oneLine(e));
  }

  /** Returns the one-line message for a failure during the TLS handshake. */
  ProbeException tlsFailed(IOException e) {
    String where = target.authority();
    if (e instanceof SocketTimeoutException) {
      return new ProbeException(
          "timed out after " + Options.format(timeout) + " in the TLS handshake with " + where);
    }
    String reason = oneLine(e);
    Throwable certificate = find(e);
    if (certificate != null) {
      String root = oneLine(rootCause(certificate));
      reason =
          root.contains("subject alternative") || root.contains("No name matching")
              ? "certificate does not match " + target.host() + ": " + root
              : "certificate not trusted: " + root;
      if (!insecure) reason += " (--insecure skips certificate checks)";
    }
    return new ProbeException("TLS handshake with " + where + " failed: " + reason);
  }

  private static @Nullable Throwable find(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CertificateException
          || t instanceof CertPathBuilderException
          || t instanceof CertPathValidatorException) {
        return t;
      }
    }
    return null;
  }

  private static Throwable rootCause(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) t = t.getCause();
    return t;
  }

  /** Returns an exception's message on one line, or its type if it has none. */
  static String oneLine(Throwable e) {
    String message = e.getMessage();
    if (message == null || message.isBlank()) return e.getClass().getSimpleName();
    return message.replaceAll("[\\r\\n\\t]+", " ").strip();
  }

  private static InetAddress resolve(String host, Duration timeout) throws ProbeException {
    // InetAddress has no lookup timeout of its own, so the lookup runs on a daemon thread.
    FutureTask<InetAddress> lookup = new FutureTask<>(() -> InetAddress.getByName(host));
    Thread thread = new Thread(lookup, "lengthguard-probe-dns");
    thread.setDaemon(true);
    thread.start();
    try {
      return lookup.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownHostException) {
        throw new ProbeException("unknown host: " + host);
      }
      throw new ProbeException("cannot resolve " + host + ": " + oneLine(e.getCause()));
    } catch (TimeoutException e) {
      lookup.cancel(true);
      throw new ProbeException("timed out after " + Options.format(timeout) + " resolving " + host);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ProbeException("interrupted while resolving " + host);
    }
  }

  private static SSLSocketFactory defaultTls() throws ProbeException {
    try {
      return SSLContext.getDefault().getSocketFactory();
    } catch (GeneralSecurityException e) {
      throw new ProbeException("TLS is not available in this Java runtime: " + oneLine(e));
    }
  }

  private static SSLSocketFactory trustAll() throws ProbeException {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {new TrustAll()}, null);
      return context.getSocketFactory();
    } catch (GeneralSecurityException e) {
      throw new ProbeException("TLS is not available in this Java runtime: " + oneLine(e));
    }
  }

  static int millisLeft(long deadlineNanos) throws SocketTimeoutException {
    long nanos = deadlineNanos - System.nanoTime();
    if (nanos <= 0) throw new SocketTimeoutException("deadline passed");
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(nanos)));
  }

  private static void close(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // Closing a socket that failed to connect: the first failure is the one to report.
    }
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "Connector{%s, insecure=%s}", target.authority(), insecure);
  }

  /** Accepts every certificate, for {@code --insecure} only. */
  private static final class TrustAll extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
