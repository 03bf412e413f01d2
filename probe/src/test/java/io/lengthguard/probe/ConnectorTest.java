package io.lengthguard.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConnectorTest {
  private final HeldCertificate certificate =
      new HeldCertificate.Builder().addSubjectAlternativeName("localhost").build();
  private final HandshakeCertificates clientTrust =
      new HandshakeCertificates.Builder().addTrustedCertificate(certificate.certificate()).build();
  private final MockWebServer server = new MockWebServer();

  @BeforeEach
  void startHttps() throws Exception {
    server.useHttps(
        new HandshakeCertificates.Builder()
            .heldCertificate(certificate)
            .build()
            .sslSocketFactory());
    server.start(InetAddress.getByName("127.0.0.1"), 0);
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  @Test
  void sendsSniAndSpeaksHttp11ToATrustedName() throws Exception {
    server.enqueue(new MockResponse.Builder().code(200).build());
    Connector connector = trusting("localhost");

    Outcome outcome =
        new Exchange(connector, "POST", java.util.List.of(), EndpointProbe.PAYLOAD)
            .send(Framing.CONTENT_LENGTH);

    assertThat(outcome.status()).isEqualTo(200);
    RecordedRequest request = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(request).isNotNull();
    assertThat(request.getHandshakeServerNames()).containsExactly("localhost");
  }

  @Test
  void offersOnlyHttp11ByAlpn() throws Exception {
    try (Socket socket = trusting("localhost").connect(System.nanoTime() + 5_000_000_000L)) {
      assertThat(((SSLSocket) socket).getApplicationProtocol()).isEqualTo("http/1.1");
    }
  }

  @Test
  void refusesATrustedCertificateForAnotherName() throws Exception {
    Connector connector = trusting("127.0.0.1");

    assertThatThrownBy(() -> connector.connect(System.nanoTime() + 5_000_000_000L))
        .isInstanceOf(ProbeException.class)
        .hasMessage(
            "TLS handshake with 127.0.0.1:"
                + server.getPort()
                + " failed: certificate does not match 127.0.0.1: No subject alternative names"
                + " matching IP address 127.0.0.1 found (--insecure skips certificate checks)");
  }

  @Test
  void insecureSkipsBothChecks() throws Exception {
    Connector connector =
        Connector.create(
            Target.parse("https://127.0.0.1:" + server.getPort() + "/"),
            Duration.ofSeconds(5),
            true);

    try (Socket socket = connector.connect(System.nanoTime() + 5_000_000_000L)) {
      assertThat(((SSLSocket) socket).getSession().getPeerCertificates()[0])
          .isEqualTo(certificate.certificate());
    }
  }

  private Connector trusting(String host) throws Exception {
    Target target = Target.parse("https://" + host + ":" + server.getPort() + "/");
    return new Connector(
        target,
        InetAddress.getByName("127.0.0.1"),
        Duration.ofSeconds(5),
        false,
        clientTrust.sslSocketFactory());
  }
}
