package io.lengthguard.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.lengthguard.Buffering;
import io.lengthguard.GuardCounters;
import io.lengthguard.GuardMode;
import io.lengthguard.GuardPolicy;
import io.lengthguard.httpclient5.LengthGuardAsyncExecHandler;
import io.lengthguard.httpclient5.LengthGuardExecHandler;
import io.lengthguard.httpclient5.LengthGuardHttpClient;
import io.lengthguard.testing.Payloads;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleResponseConsumer;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClientBuilder;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpMessage;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.http.nio.support.BasicRequestProducer;
import org.apache.hc.core5.http.support.BasicRequestBuilder;
import org.apache.hc.core5.io.CloseMode;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * HttpClient 5's one-line setups, each as a new user writes it (no timeouts, no connection manager
 * of their own), against haproxy, which answers 411 and closes without reading the body: every call
 * of a one-shot stream of unknown length, repeated {@link #REPEATS} times per setup, size and mode,
 * must reach the backend whole, once, with its exact {@code Content-Length}; in {@code ADAPTIVE}
 * the origin is learned from the first 411. Each run prints its counts.
 *
 * <p>Run {@code mvn -B -o -pl integration-tests -am verify -Dit.test=HttpClient5EarlyRefusalIT
 * -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dlengthguard.it.repeats=100}.
 */
@ExtendWith(GatewaysExtension.class)
final class HttpClient5EarlyRefusalIT {
  private static final int MIB = 1024 * 1024;

  /** How many times each cell is repeated; 20 in the build, so CI stays bounded. */
  static final int REPEATS = Integer.getInteger("lengthguard.it.repeats", 20);

  /** Bounds each call: a setup without timeouts must not hang the run. */
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

  /** The one-line setups the README offers. */
  enum Setup {
    WRAP("wrap(HttpClients.createDefault())"),
    INSTALL("LengthGuardExecHandler.install(HttpClients.custom())"),
    ASYNC("LengthGuardAsyncExecHandler.install(HttpAsyncClients.custom())");

    private final String displayName;

    Setup(String displayName) {
      this.displayName = displayName;
    }

    Client open(GuardPolicy policy) {
      return switch (this) {
        case WRAP -> classic(LengthGuardHttpClient.wrap(HttpClients.createDefault(), policy));
        case INSTALL ->
            classic(LengthGuardExecHandler.install(HttpClients.custom(), policy).build());
        case ASYNC -> async(LengthGuardAsyncExecHandler.install(HttpAsyncClients.custom(), policy));
      };
    }

    @Override
    public String toString() {
      return displayName;
    }
  }

  static Stream<Arguments> cells() {
    List<Arguments> cells = new ArrayList<>();
    for (Setup setup : Setup.values()) {
      for (GuardMode mode : List.of(GuardMode.RETRY_ON_411, GuardMode.ADAPTIVE)) {
        // The read-ahead (1 MiB), one byte past it, and a body that needs a spill file.
        for (int size : new int[] {MIB, MIB + 1, 16 * MIB}) {
          cells.add(Arguments.of(setup, mode, size));
        }
      }
    }
    return cells.stream();
  }

  @ParameterizedTest(name = "{0}, {1}, {2} bytes")
  @MethodSource("cells")
  void everyCallDeliversTheExactBytesOnce(Setup setup, GuardMode mode, int size, Gateways gateways)
      throws Exception {
    RunningGateway haproxy = gateways.get(Gateway.HAPROXY);
    byte[] payload = Payloads.bytes(size);
    boolean pastReadAhead = size > GuardPolicy.DEFAULT_PREBUFFER_BYTES;
    GuardEvents expected = pastReadAhead ? GuardEvents.RESENT_AFTER_411 : GuardEvents.READ_AHEAD;
    String prefix = "/hc5-early/" + setup.name() + "/" + mode + "/" + size + "/";
    List<String> failures = new ArrayList<>();
    int delivered = 0;
    int learned = 0;

    GuardCounters sharedCounters = GuardCounters.create();
    // Only ADAPTIVE past the read-ahead remembers an origin: each repeat takes a new guard there,
    // so that every repeat meets the 411; elsewhere one client serves every call.
    boolean freshGuard = mode == GuardMode.ADAPTIVE && pastReadAhead;
    Client client = freshGuard ? null : setup.open(policy(mode, size, sharedCounters));
    try {
      for (int i = 0; i < REPEATS; i++) {
        GuardCounters counters = freshGuard ? GuardCounters.create() : sharedCounters;
        Client current = freshGuard ? setup.open(policy(mode, size, counters)) : client;
        try {
          String first = prefix + i + "/first";
          String problem = call(current, counters, gateways, haproxy, first, payload, expected);
          if (problem != null) {
            failures.add(i + ": " + problem);
            continue;
          }
          delivered++;
          if (freshGuard) {
            String second = prefix + i + "/second";
            String notLearned =
                call(
                    current,
                    counters,
                    gateways,
                    haproxy,
                    second,
                    payload,
                    GuardEvents.FROZEN_FOR_LEARNED_ORIGIN);
            if (notLearned != null) {
              failures.add(i + " (second call): " + notLearned);
            } else {
              learned++;
            }
          }
        } finally {
          if (freshGuard) current.close();
        }
      }
    } finally {
      if (client != null) client.close();
    }

    System.out.printf(
        "HttpClient5EarlyRefusalIT %s, %s, %d bytes: %d of %d delivered exact%s%n",
        setup,
        mode,
        size,
        delivered,
        REPEATS,
        freshGuard ? ", origin learned in " + learned + " of " + delivered : "");
    assertThat(failures).as("calls that did not deliver the exact bytes once").isEmpty();
    assertThat(delivered).isEqualTo(REPEATS);
    if (freshGuard) assertThat(learned).isEqualTo(REPEATS);
  }

  /**
   * Posts {@code payload} to {@code path} and returns null if the backend got it exactly once with
   * its length and the guard reported {@code expected}; else what went wrong.
   */
  private static @Nullable String call(
      Client client,
      GuardCounters counters,
      Gateways gateways,
      RunningGateway haproxy,
      String path,
      byte[] payload,
      GuardEvents expected) {
    GuardEvents before = GuardEvents.of(counters);
    Reply reply;
    try {
      reply =
          assertTimeoutPreemptively(CALL_TIMEOUT, () -> client.post(haproxy.uri(path), payload));
    } catch (Throwable e) {
      return "threw " + e;
    }
    try {
      assertThat(reply.status()).as("status").isEqualTo(200);
      assertThat(reply.receivedLength())
          .as("bytes the backend reported")
          .isEqualTo(Integer.toString(payload.length));
      gateways.backend().assertReceivedExactly(path, payload);
      assertThat(GuardEvents.of(counters).since(before)).as("guard events").isEqualTo(expected);
      return null;
    } catch (AssertionError e) {
      return e.getMessage().replace('\n', ' ');
    }
  }

  private static GuardPolicy policy(GuardMode mode, int size, GuardCounters counters)
      throws IOException {
    GuardPolicy.Builder policy = GuardPolicy.builder().mode(mode).listener(counters);
    if (size > GuardPolicy.DEFAULT_MAX_BUFFER_BYTES) {
      Path spill = Gateways.defaultRoot().resolve("spill");
      Files.createDirectories(spill);
      policy.buffering(
          Buffering.spillToDisk(GuardPolicy.DEFAULT_MAX_BUFFER_BYTES, 32L * MIB, spill));
    }
    return policy.build();
  }

  /** A client of one setup: posts a one-shot stream of unknown length. */
  interface Client extends AutoCloseable {
    Reply post(URI uri, byte[] payload) throws Exception;

    @Override
    void close();
  }

  private static Client classic(CloseableHttpClient client) {
    return new Client() {
      @Override
      public Reply post(URI uri, byte[] payload) throws IOException {
        HttpPost post = new HttpPost(uri);
        post.setEntity(
            new InputStreamEntity(
                new ByteArrayInputStream(payload), -1, ContentType.APPLICATION_OCTET_STREAM));
        return client.execute(
            post,
            response -> {
              EntityUtils.consume(response.getEntity());
              return reply(response.getCode(), response);
            });
      }

      @Override
      public void close() {
        client.close(CloseMode.IMMEDIATE);
      }
    };
  }

  private static Client async(HttpAsyncClientBuilder builder) {
    CloseableHttpAsyncClient client = builder.build();
    client.start();
    return new Client() {
      @Override
      public Reply post(URI uri, byte[] payload) throws Exception {
        try {
          SimpleHttpResponse response =
              client
                  .execute(
                      new BasicRequestProducer(
                          BasicRequestBuilder.post(uri).build(),
                          ByteProducer.oneShot(payload, new AtomicInteger())),
                      SimpleResponseConsumer.create(),
                      null)
                  .get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
          return reply(response.getCode(), response);
        } catch (ExecutionException e) {
          throw e.getCause() instanceof Exception cause ? cause : e;
        }
      }

      @Override
      public void close() {
        client.close(CloseMode.IMMEDIATE);
      }
    };
  }

  private static Reply reply(int status, HttpMessage response) {
    return new Reply(
        status,
        header(response, RecordingBackend.RECEIVED_LENGTH),
        header(response, RecordingBackend.RECEIVED_SHA256));
  }

  private static @Nullable String header(HttpMessage response, String name) {
    Header header = response.getFirstHeader(name);
    return header == null ? null : header.getValue();
  }
}
