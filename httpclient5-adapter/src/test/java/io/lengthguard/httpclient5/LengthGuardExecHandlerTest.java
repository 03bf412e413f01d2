package io.lengthguard.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.GuardMode;
import io.lengthguard.GuardPolicy;
import io.lengthguard.testing.Wire;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.RecordedRequest;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.junit.jupiter.api.Test;

class LengthGuardExecHandlerTest extends GuardContract {
  @Override
  GuardedClient newClient(GuardPolicy policy, boolean earlyResponses) {
    PoolingHttpClientConnectionManager pool = GuardedClient.classicPool(earlyResponses);
    return GuardedClient.classic(
        LengthGuardExecHandler.install(builder(pool), policy).build(),
        () -> pool.getTotalStats().getLeased());
  }

  private static HttpClientBuilder builder(PoolingHttpClientConnectionManager pool) {
    return HttpClients.custom()
        .setConnectionManager(pool)
        .setDefaultCredentialsProvider(GuardedClient.CREDENTIALS);
  }

  @Test
  void installWorksWithAutomaticRetriesDisabled() throws Exception {
    PoolingHttpClientConnectionManager pool = GuardedClient.classicPool(false);
    GuardedClient client =
        GuardedClient.classic(
            LengthGuardExecHandler.install(
                    builder(pool).disableAutomaticRetries(), policy(GuardMode.RETRY_ON_411))
                .build(),
            () -> pool.getTotalStats().getLeased());
    byte[] payload = Body.REPEATABLE.payload(4 * KIB);

    try (client) {
      assertThat(client.post(uri(), Body.REPEATABLE, payload).code()).isEqualTo(200);
      awaitNoLeasedConnection(client);
    }

    assertThat(server.getRequestCount()).isEqualTo(2);
    Wire.assertChunked(take());
    Wire.assertExactLength(take(), payload);
  }

  @Test
  void theOriginThatAnswered411AfterARedirectIsLearned() throws Exception {
    assertTheOriginThatAnswered411IsLearned();
  }

  @Test
  void installRejectsNull() {
    HttpClientBuilder builder = HttpClients.custom();
    assertThatThrownBy(() -> LengthGuardExecHandler.install(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("builder == null");
    assertThatThrownBy(() -> LengthGuardExecHandler.install(builder, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("policy == null");
    assertThat(LengthGuardExecHandler.install(builder)).isSameAs(builder);
  }

  /**
   * Installed, the guard sits inside RedirectExec, which asks the caller's own entity whether it
   * may go again: a repeatable entity streamed past the read-ahead follows a 307, each request
   * guarded on its own and carrying the caller's bytes.
   */
  @Test
  void aRepeatableEntityStreamedPastTheReadAheadFollowsA307() throws Exception {
    server.setDispatcher(new Origins.TemporaryRedirect());
    byte[] payload = Body.KNOWN.payload(2 * MIB);
    AtomicInteger writes = new AtomicInteger();
    PoolingHttpClientConnectionManager pool = GuardedClient.classicPool(false);
    HttpPost post = new HttpPost(uri());
    post.setEntity(LengthGuardHttpClientTest.repeatable(payload, writes));

    int code;
    try (CloseableHttpClient client =
        LengthGuardExecHandler.install(builder(pool), GuardPolicy.builder().build()).build()) {
      code = client.execute(post, response -> response.getCode());
    }

    assertThat(code).isEqualTo(200);
    Wire.assertChunked(take(), payload);
    RecordedRequest moved = take();
    assertThat(moved.getTarget()).isEqualTo("/moved");
    Wire.assertChunked(moved, payload);
  }
}
