package io.lengthguard.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.GuardListener;
import io.lengthguard.GuardPolicy;
import io.lengthguard.Origin;
import io.lengthguard.testing.Payloads;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.QueueDispatcher;
import mockwebserver3.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.MessageConstraintException;
import org.apache.hc.core5.http.config.CharCodingConfig;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.util.Timeout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EarlyResponsesTest {
  private static final MockResponse EARLY_411 =
      new MockResponse.Builder().code(411).body("Length Required").doNotReadRequestBody().build();

  private MockWebServer server;

  @BeforeEach
  void startServer() throws Exception {
    server = Servers.strictOrigin();
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  @Test
  void readsA411ThatArrivesWhileALargeBodyIsWritten() throws Exception {
    server.setDispatcher(new Origins.EarlyLengthRequired(1));
    PoolingHttpClientConnectionManager pool = EarlyResponses.connectionManager();
    byte[] payload = Payloads.bytes(256);

    try (CloseableHttpClient client = HttpClients.custom().setConnectionManager(pool).build()) {
      int early = code(client, post(chunked(16 << 20)));
      int next = code(client, post(payload));

      assertThat(early).isEqualTo(411);
      assertThat(next).isEqualTo(200);
      assertThat(pool.getTotalStats().getLeased()).isZero();
    }

    RecordedRequest refused = server.takeRequest();
    RecordedRequest accepted = server.takeRequest();
    assertThat(refused.getHeaders().get("Transfer-Encoding")).isEqualTo("chunked");
    // The connection the 411 cut short is not reused.
    assertThat(accepted.getConnectionIndex()).isNotEqualTo(refused.getConnectionIndex());
  }

  @Test
  void reusesConnectionsThatEndedNormally() throws Exception {
    PoolingHttpClientConnectionManager pool = EarlyResponses.connectionManager();

    try (CloseableHttpClient client = HttpClients.custom().setConnectionManager(pool).build()) {
      for (int i = 0; i < 2; i++) {
        int code = code(client, post(Payloads.bytes(100_000)));
        assertThat(code).isEqualTo(200);
      }
    }

    RecordedRequest first = server.takeRequest();
    RecordedRequest second = server.takeRequest();
    assertThat(first.getBodySize()).isEqualTo(100_000);
    assertThat(second.getConnectionIndex()).isEqualTo(first.getConnectionIndex());
  }

  @Test
  void installKeepsTheConnectionConfigSetOnTheBuilder() throws Exception {
    PoolingHttpClientConnectionManager pool =
        EarlyResponses.install(PoolingHttpClientConnectionManagerBuilder.create())
            .setDefaultConnectionConfig(
                ConnectionConfig.custom().setSocketTimeout(Timeout.ofMilliseconds(200)).build())
            .build();
    server.setDispatcher(new QueueDispatcher());
    server.enqueue(new MockResponse.Builder().headersDelay(10, TimeUnit.SECONDS).build());
    server.enqueue(EARLY_411);

    try (CloseableHttpClient client = HttpClients.custom().setConnectionManager(pool).build()) {
      // The builder's socket timeout: without it the read would wait out the 10 s delay.
      assertThatThrownBy(() -> code(client, post(Payloads.bytes(16))))
          .isInstanceOf(SocketTimeoutException.class);
      // And the connections are early-response ones: the 411 is read mid-body.
      assertThat(code(client, post(chunked(16 << 20)))).isEqualTo(411);
    }
  }

  @Test
  void installKeepsTheTlsStrategySetOnTheBuilder() throws Exception {
    HeldCertificate certificate =
        new HeldCertificate.Builder().addSubjectAlternativeName("127.0.0.1").build();
    server.useHttps(
        new HandshakeCertificates.Builder()
            .heldCertificate(certificate)
            .build()
            .sslSocketFactory());
    SSLContext trusting =
        new HandshakeCertificates.Builder()
            .addTrustedCertificate(certificate.certificate())
            .build()
            .sslContext();
    URI https = URI.create("https://127.0.0.1:" + server.getPort() + "/upload");
    PoolingHttpClientConnectionManager pool =
        EarlyResponses.install(PoolingHttpClientConnectionManagerBuilder.create())
            .setTlsSocketStrategy(
                ClientTlsStrategyBuilder.create().setSslContext(trusting).buildClassic())
            .build();

    try (CloseableHttpClient client = HttpClients.custom().setConnectionManager(pool).build()) {
      assertThat(code(client, post(https, Payloads.bytes(256)))).isEqualTo(200);
    }
    // HttpClient's default TLS strategy does not trust the certificate.
    try (CloseableHttpClient client =
        HttpClients.custom().setConnectionManager(EarlyResponses.connectionManager()).build()) {
      assertThatThrownBy(() -> code(client, post(https, Payloads.bytes(256))))
          .isInstanceOf(SSLHandshakeException.class);
    }
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void connectionFactoryFollowsTheCallersHttp1Config() throws Exception {
    server.setDispatcher(new QueueDispatcher());
    MockResponse manyHeaders =
        new MockResponse.Builder()
            .addHeader("A", "1")
            .addHeader("B", "2")
            .addHeader("C", "3")
            .build();
    server.enqueue(manyHeaders);
    server.enqueue(manyHeaders);
    Http1Config strict = Http1Config.custom().setMaxHeaderCount(2).build();

    try (CloseableHttpClient client =
        HttpClients.custom()
            .setConnectionManager(
                PoolingHttpClientConnectionManagerBuilder.create()
                    .setConnectionFactory(
                        EarlyResponses.connectionFactory(strict, CharCodingConfig.DEFAULT))
                    .build())
            .build()) {
      assertThatThrownBy(() -> code(client, post(Payloads.bytes(16))))
          .isInstanceOf(MessageConstraintException.class)
          .hasMessage("Maximum header count exceeded");
    }
    try (CloseableHttpClient client =
        HttpClients.custom().setConnectionManager(EarlyResponses.connectionManager()).build()) {
      assertThat(code(client, post(Payloads.bytes(16)))).isEqualTo(200);
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aSuccessBeforeTheBodyEndedIsReportedAsBodyNotRead(boolean handler) throws Exception {
    // The server reads 256 KiB of a 16 MiB body, answers 200 and reads no more: the connection
    // stops writing and reads the 200, which the guard must not pass off as a whole upload.
    List<String> notRead = new CopyOnWriteArrayList<>();
    GuardPolicy policy =
        GuardPolicy.builder()
            .listener(
                new GuardListener() {
                  @Override
                  public void bodyNotRead(Origin origin, long bytesWritten, int status) {
                    notRead.add(status + " after " + (bytesWritten < 16 << 20 ? "part" : "all"));
                  }
                })
            .build();
    try (EarlySuccess origin = EarlySuccess.start(256 * 1024);
        CloseableHttpClient client = earlyResponsesClient(handler, policy)) {
      HttpPost post = new HttpPost(origin.uri());
      post.setEntity(
          new InputStreamEntity(
              new ByteArrayInputStream(Payloads.bytes(16 << 20)),
              -1,
              ContentType.APPLICATION_OCTET_STREAM));

      int code = code(client, post);

      assertThat(code).isEqualTo(200);
      assertThat(notRead).containsExactly("200 after part");
      assertThat(origin.bodyBytesRead()).isEqualTo(256 * 1024);
    }
  }

  private static CloseableHttpClient earlyResponsesClient(boolean handler, GuardPolicy policy) {
    return handler
        ? LengthGuardExecHandler.install(
                HttpClients.custom().setConnectionManager(EarlyResponses.connectionManager()),
                policy)
            .build()
        : LengthGuardHttpClient.wrap(
            HttpClients.custom().setConnectionManager(EarlyResponses.connectionManager()).build(),
            policy);
  }

  @Test
  void argumentsAreChecked() {
    assertThatThrownBy(() -> EarlyResponses.install(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("builder == null");
    assertThatThrownBy(() -> EarlyResponses.connectionFactory(null, CharCodingConfig.DEFAULT))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("http1Config == null");
    assertThatThrownBy(() -> EarlyResponses.connectionFactory(Http1Config.DEFAULT, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("charCodingConfig == null");
  }

  /**
   * A server that reads a request's head, answers {@code Expect: 100-continue} with 100, reads a
   * given number of the body's bytes, answers 200 and then reads nothing more until closed.
   */
  private static final class EarlySuccess implements AutoCloseable {
    private final ServerSocket socket;
    private final Thread thread;
    private final int readBytes;
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile long bodyBytesRead;

    private EarlySuccess(ServerSocket socket, int readBytes) {
      this.socket = socket;
      this.readBytes = readBytes;
      this.thread = new Thread(this::serve, "early-success");
    }

    static EarlySuccess start(int readBytes) throws IOException {
      EarlySuccess server =
          new EarlySuccess(new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1")), readBytes);
      server.thread.start();
      return server;
    }

    URI uri() {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/upload");
    }

    long bodyBytesRead() {
      return bodyBytesRead;
    }

    private void serve() {
      try (Socket client = socket.accept()) {
        InputStream in = client.getInputStream();
        OutputStream out = client.getOutputStream();
        String head = readHead(in);
        if (head.toLowerCase(Locale.ROOT).contains("expect: 100-continue")) {
          out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          out.flush();
        }
        // Raw bytes of the chunked body: the count is what matters, not the framing.
        bodyBytesRead = in.readNBytes(readBytes).length;
        out.write(
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        closed.await(30, TimeUnit.SECONDS);
      } catch (IOException | InterruptedException e) {
        // The test's assertions say what went wrong.
      }
    }

    private static String readHead(InputStream in) throws IOException {
      StringBuilder head = new StringBuilder();
      while (head.indexOf("\r\n\r\n") < 0) {
        int b = in.read();
        if (b == -1) break;
        head.append((char) b);
      }
      return head.toString();
    }

    @Override
    public void close() throws IOException {
      closed.countDown();
      socket.close();
    }
  }

  private static int code(CloseableHttpClient client, HttpPost post) throws IOException {
    return client.execute(post, response -> response.getCode());
  }

  private HttpPost post(URI uri, byte[] payload) {
    HttpPost post = new HttpPost(uri);
    post.setEntity(new ByteArrayEntity(payload, ContentType.APPLICATION_OCTET_STREAM));
    return post;
  }

  private HttpPost post(byte[] payload) {
    HttpPost post = new HttpPost(uri());
    post.setEntity(new ByteArrayEntity(payload, ContentType.APPLICATION_OCTET_STREAM));
    return post;
  }

  private HttpPost post(ByteArrayEntity entity) {
    HttpPost post = new HttpPost(uri());
    post.setEntity(entity);
    return post;
  }

  private static ByteArrayEntity chunked(int size) {
    return new ByteArrayEntity(Payloads.bytes(size), ContentType.APPLICATION_OCTET_STREAM, true);
  }

  private URI uri() {
    return URI.create("http://127.0.0.1:" + server.getPort() + "/upload");
  }
}
