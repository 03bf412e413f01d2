package io.lengthguard.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.lengthguard.FindingCode;
import io.lengthguard.FramingFinding;
import io.lengthguard.FreezeReason;
import io.lengthguard.GiveUpReason;
import io.lengthguard.GuardListener;
import io.lengthguard.GuardPolicy;
import io.lengthguard.LengthGuard;
import io.lengthguard.Origin;
import io.lengthguard.OutgoingBody;
import io.lengthguard.Transport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LengthGuardMetricsTest {
  private static final Origin API = Origin.of("https", "api.example.com", 443);

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @Test
  void recordsEveryEventAsACounterTaggedEventReasonAndServerAddress() {
    GuardListener metrics = LengthGuardMetrics.create(registry);

    metrics.bodyFrozen(API, 120, FreezeReason.LENGTH_REQUIRED);
    metrics.lengthRequired(API, false);
    metrics.resent(API, 120);
    metrics.recovered(API, 201);
    metrics.gaveUp(API, GiveUpReason.LENGTH_REFUSED, "second 411");
    metrics.bodyTooLarge(API, 8, 9);
    metrics.bodyNotRead(API, 4096, 200);
    metrics.framingFinding(API, new FramingFinding(FindingCode.LENGTH_MISMATCH, "5 vs 7"));
    metrics.overBudget(API, 1024);

    assertThat(events(registry))
        .containsOnly(
            entry("frozen length.required api.example.com", 1.0),
            entry("length.required none api.example.com", 1.0),
            entry("resent none api.example.com", 1.0),
            entry("recovered none api.example.com", 1.0),
            entry("gave.up length.refused api.example.com", 1.0),
            entry("too.large none api.example.com", 1.0),
            entry("body.not.read none api.example.com", 1.0),
            entry("framing length.mismatch api.example.com", 1.0),
            entry("over.budget none api.example.com", 1.0));
  }

  @Test
  void countsEachReasonUnderItsOwnLowerCaseDottedTag() {
    GuardListener metrics = LengthGuardMetrics.create(registry);

    for (FreezeReason reason : FreezeReason.values()) metrics.bodyFrozen(API, 1, reason);
    for (GiveUpReason reason : GiveUpReason.values()) metrics.gaveUp(API, reason, "");
    for (FindingCode code : FindingCode.values()) {
      metrics.framingFinding(API, new FramingFinding(code, ""));
    }

    Map<String, Double> events = events(registry);
    assertThat(events)
        .hasSize(
            FreezeReason.values().length
                + GiveUpReason.values().length
                + FindingCode.values().length)
        .containsEntry("frozen prebuffer api.example.com", 1.0)
        .containsEntry("frozen learned.origin api.example.com", 1.0)
        .containsEntry("frozen read.ahead api.example.com", 1.0)
        .containsEntry("frozen length.required api.example.com", 1.0)
        .containsEntry("gave.up length.refused api.example.com", 1.0)
        .containsEntry("gave.up too.large api.example.com", 1.0)
        .containsEntry("gave.up body.lost api.example.com", 1.0)
        .containsEntry("gave.up freeze.failed api.example.com", 1.0)
        .containsEntry("gave.up body.changed api.example.com", 1.0)
        .containsEntry("framing content.length.with.transfer.encoding api.example.com", 1.0)
        .containsEntry("framing missing.length api.example.com", 1.0);
  }

  @Test
  void repeatedEventsAddUpOnOneCounter() {
    GuardListener metrics = LengthGuardMetrics.create(registry);

    for (int i = 0; i < 5; i++) metrics.lengthRequired(API, false);
    metrics.lengthRequired(API, true);

    assertThat(events(registry)).containsOnly(entry("length.required none api.example.com", 6.0));
    assertThat(registry.getMeters()).hasSize(1);
  }

  @Test
  void everyEventCounterHasTheSameTagKeys() {
    GuardListener metrics = LengthGuardMetrics.create(registry);
    metrics.lengthRequired(API, false);
    metrics.bodyFrozen(API, 10, FreezeReason.PREBUFFER);
    metrics.gaveUp(API, GiveUpReason.TOO_LARGE, "");

    // Prometheus refuses meters of one name with different tag keys.
    for (Counter counter : registry.find(LengthGuardMetrics.EVENTS).counters()) {
      assertThat(counter.getId().getTags())
          .extracting(Tag::getKey)
          .containsExactly("event", "reason", "server.address");
    }
    assertThat(registry.find(LengthGuardMetrics.EVENTS).counters()).hasSize(3);
  }

  @Test
  void recordsFrozenSizesInBytesPerReasonAndServerAddress() {
    GuardListener metrics = LengthGuardMetrics.create(registry);

    metrics.bodyFrozen(API, 100, FreezeReason.LENGTH_REQUIRED);
    metrics.bodyFrozen(API, 300, FreezeReason.LENGTH_REQUIRED);
    metrics.bodyFrozen(API, 7, FreezeReason.PREBUFFER);

    DistributionSummary onLengthRequired =
        registry
            .get(LengthGuardMetrics.FROZEN_SIZE)
            .tags("reason", "length.required", "server.address", "api.example.com")
            .summary();
    assertThat(onLengthRequired.count()).isEqualTo(2);
    assertThat(onLengthRequired.totalAmount()).isEqualTo(400.0);
    assertThat(onLengthRequired.max()).isEqualTo(300.0);
    assertThat(onLengthRequired.getId().getBaseUnit()).isEqualTo("bytes");
    DistributionSummary prebuffered =
        registry.get(LengthGuardMetrics.FROZEN_SIZE).tags("reason", "prebuffer").summary();
    assertThat(prebuffered.count()).isEqualTo(1);
    assertThat(prebuffered.totalAmount()).isEqualTo(7.0);
    assertThat(registry.find(LengthGuardMetrics.FROZEN_SIZE).summaries()).hasSize(2);
  }

  @Test
  void serverAddressIsTheHostWithoutSchemeOrPort() {
    GuardListener metrics = LengthGuardMetrics.create(registry);

    metrics.lengthRequired(Origin.of("http", "api.example.com", 80), false);
    metrics.lengthRequired(Origin.of("https", "API.example.com", 8443), false);
    metrics.lengthRequired(Origin.of("http", "::1", 8080), false);

    assertThat(events(registry))
        .containsOnly(
            entry("length.required none api.example.com", 2.0),
            entry("length.required none ::1", 1.0));
  }

  @Test
  void tagsHostsPastTheBoundAsOther() {
    GuardListener metrics = LengthGuardMetrics.create(registry, 2);

    metrics.lengthRequired(host("a"), false);
    metrics.lengthRequired(host("b"), false);
    metrics.lengthRequired(host("c"), false);
    metrics.lengthRequired(host("d"), false);
    metrics.bodyFrozen(host("d"), 50, FreezeReason.LENGTH_REQUIRED);
    metrics.lengthRequired(host("a"), false);

    assertThat(events(registry))
        .containsOnly(
            entry("length.required none a", 2.0),
            entry("length.required none b", 1.0),
            entry("length.required none _OTHER", 2.0),
            entry("frozen length.required _OTHER", 1.0));
    assertThat(
            registry
                .get(LengthGuardMetrics.FROZEN_SIZE)
                .tags("server.address", "_OTHER")
                .summary()
                .totalAmount())
        .isEqualTo(50.0);
  }

  @Test
  void tagsAHundredHostsByDefault() {
    GuardListener metrics = LengthGuardMetrics.create(registry);

    for (int i = 0; i < 150; i++) metrics.lengthRequired(host("h" + i), false);

    Set<String> addresses = serverAddresses(registry);
    assertThat(addresses).hasSize(LengthGuardMetrics.DEFAULT_MAX_SERVER_ADDRESSES + 1);
    assertThat(addresses).contains("h0", "h99", "_OTHER").doesNotContain("h100", "h149");
    assertThat(events(registry)).containsEntry("length.required none _OTHER", 50.0);
  }

  @Test
  void tagsEveryHostAsOtherWhenTheBoundIsZero() {
    GuardListener metrics = LengthGuardMetrics.create(registry, 0);

    metrics.resent(host("a"), 10);
    metrics.resent(host("b"), 10);

    assertThat(events(registry)).containsOnly(entry("resent none _OTHER", 2.0));
  }

  @Test
  void boundHoldsWhenThreadsRaceOverNewHosts() throws Exception {
    GuardListener metrics = LengthGuardMetrics.create(registry, 10);
    int threads = 4;
    int hosts = 50;
    int rounds = 20;
    ExecutorService executor = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int offset = t;
        futures.add(
            executor.submit(
                () -> {
                  start.await();
                  for (int r = 0; r < rounds; r++) {
                    for (int h = 0; h < hosts; h++) {
                      metrics.lengthRequired(host("h" + ((h + offset * 7) % hosts)), false);
                    }
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> future : futures) future.get(60, TimeUnit.SECONDS);
    } finally {
      executor.shutdownNow();
    }

    assertThat(serverAddresses(registry)).hasSize(11).contains("_OTHER");
    double total = events(registry).values().stream().mapToDouble(Double::doubleValue).sum();
    assertThat(total).isEqualTo(threads * hosts * rounds);
    // A host tagged on its own got all its events: it was tagged before its first was counted.
    for (Map.Entry<String, Double> entry : events(registry).entrySet()) {
      if (!entry.getKey().endsWith("_OTHER")) {
        assertThat(entry.getValue()).as(entry.getKey()).isEqualTo(threads * rounds);
      }
    }
  }

  @Test
  void composesWithOtherListeners() {
    List<String> heard = new ArrayList<>();
    GuardListener mine =
        new GuardListener() {
          @Override
          public void recovered(Origin origin, int status) {
            heard.add(origin + " " + status);
          }
        };
    GuardListener both = GuardListener.composite(LengthGuardMetrics.create(registry), mine);

    both.recovered(API, 200);

    assertThat(heard).containsExactly("https://api.example.com:443 200");
    assertThat(events(registry)).containsOnly(entry("recovered none api.example.com", 1.0));
  }

  @Test
  void gaugeReadsTheOriginsTheGuardRemembers() throws IOException {
    Origin known = Origin.of("https", "known.example.com", 443);
    GuardListener metrics = LengthGuardMetrics.create(registry);
    LengthGuard guard =
        LengthGuard.create(
            GuardPolicy.builder()
                .listener(metrics)
                .lengthRequired(known)
                .prebufferBytes(0)
                .build());

    Gauge gauge = LengthGuardMetrics.bindLearnedOrigins(registry, guard);
    assertThat(gauge.getId().getName()).isEqualTo("lengthguard.origins.learned");
    assertThat(gauge.value()).isEqualTo(1.0);

    answers411ThenOk(guard, API);

    assertThat(gauge.value()).isEqualTo(2.0);
    assertThat(registry.get(LengthGuardMetrics.LEARNED_ORIGINS).gauge().value()).isEqualTo(2.0);
    assertThat(events(registry))
        .containsOnly(
            entry("length.required none api.example.com", 1.0),
            entry("frozen length.required api.example.com", 1.0),
            entry("resent none api.example.com", 1.0),
            entry("recovered none api.example.com", 1.0));
  }

  @Test
  void gaugeTagsTellGuardsApart() {
    LengthGuard payments = LengthGuard.create(GuardPolicy.defaults());
    LengthGuard search =
        LengthGuard.create(GuardPolicy.builder().lengthRequired(API, host("b")).build());

    LengthGuardMetrics.bindLearnedOrigins(registry, payments, Tags.of("client", "payments"));
    LengthGuardMetrics.bindLearnedOrigins(registry, search, Tags.of("client", "search"));

    assertThat(registry.get(LengthGuardMetrics.LEARNED_ORIGINS).tag("client", "payments").gauge())
        .extracting(Gauge::value)
        .isEqualTo(0.0);
    assertThat(registry.get(LengthGuardMetrics.LEARNED_ORIGINS).tag("client", "search").gauge())
        .extracting(Gauge::value)
        .isEqualTo(2.0);
  }

  @Test
  void prometheusNamesMatchTheReadme() throws IOException {
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    GuardListener metrics = LengthGuardMetrics.create(prometheus);
    LengthGuard guard =
        LengthGuard.create(GuardPolicy.builder().listener(metrics).prebufferBytes(0).build());
    LengthGuardMetrics.bindLearnedOrigins(prometheus, guard);

    answers411ThenOk(guard, API);
    metrics.bodyNotRead(API, 8192, 200);

    String scrape = prometheus.scrape();
    assertThat(scrape)
        .contains(
            "lengthguard_events_total{event=\"length.required\",reason=\"none\","
                + "server_address=\"api.example.com\"} 1.0",
            "lengthguard_events_total{event=\"body.not.read\",reason=\"none\","
                + "server_address=\"api.example.com\"} 1.0",
            "lengthguard_events_total{event=\"frozen\",reason=\"length.required\","
                + "server_address=\"api.example.com\"} 1.0",
            "lengthguard_frozen_size_bytes_count{reason=\"length.required\","
                + "server_address=\"api.example.com\"} 1",
            "lengthguard_frozen_size_bytes_sum{reason=\"length.required\","
                + "server_address=\"api.example.com\"} 64.0",
            "lengthguard_origins_learned 1.0");
  }

  @Test
  void createRejectsBadArguments() {
    assertThatThrownBy(() -> LengthGuardMetrics.create(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("registry == null");
    assertThatThrownBy(() -> LengthGuardMetrics.create(registry, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxServerAddresses < 0: -1");
  }

  @Test
  void bindLearnedOriginsRejectsNulls() {
    LengthGuard guard = LengthGuard.create(GuardPolicy.defaults());
    assertThatThrownBy(() -> LengthGuardMetrics.bindLearnedOrigins(null, guard))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("registry == null");
    assertThatThrownBy(() -> LengthGuardMetrics.bindLearnedOrigins(registry, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("guard == null");
    assertThatThrownBy(() -> LengthGuardMetrics.bindLearnedOrigins(registry, guard, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("tags == null");
  }

  @Test
  void toStringNamesTheBound() {
    GuardListener metrics = LengthGuardMetrics.create(registry, 7);
    metrics.resent(API, 1);

    assertThat(metrics).hasToString("LengthGuardMetrics{maxServerAddresses=7, serverAddresses=1}");
  }

  private static Origin host(String name) {
    return Origin.of("https", name, 443);
  }

  /** Returns each {@code lengthguard.events} counter as "event reason server.address" to count. */
  static Map<String, Double> events(io.micrometer.core.instrument.MeterRegistry registry) {
    Map<String, Double> events = new TreeMap<>();
    for (Counter counter : registry.find(LengthGuardMetrics.EVENTS).counters()) {
      Meter.Id id = counter.getId();
      events.put(
          id.getTag("event") + " " + id.getTag("reason") + " " + id.getTag("server.address"),
          counter.count());
    }
    return events;
  }

  private static Set<String> serverAddresses(SimpleMeterRegistry registry) {
    Set<String> addresses = new TreeSet<>();
    for (Meter meter : registry.getMeters()) addresses.add(meter.getId().getTag("server.address"));
    return addresses;
  }

  /**
   * Runs one exchange of a 64-byte body to {@code origin} through {@code guard}, answered 411 and
   * then 200, as a strict server would.
   */
  private static void answers411ThenOk(LengthGuard guard, Origin origin) throws IOException {
    Deque<Integer> statuses = new ArrayDeque<>(List.of(411, 200));
    int status =
        guard
            .exchange(origin, "POST")
            .execute(
                out -> out.write(new byte[64]),
                false,
                new Transport<Integer>() {
                  @Override
                  public Integer send(OutgoingBody body) throws IOException {
                    body.writeTo(OutputStream.nullOutputStream());
                    return statuses.remove();
                  }

                  @Override
                  public int status(Integer response) {
                    return response;
                  }

                  @Override
                  public void discard(Integer response) {}
                });
    assertThat(status).isEqualTo(200);
  }
}
