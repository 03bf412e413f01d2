package io.lengthguard.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.Buffering;
import io.lengthguard.GuardCounters;
import io.lengthguard.GuardMode;
import io.lengthguard.GuardPolicy;
import io.lengthguard.it.Gateway.LengthRequiredReply;
import io.lengthguard.testing.Payloads;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Both adapters against the four real gateways: each client in each mode, with bodies of each size
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
              // No read-ahead: every cell drives the first send as the client frames it, and the
              // resend, as a body past the default 1 MiB read-ahead goes.
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

  @ParameterizedTest(name = "{0}")
  @MethodSource("early411Lost")
  void classicClientLosesAnEarly411ToABrokenPipe(Cell cell, Gateways gateways) throws Exception {
    RunningGateway running = gateways.get(cell.gateway());
    byte[] payload = payload(cell.size());
    // ADAPTIVE gets a client of its own, so that it has learned nothing elsewhere.
    boolean adaptive = cell.mode() == GuardMode.ADAPTIVE;
    Counted counted = adaptive ? Counted.open(cell) : shared(cell);
    try {
      counted.client().closeIdleConnections();
      GuardEvents before = GuardEvents.of(counted.counters());
      List<String> paths = new ArrayList<>(List.of(cell.path("first")));
      // It cannot learn from a 411 it never saw: the second request fails the same way.
      if (adaptive) paths.add(cell.path("second"));

      for (String path : paths) {
        AtomicInteger writes = new AtomicInteger();
        assertThatThrownBy(
                () -> counted.client().post(running.uri(path), cell.body(), payload, writes))
            .as("%s", path)
            .isInstanceOf(SocketException.class)
            .hasMessage("Broken pipe");
        assertThat(writes).as("times the body was written").hasValue(1);
        assertThat(gateways.backend().received(path)).as("requests at the backend").isEmpty();
      }
      assertThat(GuardEvents.of(counted.counters()).since(before))
          .as("guard events: the 411 never reached the guard")
          .isEqualTo(GuardEvents.NONE);
    } finally {
      if (adaptive) counted.close();
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
        // java.net.http says "header parser received no bytes", caused by the broken pipe.
        assertThat(cell.client() == ClientKind.JDK ? rootCause(e) : e)
            .as("the transport's failure")
            .hasMessageMatching("(?s).*(Broken pipe|reset).*");
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
        Stream.of(sentOnce(), adaptive(), early411Lost(), racesEarly411())
            .flatMap(cells -> cells)
            .toList();

    assertThat(all).hasSize(616).doesNotHaveDuplicates();
    assertThat(asserted).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(all);
    assertThat(racesEarly411().filter(cell -> cell.client() == ClientKind.JDK))
        .hasSize(Runtime.version().feature() >= 21 ? 8 : 10)
        .allMatch(cell -> cell.gateway() == Gateway.HAPROXY && cell.size() >= MIB);
    assertThat(racesEarly411().filter(cell -> cell.client() != ClientKind.JDK).map(Cell::toString))
        .containsExactlyInAnyOrder(
            "haproxy, HttpClient5 classic, RETRY_ON_411, 1 MiB, unknown length",
            "haproxy, HttpClient5 classic, RETRY_ON_411, 1 MiB, one-shot",
            "haproxy, HttpClient5 classic, ADAPTIVE, 1 MiB, unknown length",
            "haproxy, HttpClient5 classic, ADAPTIVE, 1 MiB, one-shot",
            "haproxy, HttpClient5 async, RETRY_ON_411, 1 MiB, unknown length",
            "haproxy, HttpClient5 async, RETRY_ON_411, 1 MiB, one-shot",
            "haproxy, HttpClient5 async, RETRY_ON_411, 16 MiB, unknown length",
            "haproxy, HttpClient5 async, RETRY_ON_411, 16 MiB, one-shot",
            "haproxy, HttpClient5 async, ADAPTIVE, 1 MiB, unknown length",
            "haproxy, HttpClient5 async, ADAPTIVE, 1 MiB, one-shot",
            "haproxy, HttpClient5 async, ADAPTIVE, 16 MiB, unknown length",
            "haproxy, HttpClient5 async, ADAPTIVE, 16 MiB, one-shot");
  }

  /** Cells sent once: PREBUFFER, RETRY_ON_411, and ADAPTIVE with a known length. */
  static Stream<Cell> sentOnce() {
    return matrix()
        .filter(GuardMatrixIT::recovers)
        .filter(cell -> cell.mode() != GuardMode.ADAPTIVE || cell.body() == BodyKind.KNOWN);
  }

  /** ADAPTIVE cells of unknown length: a first request to a new origin, then a second. */
  static Stream<Cell> adaptive() {
    return matrix()
        .filter(GuardMatrixIT::recovers)
        .filter(cell -> cell.mode() == GuardMode.ADAPTIVE && cell.body() != BodyKind.KNOWN);
  }

  static Stream<Cell> early411Lost() {
    return matrix().filter(GuardMatrixIT::losesEarly411);
  }

  /** Cells whose outcome depends on timing: see {@link #losesNothingWhenItRacesAnEarly411}. */
  static Stream<Cell> racesEarly411() {
    return matrix()
        .filter(
            cell ->
                classicRacesEarly411(cell) || asyncLosesEarly411(cell) || jdkRacesEarly411(cell));
  }

  /**
   * Returns true where java.net.http races haproxy's close: a body of 1 MiB or more streamed
   * chunked is cut by {@code Broken pipe}, and the client reads the 411 in some runs (it reads the
   * response after a failed write) and fails with {@code IOException: HTTP/1.1 header parser
   * received no bytes} in others. On Java 17 {@code expectContinue(true)} does not help: the guard
   * leaves {@code Expect: 100-continue} out there, as Java 17's client hangs on a 411 in answer.
   */
  static boolean jdkRacesEarly411(Cell cell) {
    return cell.client() == ClientKind.JDK
        && cell.gateway().lengthRequiredReply() == LengthRequiredReply.CLOSES_WITHOUT_READING_BODY
        && cell.body() != BodyKind.KNOWN
        && cell.mode() != GuardMode.PREBUFFER
        && (!cell.expectContinue() || Runtime.version().feature() < 21)
        && cell.size() >= MIB;
  }

  private static Throwable rootCause(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null) cause = cause.getCause();
    return cause;
  }

  /**
   * Returns every cell, gateway by gateway: the three clients in each mode, size and kind of body;
   * beside each cell where the default classic client loses the 411, the same cell on {@code
   * EarlyResponses} connections; and the 16 MiB bodies of unknown length with {@code Expect:
   * 100-continue}.
   */
  static Stream<Cell> matrix() {
    List<Cell> cells = new ArrayList<>();
    for (Gateway gateway : Gateway.values()) {
      for (ClientKind client :
          List.of(ClientKind.OKHTTP, ClientKind.CLASSIC, ClientKind.ASYNC, ClientKind.JDK)) {
        for (GuardMode mode : GuardMode.values()) {
          for (int size : SIZES) {
            for (BodyKind body : BodyKind.values()) {
              Cell cell = new Cell(gateway, client, mode, size, body, false);
              cells.add(cell);
              if (losesEarly411(cell) || classicRacesEarly411(cell)) {
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

  /** Returns true for the cells in which the guard gets the 411 and recovers. */
  static boolean recovers(Cell cell) {
    return !losesEarly411(cell)
        && !classicRacesEarly411(cell)
        && !asyncLosesEarly411(cell)
        && !jdkRacesEarly411(cell);
  }

  /**
   * Returns true where the 411 never reaches the guard: haproxy answers and closes without reading
   * the body, and the default classic client, which writes the whole body before it reads, fails
   * the write with {@code Broken pipe} once the body is more than the socket buffers can take.
   */
  static boolean losesEarly411(Cell cell) {
    return meetsEarly411(cell, ClientKind.CLASSIC) && cell.size() > MIB;
  }

  /**
   * Returns true where the default classic client races haproxy's close: a 1 MiB body fits the
   * loopback socket buffers only if haproxy closes late, so the 411 is read in a few runs in a
   * hundred (6 of 100 here) and lost to {@code Broken pipe} in the others. No assertion holds for
   * every run but that nothing is lost; the same cell on {@code EarlyResponses} connections
   * recovers.
   */
  static boolean classicRacesEarly411(Cell cell) {
    return meetsEarly411(cell, ClientKind.CLASSIC) && cell.size() == MIB;
  }

  /**
   * Returns true where the async client loses haproxy's early 411 to {@code IOException: Broken
   * pipe} in about 4 runs in 5 (1 MiB and 16 MiB; RETRY_ON_411 and the first ADAPTIVE request;
   * unknown length and one-shot), although httpclient5-adapter/README.md says the async transport
   * reads it and fails only now and then. The failure comes from HttpCore's {@code
   * AbstractHttp1StreamDuplexer.onOutput} flushing its own buffer, before the 411 is read and out
   * of the handler's reach; the guard sees no 411. PREBUFFER and {@code Expect: 100-continue} avoid
   * it, and their cells recover.
   */
  static boolean asyncLosesEarly411(Cell cell) {
    return meetsEarly411(cell, ClientKind.ASYNC) && cell.size() >= MIB;
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
   * Returns true for an empty body of unknown length through core's exchange: it ends before any
   * byte, so it goes once with {@code Content-Length: 0}, whatever the mode.
   */
  private static boolean emptyReadAhead(Cell cell) {
    return runsOnce(cell)
        && cell.size() == 0
        && cell.body() != BodyKind.KNOWN
        && cell.mode() != GuardMode.PREBUFFER;
  }

  /** Returns true for a client through core's exchange, which runs the caller's body once. */
  private static boolean runsOnce(Cell cell) {
    return cell.client() == ClientKind.OKHTTP || cell.client() == ClientKind.JDK;
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
   * client's own body (not counted); a one-shot body once, whatever happens; a repeatable one once
   * to be frozen, and once more if the chunked first send began to write it (without {@code Expect:
   * 100-continue}, a 411 comes after the body has started).
   */
  private static int expectedWrites(Cell cell) {
    return switch (cell.body()) {
      case KNOWN -> 0;
      case ONE_SHOT -> 1;
      // Core's exchange runs a body once and resends what it captured.
      case UNKNOWN ->
          runsOnce(cell) || cell.mode() == GuardMode.PREBUFFER || cell.expectContinue() ? 1 : 2;
    };
  }

  private static Exchange send(Counted counted, RunningGateway running, Cell cell, String path)
      throws Exception {
    GuardEvents before = GuardEvents.of(counted.counters());
    AtomicInteger writes = new AtomicInteger();
    Reply reply =
        counted.client().post(running.uri(path), cell.body(), payload(cell.size()), writes);
    return new Exchange(reply, GuardEvents.of(counted.counters()).since(before), writes.get());
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
