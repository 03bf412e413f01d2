package io.lengthguard.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.GuardMode;
import io.lengthguard.GuardPolicy;
import io.lengthguard.testing.Wire;
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
}
