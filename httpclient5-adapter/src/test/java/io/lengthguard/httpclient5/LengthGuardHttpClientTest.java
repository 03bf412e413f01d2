package io.lengthguard.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.lengthguard.Buffering;
import io.lengthguard.FramingViolationException;
import io.lengthguard.FrozenBody;
import io.lengthguard.GuardMode;
import io.lengthguard.GuardPolicy;
import io.lengthguard.testing.StrictOrigin;
import io.lengthguard.testing.Wire;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import mockwebserver3.RecordedRequest;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.io.entity.EntityTemplate;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.message.BasicHeader;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.io.CloseMode;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LengthGuardHttpClientTest extends GuardContract {
  @Override
  GuardedClient newClient(GuardPolicy policy, boolean earlyResponses) {
    PoolingHttpClientConnectionManager pool = GuardedClient.classicPool(earlyResponses);
    return GuardedClient.classic(
        LengthGuardHttpClient.wrap(delegate(pool), policy), () -> pool.getTotalStats().getLeased());
  }

  private static CloseableHttpClient delegate(PoolingHttpClientConnectionManager pool) {
    return HttpClients.custom()
        .setConnectionManager(pool)
        .setDefaultCredentialsProvider(GuardedClient.CREDENTIALS)
        .build();
  }

  @Test
  void sixtyFourConcurrentRequestsArriveByteExact() throws Exception {
    StrictOrigin strict = new StrictOrigin();
    server.setDispatcher(strict);
    GuardedClient client = client(policy(GuardMode.ADAPTIVE));
    Map<String, byte[]> payloads = new HashMap<>();
    for (int i = 0; i < 64; i++) payloads.put("r" + i, Body.ONE_SHOT.payload(8 * KIB + i));
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService threads = Executors.newFixedThreadPool(64);
    try {
      List<Future<GuardedClient.Reply>> replies = new ArrayList<>();
      for (Map.Entry<String, byte[]> entry : payloads.entrySet()) {
        replies.add(
            threads.submit(
                () -> {
                  start.await();
                  return client.post(
                      uri(),
                      Body.ONE_SHOT,
                      entry.getValue(),
                      new BasicHeader("X-Id", entry.getKey()));
                }));
      }
      start.countDown();
      for (Future<GuardedClient.Reply> reply : replies) {
        assertThat(reply.get(60, TimeUnit.SECONDS).code()).isEqualTo(200);
      }
    } finally {
      threads.shutdownNow();
    }

    assertThat(strict.acceptedCount()).isEqualTo(64);
    int recorded = server.getRequestCount();
    assertThat(recorded).isEqualTo(64 + strict.lengthRequiredCount());
    Map<String, Integer> accepted = new HashMap<>();
    for (int i = 0; i < recorded; i++) {
      RecordedRequest request = take();
      if (request.getHeaders().get("Content-Length") == null) {
        Wire.assertChunked(request);
        continue;
      }
      String id = request.getHeaders().get("X-Id");
      Wire.assertExactLength(request, payloads.get(id));
      accepted.merge(id, 1, Integer::sum);
    }
    assertThat(accepted).hasSize(64).allSatisfy((id, count) -> assertThat(count).isEqualTo(1));
  }

  /**
   * A repeatable entity streamed past the read-ahead was declared not repeatable, so the wrapped
   * client's RedirectExec handed a 307 back where the bare client follows it. Now it follows, and
   * the second request carries the guard's copy: the caller's entity is written once.
   */
  @Test
  void aRepeatableEntityStreamedPastTheReadAheadFollowsA307WithTheSameBytes() throws Exception {
    server.setDispatcher(new Origins.TemporaryRedirect());
    byte[] payload = Body.KNOWN.payload(2 * MIB); // past the default 1 MiB read-ahead
    AtomicInteger writes = new AtomicInteger();

    GuardedClient.Reply reply =
        postWrapped(GuardPolicy.builder().build(), repeatable(payload, writes));

    assertThat(reply.code()).isEqualTo(200);
    assertThat(reply.body()).isEqualTo("moved");
    Wire.assertChunked(take(), payload);
    RecordedRequest moved = take();
    assertThat(moved.getTarget()).isEqualTo("/moved");
    Wire.assertChunked(moved, payload);
    assertThat(writes).hasValue(1);
  }

  @Test
  void aOneShotEntityStreamedPastTheReadAheadGetsThe307() throws Exception {
    server.setDispatcher(new Origins.TemporaryRedirect());
    byte[] payload = Body.ONE_SHOT.payload(2 * MIB);

    GuardedClient.Reply reply =
        postWrapped(GuardPolicy.builder().build(), Body.ONE_SHOT.entity(payload));

    assertThat(reply.code()).isEqualTo(307);
    Wire.assertChunked(take(), payload);
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  /** Past the buffering limit no copy is kept: HttpClient is told so, and the 307 comes back. */
  @Test
  void aRepeatableEntityWithoutACopyGetsThe307() throws Exception {
    server.setDispatcher(new Origins.TemporaryRedirect());
    byte[] payload = Body.KNOWN.payload(2 * MIB);
    AtomicInteger writes = new AtomicInteger();
    GuardPolicy policy =
        GuardPolicy.builder().buffering(Buffering.inMemory(MIB)).prebufferBytes(64 * KIB).build();

    GuardedClient.Reply reply = postWrapped(policy, repeatable(payload, writes));

    assertThat(reply.code()).isEqualTo(307);
    Wire.assertChunked(take(), payload);
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(writes).hasValue(1);
  }

  /** POSTs {@code entity} to {@link #uri()} through a wrapped client of its own. */
  private GuardedClient.Reply postWrapped(GuardPolicy policy, HttpEntity entity)
      throws IOException {
    PoolingHttpClientConnectionManager pool = GuardedClient.classicPool(false);
    HttpPost post = new HttpPost(uri());
    post.setEntity(entity);
    try (CloseableHttpClient client = LengthGuardHttpClient.wrap(delegate(pool), policy)) {
      return client.execute(
          post,
          response ->
              new GuardedClient.Reply(
                  response.getCode(),
                  response.getEntity() == null ? "" : EntityUtils.toString(response.getEntity())));
    }
  }

  /** Returns a repeatable entity of unknown length that counts its writes. */
  static HttpEntity repeatable(byte[] payload, AtomicInteger writes) {
    return new EntityTemplate(
        -1,
        ContentType.APPLICATION_OCTET_STREAM,
        null,
        out -> {
          writes.incrementAndGet();
          for (int offset = 0; offset < payload.length; offset += 8192) {
            out.write(payload, offset, Math.min(8192, payload.length - offset));
          }
        });
  }

  @Test
  void frozenEntityGetsContentDigestAndTheCallersEqualLengthIsDropped() throws Exception {
    GuardPolicy policy = GuardPolicy.builder().contentDigest("sha-256").build();
    PoolingHttpClientConnectionManager pool = GuardedClient.classicPool(false);
    byte[] payload = Body.KNOWN.payload(4 * KIB);
    FrozenBody body = FrozenBody.of(payload);
    HttpPost post = new HttpPost(uri());
    post.setEntity(FrozenEntity.of(body, ContentType.APPLICATION_JSON));
    post.addHeader("Content-Length", String.valueOf(payload.length));

    try (CloseableHttpClient client = LengthGuardHttpClient.wrap(delegate(pool), policy)) {
      int code = client.execute(post, response -> response.getCode());
      assertThat(code).isEqualTo(200);
    }

    RecordedRequest request = take();
    Wire.assertExactLength(request, payload);
    assertThat(request.getHeaders().get("Content-Digest")).isEqualTo(body.contentDigest("sha-256"));
    assertThat(request.getHeaders().get("Content-Type"))
        .isEqualTo("application/json; charset=UTF-8");
    assertThat(post.getHeaders("Content-Length")).hasSize(1);
  }

  @Test
  void frozenEntityWithADifferentCallerLengthIsNotSent() throws Exception {
    PoolingHttpClientConnectionManager pool = GuardedClient.classicPool(false);
    HttpPost post = new HttpPost(uri());
    post.setEntity(FrozenEntity.of(FrozenBody.ofUtf8("hello"), null));
    post.addHeader("Content-Length", "4");

    try (CloseableHttpClient client = LengthGuardHttpClient.wrap(delegate(pool))) {
      assertThatThrownBy(() -> client.execute(post, response -> response.getCode()))
          .isInstanceOf(FramingViolationException.class)
          .hasMessageStartingWith(
              "bad framing in POST /upload: ERROR LENGTH_MISMATCH: Content-Length declares 4"
                  + " bytes but the body has 5 (1 more)");
    }
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void perRequestConfigSurvivesTheCopy() throws Exception {
    // HttpClient asks for compressed responses unless the request's own RequestConfig says not to.
    PoolingHttpClientConnectionManager pool = GuardedClient.classicPool(false);
    byte[] payload = Body.ONE_SHOT.payload(4 * KIB);
    HttpPost configured = new HttpPost(uri());
    configured.setEntity(Body.ONE_SHOT.entity(payload));
    configured.setConfig(RequestConfig.custom().setContentCompressionEnabled(false).build());
    HttpPost unconfigured = new HttpPost(uri());
    unconfigured.setEntity(Body.KNOWN.entity(payload));

    try (CloseableHttpClient client =
        LengthGuardHttpClient.wrap(delegate(pool), policy(GuardMode.RETRY_ON_411))) {
      int code = client.execute(configured, response -> response.getCode());
      assertThat(code).isEqualTo(200);
      code = client.execute(unconfigured, response -> response.getCode());
      assertThat(code).isEqualTo(200);
    }

    RecordedRequest first = take();
    Wire.assertChunked(first);
    assertThat(first.getHeaders().get("Accept-Encoding")).isNull();
    RecordedRequest resend = take();
    Wire.assertExactLength(resend, payload);
    assertThat(resend.getHeaders().get("Accept-Encoding")).isNull();
    assertThat(take().getHeaders().get("Accept-Encoding")).isNotNull();
  }

  @Test
  void abortedRequestFailsAsItDoesWithoutTheGuard() throws Exception {
    PoolingHttpClientConnectionManager pool = GuardedClient.classicPool(false);
    HttpPost plain = new HttpPost(uri());
    plain.setEntity(Body.ONE_SHOT.entity(Body.ONE_SHOT.payload(KIB)));
    plain.abort();
    HttpPost guarded = new HttpPost(uri());
    guarded.setEntity(Body.ONE_SHOT.entity(Body.ONE_SHOT.payload(KIB)));
    guarded.abort();

    try (CloseableHttpClient delegate = delegate(pool);
        CloseableHttpClient client =
            LengthGuardHttpClient.wrap(delegate, policy(GuardMode.RETRY_ON_411))) {
      Throwable withoutGuard =
          catchThrowable(() -> delegate.execute(plain, response -> response.getCode()));
      assertThat(withoutGuard).isNotNull();

      // The request the guard sends is a copy; aborting the caller's request aborts the copy.
      assertThatThrownBy(() -> client.execute(guarded, response -> response.getCode()))
          .isInstanceOf(withoutGuard.getClass())
          .hasMessage(withoutGuard.getMessage());
    }
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void closingClosesTheWrappedClient() throws IOException {
    List<String> closed = new ArrayList<>();
    CloseableHttpClient delegate =
        new CloseableHttpClient() {
          @Override
          protected CloseableHttpResponse doExecute(
              @Nullable HttpHost target, ClassicHttpRequest request, @Nullable HttpContext context)
              throws IOException {
            throw new IOException("not used");
          }

          @Override
          public void close() {
            closed.add("close");
          }

          @Override
          public void close(CloseMode closeMode) {
            closed.add("close " + closeMode);
          }
        };

    LengthGuardHttpClient client = LengthGuardHttpClient.wrap(delegate);
    client.close();
    client.close(CloseMode.IMMEDIATE);

    assertThat(closed).containsExactly("close", "close IMMEDIATE");
  }

  @Test
  void wrapRejectsNull() {
    CloseableHttpClient delegate = HttpClients.createMinimal();
    assertThatThrownBy(() -> LengthGuardHttpClient.wrap(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("client == null");
    assertThatThrownBy(() -> LengthGuardHttpClient.wrap(delegate, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("policy == null");
    assertThat(LengthGuardHttpClient.wrap(delegate).policy()).isSameAs(GuardPolicy.defaults());
  }

  @Test
  void bufferingMayBeASpillFile(@TempDir Path directory) throws Exception {
    GuardPolicy policy =
        GuardPolicy.builder()
            .mode(GuardMode.RETRY_ON_411)
            .prebufferBytes(0)
            .buffering(Buffering.spillToDisk(KIB, 4 * MIB, directory))
            .build();
    GuardedClient client = client(policy);
    byte[] payload = Body.ONE_SHOT.payload(256 * KIB);

    assertThat(client.post(uri(), Body.ONE_SHOT, payload).code()).isEqualTo(200);

    Wire.assertChunked(take());
    Wire.assertExactLength(take(), payload);
    try (Stream<Path> files = Files.list(directory)) {
      assertThat(files).as("spill files left behind").isEmpty();
    }
  }
}
