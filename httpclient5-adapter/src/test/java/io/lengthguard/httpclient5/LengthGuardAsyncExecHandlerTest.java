package io.lengthguard.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.GiveUpReason;
import io.lengthguard.GuardListener;
import io.lengthguard.GuardMode;
import io.lengthguard.GuardPolicy;
import io.lengthguard.Origin;
import io.lengthguard.testing.Wire;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.async.AsyncExecCallback;
import org.apache.hc.client5.http.async.AsyncExecChain;
import org.apache.hc.client5.http.async.AsyncExecRuntime;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleResponseConsumer;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClientBuilder;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManager;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.concurrent.ComplexCancellable;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.message.BasicHttpResponse;
import org.apache.hc.core5.http.nio.AsyncDataConsumer;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.nio.support.BasicRequestProducer;
import org.apache.hc.core5.http.support.BasicRequestBuilder;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class LengthGuardAsyncExecHandlerTest extends GuardContract {
  @Override
  GuardedClient newClient(GuardPolicy policy, boolean earlyResponses) {
    // The async transport reads a response while it writes; it has no early-response option.
    return newClient(HttpAsyncClients.custom(), policy);
  }

  private static GuardedClient newClient(HttpAsyncClientBuilder builder, GuardPolicy policy) {
    PoolingAsyncClientConnectionManager pool =
        PoolingAsyncClientConnectionManagerBuilder.create()
            .setMaxConnTotal(64)
            .setMaxConnPerRoute(64)
            .setDefaultConnectionConfig(GuardedClient.TIMEOUTS)
            .build();
    builder.setConnectionManager(pool).setDefaultCredentialsProvider(GuardedClient.CREDENTIALS);
    return GuardedClient.async(
        LengthGuardAsyncExecHandler.install(builder, policy).build(),
        () -> pool.getTotalStats().getLeased());
  }

  static Stream<Arguments> asyncEarlyCases() {
    // Not 16 MiB: against a server that resets the connection as it answers (closing with the body
    // unread), the async transport can still flush into the reset before it reads the 411, a race
    // the guard narrows but cannot close. Expect: 100-continue avoids it; see
    // expectContinueKeepsAnEarly411OnALargeBodyWithoutEarlyResponseConnections.
    return Stream.of(Arguments.of(KIB, Body.REPEATABLE), Arguments.of(KIB, Body.ONE_SHOT));
  }

  @Override
  @ParameterizedTest
  @MethodSource("asyncEarlyCases")
  void earlyLengthRequiredGetsOneResend(int size, Body body) throws Exception {
    super.earlyLengthRequiredGetsOneResend(size, body);
  }

  @Override
  @ParameterizedTest
  @EnumSource(
      value = GuardMode.class,
      names = {"PREBUFFER"})
  void gzipBodyArrivesAsItsGzipBytes(GuardMode mode) throws Exception {
    super.gzipBodyArrivesAsItsGzipBytes(mode);
  }

  @Test
  void gzipProducerCannotBeSentAgainSoThe411GoesBackAndAdaptiveLearns() throws Exception {
    // HttpClient's DeflatingGzipEntityProducer says it is repeatable, but it cannot start over:
    // releaseResources() ends its Deflater. HttpClient's own retries fail on it the same way.
    List<GiveUpReason> gaveUp = new CopyOnWriteArrayList<>();
    GuardListener listener =
        new GuardListener() {
          @Override
          public void gaveUp(Origin origin, GiveUpReason reason, String detail) {
            gaveUp.add(reason);
          }
        };
    GuardedClient client =
        client(GuardPolicy.builder().mode(GuardMode.ADAPTIVE).listener(listener).build());
    byte[] payload = Body.GZIP.payload(4 * KIB);

    assertThat(client.post(uri(), Body.GZIP, payload).code()).isEqualTo(411);
    assertThat(gaveUp).containsExactly(GiveUpReason.FREEZE_FAILED);
    assertThat(client.post(uri(), Body.GZIP, payload).code()).isEqualTo(200);

    assertThat(server.getRequestCount()).isEqualTo(2);
    Wire.assertChunked(take());
    Body.GZIP.assertArrived(take(), payload);
  }

  @Test
  void producerThatWaitsForDataCannotBePrebuffered() throws Exception {
    try (CloseableHttpAsyncClient client =
        LengthGuardAsyncExecHandler.install(HttpAsyncClients.custom(), policy(GuardMode.PREBUFFER))
            .build()) {
      client.start();
      Future<SimpleHttpResponse> response =
          client.execute(
              new BasicRequestProducer(
                  BasicRequestBuilder.post(uri()).build(), new Body.StalledProducer()),
              SimpleResponseConsumer.create(),
              null);

      assertThatThrownBy(() -> response.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(IOException.class)
          .hasMessageContaining(
              " stopped after 0 bytes without ending its body, so it cannot be"
                  + " frozen before sending; send a body of known length, or use a producer that"
                  + " writes when asked");
    }
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void a411MidBodyIsAnsweredWithTheWholeOneShotBody() throws Exception {
    byte[] payload = Body.ONE_SHOT.payload(100_000);
    FakeChain chain =
        new FakeChain(
            (producer, callback) -> {
              // Part of the body goes out, then the 411 stops the send.
              RecordingChannel channel = new RecordingChannel(1000);
              producer.produce(channel);
              producer.produce(channel);
              assertThat(channel.bytes().length).isBetween(1, 99_999);
              callback.handleResponse(new BasicHttpResponse(411), null);
              callback.completed();
            });

    chain.send(Body.ONE_SHOT.producer(payload));

    assertThat(chain.resentBody).isEqualTo(payload);
    assertThat(chain.outcome).containsExactly("200", "completed");
    assertThat(chain.endpointsDiscarded).isEqualTo(1);
  }

  @Test
  void a411BeforeAnyBodyByteLeavesTheOneShotBodyToTheResend() throws Exception {
    byte[] payload = Body.ONE_SHOT.payload(50_000);
    FakeChain chain =
        new FakeChain(
            (producer, callback) -> {
              // Expect: 100-continue got a 411 in place of 100: nothing was produced.
              callback.handleResponse(new BasicHttpResponse(411), null);
              callback.completed();
            });

    chain.send(Body.ONE_SHOT.producer(payload));

    assertThat(chain.resentBody).isEqualTo(payload);
    assertThat(chain.outcome).containsExactly("200", "completed");
  }

  @Test
  void aConnectionFailureAfterThe411StillGetsTheResend() throws Exception {
    byte[] payload = Body.REPEATABLE.payload(30_000);
    FakeChain chain =
        new FakeChain(
            (producer, callback) -> {
              producer.produce(new RecordingChannel(1000));
              callback.handleResponse(new BasicHttpResponse(411), null);
              // HttpClient ends the chunked body on a connection the server closed.
              callback.failed(new IOException("Broken pipe"));
            });

    chain.send(Body.REPEATABLE.producer(payload));

    assertThat(chain.resentBody).isEqualTo(payload);
    assertThat(chain.outcome).containsExactly("200", "completed");
  }

  @Test
  void aConnectionFailureWithoutA411GoesToTheCaller() throws Exception {
    IOException reset = new IOException("Connection reset");
    FakeChain chain =
        new FakeChain(
            (producer, callback) -> {
              producer.produce(new RecordingChannel(1000));
              callback.failed(reset);
            });

    chain.send(Body.ONE_SHOT.producer(Body.ONE_SHOT.payload(30_000)));

    assertThat(chain.resentBody).isNull();
    assertThat(chain.outcome).containsExactly("failed Connection reset");
  }

  /** The first exchange as a test scripts it; a resend is drained and answered 200. */
  @FunctionalInterface
  interface FirstExchange {
    void run(AsyncEntityProducer producer, AsyncExecCallback callback) throws Exception;
  }

  /** An exec chain below the handler: no network, every step recorded. */
  static final class FakeChain implements AsyncExecChain {
    final List<String> outcome = new CopyOnWriteArrayList<>();
    byte @Nullable [] resentBody;
    int endpointsDiscarded;
    private final FirstExchange first;
    private int sends;

    FakeChain(FirstExchange first) {
      this.first = first;
    }

    void send(AsyncEntityProducer producer) throws Exception {
      HttpRequest request = BasicRequestBuilder.post("http://example.com/upload").build();
      AsyncExecRuntime runtime =
          (AsyncExecRuntime)
              Proxy.newProxyInstance(
                  AsyncExecRuntime.class.getClassLoader(),
                  new Class<?>[] {AsyncExecRuntime.class},
                  (proxy, method, args) -> {
                    if (method.getName().equals("discardEndpoint")) endpointsDiscarded++;
                    return method.getReturnType() == boolean.class ? Boolean.FALSE : null;
                  });
      AsyncExecChain.Scope scope =
          new AsyncExecChain.Scope(
              "ex-1",
              new HttpRoute(new HttpHost("http", "example.com", 80)),
              request,
              new ComplexCancellable(),
              HttpClientContext.create(),
              runtime,
              null,
              new AtomicInteger(1));
      LengthGuardAsyncExecHandler.create(policy(GuardMode.RETRY_ON_411))
          .execute(
              request,
              producer,
              scope,
              this,
              new AsyncExecCallback() {
                @Override
                public AsyncDataConsumer handleResponse(
                    HttpResponse response, EntityDetails entityDetails) {
                  outcome.add(String.valueOf(response.getCode()));
                  return null;
                }

                @Override
                public void handleInformationResponse(HttpResponse response) {}

                @Override
                public void completed() {
                  outcome.add("completed");
                }

                @Override
                public void failed(Exception cause) {
                  outcome.add("failed " + cause.getMessage());
                }
              });
    }

    @Override
    public void proceed(
        HttpRequest request,
        AsyncEntityProducer producer,
        AsyncExecChain.Scope scope,
        AsyncExecCallback callback)
        throws HttpException, IOException {
      if (++sends == 1) {
        try {
          first.run(producer, callback);
        } catch (HttpException | IOException e) {
          throw e;
        } catch (Exception e) {
          throw new AssertionError(e);
        }
        return;
      }
      assertThat(request.getFirstHeader("Content-Length")).isNull();
      assertThat(producer.getContentLength()).isNotNegative();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      AsyncBodies.drain(producer, out);
      resentBody = out.toByteArray();
      callback.handleResponse(new BasicHttpResponse(200), null);
      callback.completed();
    }
  }

  @Test
  void installWorksWithAutomaticRetriesDisabled() throws Exception {
    GuardedClient client =
        newClient(
            HttpAsyncClients.custom().disableAutomaticRetries(), policy(GuardMode.RETRY_ON_411));
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
  void installRejectsNull() {
    HttpAsyncClientBuilder builder = HttpAsyncClients.custom();
    assertThatThrownBy(() -> LengthGuardAsyncExecHandler.install(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("builder == null");
    assertThatThrownBy(() -> LengthGuardAsyncExecHandler.install(builder, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("policy == null");
    assertThat(LengthGuardAsyncExecHandler.install(builder)).isSameAs(builder);
  }
}
