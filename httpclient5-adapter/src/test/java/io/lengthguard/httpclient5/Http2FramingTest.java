package io.lengthguard.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;

import io.lengthguard.GuardCounters;
import io.lengthguard.GuardMode;
import io.lengthguard.GuardPolicy;
import io.lengthguard.testing.H2Origin;
import java.net.URI;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.async.methods.SimpleRequestProducer;
import org.apache.hc.client5.http.async.methods.SimpleResponseConsumer;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManager;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.core5.http.HttpVersion;
import org.apache.hc.core5.http.nio.support.BasicRequestProducer;
import org.apache.hc.core5.http.support.BasicRequestBuilder;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.io.CloseMode;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The async guard over HTTP/2, against a strict h2 origin on loopback that answers 411 to a body
 * without {@code content-length}: h2c with prior knowledge, and h2 over TLS chosen by ALPN with a
 * certificate made here. What each stream carried is read from the frames the origin received.
 */
class Http2FramingTest {
  private static final int KIB = 1024;
  private static final int MIB = 1024 * KIB;

  /** How the client reaches the origin. */
  enum Transport {
    H2C_PRIOR_KNOWLEDGE,
    TLS_ALPN
  }

  private static final HeldCertificate CERTIFICATE =
      new HeldCertificate.Builder()
          .commonName("127.0.0.1")
          .addSubjectAlternativeName("127.0.0.1")
          .build();

  private @Nullable H2Origin origin;
  private @Nullable CloseableHttpAsyncClient client;
  private @Nullable PoolingAsyncClientConnectionManager manager;

  @AfterEach
  void stop() {
    if (client != null) client.close(CloseMode.IMMEDIATE);
    if (origin != null) origin.close();
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aBodyWithinTheReadAheadCarriesItsContentLengthAtOnce(Transport transport) throws Exception {
    start(transport, GuardPolicy.defaults(), false);
    byte[] payload = Body.ONE_SHOT.payload(64 * KIB);

    SimpleHttpResponse response = post("/upload", payload);

    assertThat(response.getCode()).isEqualTo(200);
    assertThat(response.getVersion()).isEqualTo(HttpVersion.HTTP_2);
    assertThat(origin.received("/upload"))
        .singleElement()
        .satisfies(
            request -> {
              assertThat(request.contentLength()).isEqualTo(Integer.toString(payload.length));
              assertThat(request.body()).isEqualTo(payload);
            });
    assertThat(origin.streams("/upload"))
        .singleElement()
        .satisfies(
            stream -> {
              assertThat(stream.headers()).containsEntry("content-length", "65536");
              assertThat(stream.dataBytes()).isEqualTo(payload.length);
            });
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void a411IsRecoveredByOneResendThatCarriesTheContentLength(Transport transport) throws Exception {
    GuardCounters counters = GuardCounters.create();
    start(transport, policy(GuardMode.RETRY_ON_411, counters), false);
    byte[] payload = Body.ONE_SHOT.payload(2 * MIB);

    SimpleHttpResponse response = post("/upload", payload);

    assertThat(response.getCode()).isEqualTo(200);
    assertThat(response.getBodyText()).isEqualTo("received " + payload.length);
    assertThat(counters.snapshot().count(GuardCounters.Event.RECOVERED)).isOne();
    List<H2Origin.Received> requests = origin.received("/upload");
    assertThat(requests).hasSize(2);
    // The first send streamed past the read-ahead: no length on h2, and no Expect, which only
    // HTTP/1.1 needs.
    assertThat(requests.get(0).contentLength()).isNull();
    assertThat(requests.get(0).expect()).isNull();
    assertThat(requests.get(1).contentLength()).isEqualTo(Integer.toString(payload.length));
    assertThat(requests.get(1).body()).isEqualTo(payload);
    List<H2Origin.Stream> streams = origin.streams("/upload");
    assertThat(streams).hasSize(2);
    assertThat(streams.get(0).headers()).doesNotContainKey("content-length");
    assertThat(streams.get(1).headers()).containsEntry("content-length", "2097152");
    assertThat(streams.get(1).dataBytes()).isEqualTo(payload.length);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aSiblingStreamOnTheSameConnectionCompletesAcrossThe411(Transport transport)
      throws Exception {
    start(transport, policy(GuardMode.ADAPTIVE, GuardCounters.create()), true);
    byte[] payload = Body.ONE_SHOT.payload(2 * MIB);
    // The connection is shared once it is known to speak h2: open it first. HttpClient's sharing
    // pool lends a connection only while a lease on it is held, and a new one is not held until it
    // connected: the call to /warm ends before its exchange hands the lease back, and a request
    // leasing in between opens a second connection. Wait for the pool to hold it again.
    assertThat(get("/warm").get(10, TimeUnit.SECONDS).getCode()).isEqualTo(200);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (manager.getTotalStats().getAvailable() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    assertThat(manager.getTotalStats().getAvailable()).as("idle connections").isOne();
    Future<SimpleHttpResponse> sibling = get("/slow");
    awaitRequest("/slow");

    SimpleHttpResponse response = post("/upload", payload);
    origin.releaseSlow();

    assertThat(response.getCode()).isEqualTo(200);
    assertThat(sibling.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(200);
    List<H2Origin.Received> requests = origin.received("/upload");
    assertThat(requests).hasSize(2);
    assertThat(requests.get(1).contentLength()).isEqualTo(Integer.toString(payload.length));
    assertThat(requests.get(1).body()).isEqualTo(payload);
    // One connection carried the sibling, the 411 and the resend.
    assertThat(origin.connections())
        .as(
            "connections; /warm %s, /slow %s, /upload %s",
            origin.received("/warm"), origin.received("/slow"), requests)
        .hasSize(1);
    String connection = origin.received("/slow").get(0).connection();
    assertThat(requests).allSatisfy(r -> assertThat(r.connection()).isEqualTo(connection));
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void anEarlyRefusalOtherThan411ReachesTheCallerWhole(Transport transport) throws Exception {
    // The origin answers 421 on the head, while the body still streams: HttpClient reports the
    // exchange's end twice, as the request stream and as the response end, in either order, and
    // the call must still end, with the body.
    start(transport, GuardPolicy.defaults(), false, "origin.invalid");
    byte[] payload = Body.ONE_SHOT.payload(2 * MIB);

    SimpleHttpResponse response = post("/upload", payload);

    assertThat(response.getCode()).isEqualTo(421);
    assertThat(response.getBodyText()).isNotEmpty();
    assertThat(origin.received("/upload")).isEmpty();
  }

  private static GuardPolicy policy(GuardMode mode, GuardCounters counters) {
    return GuardPolicy.builder().mode(mode).listener(counters).build();
  }

  private void start(Transport transport, GuardPolicy policy, boolean multiplexing)
      throws Exception {
    start(transport, policy, multiplexing, "127.0.0.1");
  }

  private void start(
      Transport transport, GuardPolicy policy, boolean multiplexing, String originHostName)
      throws Exception {
    boolean tls = transport == Transport.TLS_ALPN;
    origin =
        H2Origin.start(
            tls
                ? new HandshakeCertificates.Builder()
                    .heldCertificate(CERTIFICATE)
                    .build()
                    .sslContext()
                : null,
            originHostName);
    PoolingAsyncClientConnectionManagerBuilder pool =
        PoolingAsyncClientConnectionManagerBuilder.create()
            .setDefaultConnectionConfig(GuardedClient.TIMEOUTS)
            .setMessageMultiplexing(multiplexing);
    if (tls) {
      SSLContext trusting =
          new HandshakeCertificates.Builder()
              .addTrustedCertificate(CERTIFICATE.certificate())
              .build()
              .sslContext();
      // TlsConfig's default policy negotiates: ALPN offers h2 and http/1.1.
      pool.setTlsStrategy(ClientTlsStrategyBuilder.create().setSslContext(trusting).buildAsync());
    } else {
      pool.setDefaultTlsConfig(
          TlsConfig.custom().setVersionPolicy(HttpVersionPolicy.FORCE_HTTP_2).build());
    }
    manager = pool.build();
    client =
        LengthGuardAsyncExecHandler.install(
                HttpAsyncClients.custom().setConnectionManager(manager), policy)
            .build();
    client.start();
  }

  private SimpleHttpResponse post(String path, byte[] payload) throws Exception {
    return client
        .execute(
            new BasicRequestProducer(
                BasicRequestBuilder.post(origin.uri(path)).build(),
                Body.ONE_SHOT.producer(payload)),
            SimpleResponseConsumer.create(),
            null)
        .get(30, TimeUnit.SECONDS);
  }

  private Future<SimpleHttpResponse> get(String path) {
    URI uri = origin.uri(path);
    return client.execute(
        SimpleRequestProducer.create(SimpleRequestBuilder.get(uri).build()),
        SimpleResponseConsumer.create(),
        null);
  }

  private void awaitRequest(String path) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (origin.received(path).isEmpty() && System.nanoTime() < deadline) Thread.sleep(1);
    assertThat(origin.received(path)).as("requests to %s", path).hasSize(1);
  }
}
