package io.lengthguard.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.lengthguard.Buffering;
import io.lengthguard.GuardCounters;
import io.lengthguard.GuardMode;
import io.lengthguard.GuardPolicy;
import io.lengthguard.it.Gateway.LengthRequiredReply;
import io.lengthguard.testing.Payloads;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.netty.http.client.PrematureCloseException;

/**
 * The adapters against the four real gateways: each client in each mode, with bodies of each size
 * and kind. Each cell asserts the status, the bytes the backend received (count, SHA-256, {@code
 * Content-Length}, no {@code Transfer-Encoding}), the guard's events (411s first) and how many
 * times the body was written. Where a client cannot read the 411 at all, the cell asserts that
 * documented failure instead, and the cells beside it show what avoids it.
 */
@ExtendWith(GatewaysExtension.class)
final class GuardMatrixIT {
  private static final int MIB = 1024 * 1024;
  private static final int[] SIZES = {0, 1024, MIB, 16 * MIB};

  /**
   * Above the largest body: the default 8 MiB would refuse to freeze the 16 MiB bodies, a limit of
   * its own that the adapters' tests cover.
   */
  private static final long MAX_BUFFER_BYTES = 32L * MIB;

  /** Spring's clients: RestClient over the JDK request factory, WebClient over Reactor Netty. */
  private static final Set<ClientKind> SPRING =
      EnumSet.of(ClientKind.REST_CLIENT, ClientKind.WEB_CLIENT);

  private static final Map<Integer, byte[]> PAYLOADS = new ConcurrentHashMap<>();

  /** PREBUFFER and RETRY_ON_411 clients are shared: they remember nothing per origin. */
  private static final Map<ClientKey, Counted> SHARED = new HashMap<>();

  private record ClientKey(ClientKind client, GuardMode mode, boolean expectContinue) {}

  /** A client and the counters its guard reports to. */
  private record Counted(GuardedClient client, GuardCounters counters) implements AutoCloseable {
    static Counted open(Cell cell) {
      GuardCounters counters = GuardCounters.create();
      GuardPolicy policy =
          GuardPolicy.builder()
              .mode(cell.mode())
              .buffering(Buffering.inMemory(MAX_BUFFER_BYTES))
              // No read-ahead: each body takes the path its mode names, so that every cell tests
              // the first send as the client frames it and the 411 that follows.
              .prebufferBytes(0)
              .expectContinue(cell.expectContinue())
              .listener(counters)
              .build();
      return new Counted(cell.client().open(policy), counters);
    }

    @Override
    public void close() {
      client.close();
    }
  }

  /** What one request did: the reply, the guard's events, and how often the body was written. */
  private record Exchange(Reply reply, GuardEvents events, int writes) {}

  @AfterAll
  static void closeSharedClients() {
    SHARED.values().forEach(Counted::close);
    SHARED.clear();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sentOnce")
  void deliversTheExactBytesWithAtMostOne411(Cell cell, Gateways gateways) throws Exception {
    RunningGateway running = gateways.get(cell.gateway());
    Counted counted = shared(cell);
    counted.client().closeIdleConnections();
    String path = cell.path("first");

    Exchange exchange = send(counted, running, cell, path);

    assertDelivered(gateways, running, path, payload(cell.size()), exchange.reply());
    assertThat(exchange.events()).as("guard events").isEqualTo(expectedEvents(cell));
    assertThat(exchange.writes()).as("times the body was written").isEqualTo(expectedWrites(cell));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("adaptive")
  void adaptiveResendsAfterOne411ThenSendsTheLengthFirst(Cell cell, Gateways gateways)
      throws Exception {
    RunningGateway running = gateways.get(cell.gateway());
    byte[] payload = payload(cell.size());
    // A client of its own: the origin must be new to its guard.
    try (Counted counted = Counted.open(cell)) {
      String first = cell.path("first");
      Exchange firstExchange = send(counted, running, cell, first);

      assertDelivered(gateways, running, first, payload, firstExchange.reply());
      assertThat(firstExchange.events())
          .as("guard events, first request")
          .isEqualTo(expectedEvents(cell));
      assertThat(firstExchange.writes())
          .as("times the body was written, first request")
          .isEqualTo(expectedWrites(cell));

      String second = cell.path("second");
      Exchange secondExchange = send(counted, running, cell, second);

      assertDelivered(gateways, running, second, payload, secondExchange.reply());
      assertThat(secondExchange.events())
          .as("guard events, second request to the same origin")
          .isEqualTo(
              emptyReadAhead(cell)
                  ? GuardEvents.READ_AHEAD
                  : GuardEvents.FROZEN_FOR_LEARNED_ORIGIN);
      assertThat(secondExchange.writes()).as("times the body was written, second").isOne();
    }
  }

  /**
   * The cells where the client races haproxy's close (see {@link #racesEarly411}): whether the 411
   * is read depends on timing, so each run asserts what holds either way. Recovered, the backend
   * got the exact bytes after one 411; lost, the call fails with the transport's own {@code
   * IOException} and neither the backend nor the guard saw anything: nothing half sent, no wrong
   * length.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("racesEarly411")
  void losesNothingWhenItRacesAnEarly411(Cell cell, Gateways gateways) throws Exception {
    RunningGateway running = gateways.get(cell.gateway());
    byte[] payload = payload(cell.size());
    try (Counted counted = Counted.open(cell)) {
      String path = cell.path("first");
      GuardEvents before = GuardEvents.of(counted.counters());
      AtomicInteger writes = new AtomicInteger();
      Reply reply;
      try {
        reply = counted.client().post(running.uri(path), cell.body(), payload, writes);
      } catch (java.io.IOException e) {
        assertLostToTheClose(cell, e);
        assertThat(gateways.backend().received(path)).as("requests at the backend").isEmpty();
        assertThat(GuardEvents.of(counted.counters()).since(before))
            .as("guard events: the 411 never reached the guard")
            .isEqualTo(GuardEvents.NONE);
        return;
      }
      assertDelivered(gateways, running, path, payload, reply);
      assertThat(GuardEvents.of(counted.counters()).since(before))
          .as("guard events")
          .isEqualTo(GuardEvents.RESENT_AFTER_411);
    }
  }

  @Test
  void assertsEveryCell() {
    List<Cell> all = matrix().toList();
    List<Cell> asserted =
        Stream.of(sentOnce(), adaptive(), racesEarly411()).flatMap(cells -> cells).toList();

    assertThat(all).hasSize(920).doesNotHaveDuplicates();
    assertThat(asserted).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(all);
    assertThat(racesEarly411().filter(cell -> cell.client() == ClientKind.JDK))
        .hasSize(Runtime.version().feature() >= 21 ? 12 : 14)
        .allMatch(cell -> cell.gateway() == Gateway.HAPROXY && cell.size() > 0);
    assertThat(racesEarly411().filter(cell -> cell.client() != ClientKind.JDK))
        .hasSize(28)
        .allMatch(cell -> cell.gateway() == Gateway.HAPROXY && cell.size() > 0)
        .allMatch(cell -> SPRING.contains(cell.client()));
  }

  /** Cells sent once: PREBUFFER, RETRY_ON_411, and ADAPTIVE with a known length. */
  static Stream<Cell> sentOnce() {
    return matrix()
        .filter(GuardMatrixIT::recovers)
        .filter(cell -> cell.mode() != GuardMode.ADAPTIVE || !learns(cell));
  }

  /** ADAPTIVE cells of unknown length: a first request to a new origin, then a second. */
  static Stream<Cell> adaptive() {
    return matrix()
        .filter(GuardMatrixIT::recovers)
        .filter(cell -> cell.mode() == GuardMode.ADAPTIVE && learns(cell));
  }

  /**
   * Returns true if the cell's body goes chunked first and meets the 411: not a known length, and
   * not an empty body, which is whole before anything is sent and goes with Content-Length: 0.
   */
  private static boolean learns(Cell cell) {
    return cell.body() != BodyKind.KNOWN && cell.size() > 0;
  }

  /** Cells whose outcome depends on timing: see {@link #losesNothingWhenItRacesAnEarly411}. */
  static Stream<Cell> racesEarly411() {
    return matrix().filter(cell -> jdkRacesEarly411(cell) || springRacesEarly411(cell));
  }

  /**
   * Returns true where java.net.http races haproxy's close: haproxy closes with the streamed
   * chunked body unread, the kernel resets the connection, and the client reads the 411 in some
   * runs and fails with {@code IOException: HTTP/1.1 header parser received no bytes} in others: at
   * 1 MiB and more the write fails with {@code Broken pipe} first; at 1 KiB the reset can come
   * before the 411 is read (1 run of 4 cells in one matrix run). On Java 17 {@code
   * expectContinue(true)} does not help: the guard leaves {@code Expect: 100-continue} out there,
   * as Java 17's client hangs on a 411 in answer.
   */
  static boolean jdkRacesEarly411(Cell cell) {
    return cell.client() == ClientKind.JDK
        && cell.gateway().lengthRequiredReply() == LengthRequiredReply.CLOSES_WITHOUT_READING_BODY
        && cell.body() != BodyKind.KNOWN
        && cell.mode() != GuardMode.PREBUFFER
        && (!cell.expectContinue() || Runtime.version().feature() < 21)
        && cell.size() > 0;
  }

  /**
   * Returns true where Spring's clients race haproxy's close, at any size of a streamed body, with
   * or without {@code expectContinue}: the 411 comes right after the headers and the connection
   * closes while the body is still being written, for reasons in the clients under the guard.
   *
   * <ul>
   *   <li>RestClient over the JDK request factory: Spring's {@code JdkClientHttpRequest} drops
   *       {@code Expect} (one of its disallowed fields), so no first send can ask for 100
   *       (Continue), and java.net.http races the close as in {@link #jdkRacesEarly411}, whatever
   *       the policy's {@code expectContinue}.
   *   <li>WebClient over Reactor Netty: Reactor Netty reads no response while it writes a {@code
   *       Flux} body ({@code HttpClientOperations} reads early only for a {@code Mono}), and sends
   *       the body at once whatever {@code Expect} says: the write meets the close and the call
   *       fails with {@code PrematureCloseException} before the response is read.
   * </ul>
   *
   * Either way the call fails as it does without the guard, and nothing reached the backend.
   */
  static boolean springRacesEarly411(Cell cell) {
    return SPRING.contains(cell.client())
        && cell.gateway().lengthRequiredReply() == LengthRequiredReply.CLOSES_WITHOUT_READING_BODY
        && cell.body() != BodyKind.KNOWN
        && cell.mode() != GuardMode.PREBUFFER
        && cell.size() > 0;
  }

  /** Asserts that {@code e} is the failure {@code cell}'s client reports when it loses the 411. */
  private static void assertLostToTheClose(Cell cell, java.io.IOException e) {
    switch (cell.client()) {
      // java.net.http says "header parser received no bytes", caused by the broken pipe.
      case JDK, REST_CLIENT ->
          assertThat(rootCause(e))
              .as("the transport's failure")
              .hasMessageMatching("(?s).*(Broken pipe|reset).*");
      // The close came while the body was being written, or before Reactor Netty read a byte.
      case WEB_CLIENT ->
          assertThat(e)
              .as("the transport's failure")
              .isInstanceOf(PrematureCloseException.class)
              .hasMessageMatching(
                  "Connection (has been closed|prematurely closed) BEFORE response.*");
      default ->
          assertThat(e)
              .as("the transport's failure")
              .hasMessageMatching("(?s).*(Broken pipe|reset).*");
    }
  }

  private static Throwable rootCause(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null) cause = cause.getCause();
    return cause;
  }

  /**
   * Returns every cell, gateway by gateway: each client in each mode, size and kind of body; beside
   * each cell where the default classic client loses the 411, the same cell on {@code
   * EarlyResponses} connections; and the 16 MiB bodies of unknown length with {@code Expect:
   * 100-continue}.
   */
  static Stream<Cell> matrix() {
    List<Cell> cells = new ArrayList<>();
    for (Gateway gateway : Gateway.values()) {
      for (ClientKind client :
          List.of(
              ClientKind.OKHTTP,
              ClientKind.CLASSIC,
              ClientKind.ASYNC,
              ClientKind.JDK,
              ClientKind.REST_CLIENT,
              ClientKind.WEB_CLIENT)) {
        for (GuardMode mode : GuardMode.values()) {
          for (int size : SIZES) {
            for (BodyKind body : BodyKind.values()) {
              Cell cell = new Cell(gateway, client, mode, size, body, false);
              cells.add(cell);
              if (meetsEarly411(cell, ClientKind.CLASSIC) && cell.size() >= MIB) {
                cells.add(
                    new Cell(gateway, ClientKind.CLASSIC_EARLY_RESPONSES, mode, size, body, false));
              }
            }
          }
        }
        for (BodyKind body : List.of(BodyKind.UNKNOWN, BodyKind.ONE_SHOT)) {
          cells.add(new Cell(gateway, client, GuardMode.RETRY_ON_411, 16 * MIB, body, true));
        }
      }
    }
    return cells.stream();
  }

  /**
   * Returns true for the cells in which the guard gets the 411 and recovers: all of them. Where
   * haproxy answers 411 and closes without reading the body, every HttpClient 5 setup asks for 100
   * (Continue) before a body streamed past the read-ahead, and the 411 comes before any byte of it.
   */
  static boolean recovers(Cell cell) {
    return !jdkRacesEarly411(cell) && !springRacesEarly411(cell);
  }

  /**
   * Returns true if {@code cell} sends a chunked first request through {@code client} to a gateway
   * that answers 411 and closes without reading the body, with nothing to make it wait.
   */
  private static boolean meetsEarly411(Cell cell, ClientKind client) {
    return cell.client() == client
        && cell.gateway().lengthRequiredReply() == LengthRequiredReply.CLOSES_WITHOUT_READING_BODY
        && cell.body() != BodyKind.KNOWN
        && cell.mode() != GuardMode.PREBUFFER
        && !cell.expectContinue();
  }

  /**
   * Returns true for an empty body of unknown length: it ends within the read-ahead before any
   * byte, so it goes once with {@code Content-Length: 0}, whatever the mode.
   */
  private static boolean emptyReadAhead(Cell cell) {
    return cell.size() == 0 && cell.body() != BodyKind.KNOWN && cell.mode() != GuardMode.PREBUFFER;
  }

  private static GuardEvents expectedEvents(Cell cell) {
    if (cell.body() == BodyKind.KNOWN) return GuardEvents.NONE;
    if (emptyReadAhead(cell)) return GuardEvents.READ_AHEAD;
    return switch (cell.mode()) {
      case PREBUFFER -> GuardEvents.PREBUFFERED;
      case RETRY_ON_411, ADAPTIVE -> GuardEvents.RESENT_AFTER_411;
    };
  }

  /**
   * Returns how many times the body of the cell's first request is written: a known length is the
   * client's own body (not counted); any other body once, whatever happens: the resend is what the
   * first send wrote.
   */
  private static int expectedWrites(Cell cell) {
    return cell.body() == BodyKind.KNOWN ? 0 : 1;
  }

  private static Exchange send(Counted counted, RunningGateway running, Cell cell, String path)
      throws Exception {
    GuardEvents before = GuardEvents.of(counted.counters());
    AtomicInteger writes = new AtomicInteger();
    Reply reply =
        counted.client().post(running.uri(path), cell.body(), payload(cell.size()), writes);
    // The async client's consumer may end before the guard's thread reports the resend's answer.
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
    GuardEvents events = GuardEvents.of(counted.counters()).since(before);
    while (events.resent() > events.recovered() + events.gaveUp() && System.nanoTime() < deadline) {
      Thread.sleep(1);
      events = GuardEvents.of(counted.counters()).since(before);
    }
    return new Exchange(reply, events, writes.get());
  }

  private static void assertDelivered(
      Gateways gateways, RunningGateway running, String path, byte[] payload, Reply reply) {
    assertThat(reply.status()).as("status from %s for %s", running, path).isEqualTo(200);
    assertThat(reply.receivedLength())
        .as("bytes the backend reported")
        .isEqualTo(Integer.toString(payload.length));
    assertThat(reply.receivedSha256())
        .as("sha-256 the backend reported")
        .isEqualTo(RecordingBackend.sha256Hex(payload));
    gateways.backend().assertReceivedExactly(path, payload);
  }

  private static Counted shared(Cell cell) {
    return SHARED.computeIfAbsent(
        new ClientKey(cell.client(), cell.mode(), cell.expectContinue()),
        key -> Counted.open(cell));
  }

  private static byte[] payload(int size) {
    return PAYLOADS.computeIfAbsent(size, Payloads::bytes);
  }
}
