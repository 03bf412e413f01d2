package io.lengthguard.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import io.lengthguard.GuardCounters;
import io.lengthguard.GuardPolicy;
import io.lengthguard.okhttp.LengthGuardInterceptor;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The memory budget under load, in a 256 MiB heap (the {@code low-memory} execution in this
 * module's pom): 64 uploads of 8 MiB at once through one guarded OkHttp client, whose captures
 * would hold 512 MiB without the budget. The server holds every response until all 64 bodies have
 * arrived, so every exchange holds what it kept at the same moment, and that moment is measured:
 * the guard's {@link io.lengthguard.LengthGuard#memoryInUse()} (peak too) and the live heap after a
 * full collection. No timing is asserted.
 */
@Tag("low-memory")
class MemoryUnderLoadTest {
  private static final int CALLS = 64;
  private static final int MIB = 1024 * 1024;
  private static final long BUDGET = 64L * MIB;

  /**
   * What each call holds outside the budget: the pipe's 256 KiB ring, and the room left in the
   * capture's last, partly filled 8 KiB segment.
   */
  private static final long READ_BUFFER = 256 * 1024 + 8 * 1024;

  /** The server's per-connection buffer (64 KiB), and room for threads, sockets and OkHttp. */
  private static final long SERVER_BUFFER = 64 * 1024;

  private static final long FIXED_SLACK = 16L * MIB;

  private static final MediaType OCTET_STREAM = MediaType.get("application/octet-stream");

  private final ConcurrentLinkedQueue<String> received = new ConcurrentLinkedQueue<>();
  private final CountDownLatch arrived = new CountDownLatch(CALLS);
  private final CountDownLatch answer = new CountDownLatch(1);
  private @Nullable LoopbackServer server;
  private @Nullable ExecutorService callers;

  @AfterEach
  void stop() throws IOException {
    answer.countDown();
    if (callers != null) callers.shutdownNow();
    if (server != null) server.close();
  }

  @Test
  void sixtyFourUploadsOfEightMibHoldAtMostTheBudgetPlusOneReadBufferEach() throws Exception {
    long bodyBytes = 8L * MIB;
    GuardCounters counters = GuardCounters.create();
    GuardPolicy policy = GuardPolicy.builder().memoryBudget(BUDGET).listener(counters).build();
    long before = liveHeap();

    Load load = run(policy, bodyBytes);
    System.out.printf("live heap before the load: %d%n", before);

    // Every upload arrived, every byte exact, and each call got the server's 200.
    assertThat(load.statuses).hasSize(CALLS).containsOnly(200);
    assertThat(received).containsExactlyInAnyOrderElementsOf(load.sent);
    // The budget held: in the guard's count, at its peak and when every exchange held its copy.
    assertThat(load.peakInUse).isLessThanOrEqualTo(BUDGET);
    assertThat(load.inUseWhenAllArrived).isPositive().isLessThanOrEqualTo(BUDGET);
    assertThat(load.guardAfter).isZero();
    // And in the heap: the budget, one read buffer per call, the server's buffers, some slack.
    // Without the budget the captures alone would be 64 x 8 MiB = 512 MiB, twice this heap.
    assertThat(load.liveHeapWhenAllArrived - before)
        .isLessThanOrEqualTo(BUDGET + CALLS * (READ_BUFFER + SERVER_BUFFER) + FIXED_SLACK);
    // Bodies past the budget went without a copy, as the client would send them, and said so.
    assertThat(counters.snapshot().count(GuardCounters.Event.OVER_BUDGET)).isPositive();
  }

  /**
   * The control: with no budget, the same load holds every capture at once, so it is the budget
   * that bounds the test above, not the way the load runs. Smaller bodies (2 MiB, past the 1 MiB
   * read-ahead) keep the 64 captures within this heap.
   */
  @Test
  void withoutABudgetTheSameLoadHoldsEveryCaptureAtOnce() throws Exception {
    long bodyBytes = 2L * MIB;
    GuardCounters counters = GuardCounters.create();
    GuardPolicy policy =
        GuardPolicy.builder().memoryBudget(Long.MAX_VALUE).listener(counters).build();

    Load load = run(policy, bodyBytes);

    assertThat(load.statuses).hasSize(CALLS).containsOnly(200);
    assertThat(received).containsExactlyInAnyOrderElementsOf(load.sent);
    assertThat(load.inUseWhenAllArrived).isEqualTo(CALLS * bodyBytes);
    assertThat(counters.snapshot().count(GuardCounters.Event.OVER_BUDGET)).isZero();
  }

  /** What one load measured. */
  private record Load(
      List<Integer> statuses,
      List<String> sent,
      long peakInUse,
      long inUseWhenAllArrived,
      long liveHeapWhenAllArrived,
      long guardAfter) {}

  private Load run(GuardPolicy policy, long bodyBytes) throws Exception {
    server =
        LoopbackServer.start(
            bodyBytes,
            (framing, bytes, crc) -> {
              received.add(framing + " " + bytes + " " + Long.toHexString(crc));
              arrived.countDown();
              // Every response waits for the last body: all exchanges hold their copies at once.
              if (!answer.await(2, TimeUnit.MINUTES)) throw new InterruptedException("no answer");
            });
    LengthGuardInterceptor interceptor = LengthGuardInterceptor.create(policy);
    OkHttpClient client =
        new OkHttpClient.Builder()
            .addInterceptor(interceptor)
            .readTimeout(Duration.ofMinutes(2))
            .writeTimeout(Duration.ofMinutes(2))
            .build();
    // The guard's in-use count, read through the one guard the interceptor holds.
    io.lengthguard.LengthGuard guard = guardOf(interceptor);
    AtomicLong peak = new AtomicLong();
    AtomicBoolean sampling = new AtomicBoolean(true);
    Thread sampler =
        new Thread(
            () -> {
              while (sampling.get()) {
                peak.accumulateAndGet(guard.memoryInUse(), Math::max);
                Thread.onSpinWait();
              }
            },
            "memory-sampler");
    sampler.setDaemon(true);
    sampler.start();

    callers = Executors.newFixedThreadPool(CALLS);
    List<String> sent = new ArrayList<>();
    List<Future<Integer>> calls = new ArrayList<>();
    for (int i = 0; i < CALLS; i++) {
      GeneratedBody body = new GeneratedBody(i, bodyBytes);
      sent.add("chunked " + bodyBytes + " " + Long.toHexString(body.crc32c()));
      Request request = new Request.Builder().url(server.url("/upload/" + i)).post(body).build();
      calls.add(
          callers.submit(
              () -> {
                try (Response response = client.newCall(request).execute()) {
                  return response.code();
                }
              }));
    }
    assertThat(arrived.await(2, TimeUnit.MINUTES)).as("all bodies arrived").isTrue();
    long inUse = guard.memoryInUse();
    long heap = liveHeap();
    answer.countDown();
    List<Integer> statuses = new ArrayList<>();
    for (Future<Integer> call : calls) statuses.add(call.get(2, TimeUnit.MINUTES));
    sampling.set(false);
    sampler.join();
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
    // The measurement, for benchmarks/README.md; nothing is asserted on it here.
    System.out.printf(
        "%d x %d bytes, budget %d, max heap %d: guard peak %d, in use when all arrived %d,"
            + " live heap then %d%n",
        CALLS,
        bodyBytes,
        policy.memoryBudget(),
        Runtime.getRuntime().maxMemory(),
        peak.get(),
        inUse,
        heap);
    return new Load(statuses, sent, peak.get(), inUse, heap, guard.memoryInUse());
  }

  /** Returns the heap in use after a full collection: what is live. */
  private static long liveHeap() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static io.lengthguard.LengthGuard guardOf(LengthGuardInterceptor interceptor)
      throws ReflectiveOperationException {
    // The interceptor does not expose its guard; a test may look.
    java.lang.reflect.Field field = LengthGuardInterceptor.class.getDeclaredField("guard");
    field.setAccessible(true);
    return (io.lengthguard.LengthGuard) field.get(interceptor);
  }

  /**
   * A body of unknown length, generated 8 KiB at a time from a seed, so that 64 of them take no
   * memory before they are sent; {@link #crc32c()} is the checksum of the bytes it writes.
   */
  private static final class GeneratedBody extends RequestBody {
    private final long seed;
    private final long size;

    GeneratedBody(long seed, long size) {
      this.seed = seed;
      this.size = size;
    }

    long crc32c() {
      CRC32C crc = new CRC32C();
      try {
        generate(crc::update);
      } catch (IOException e) {
        throw new AssertionError(e); // a checksum does not fail
      }
      return crc.getValue();
    }

    @Override
    public @Nullable MediaType contentType() {
      return OCTET_STREAM;
    }

    @Override
    public long contentLength() {
      return -1;
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
      generate(sink::write);
    }

    private interface Pieces {
      void accept(byte[] piece, int offset, int length) throws IOException;
    }

    private void generate(Pieces pieces) throws IOException {
      SplittableRandom random = new SplittableRandom(seed);
      byte[] piece = new byte[PieceStream.PIECE];
      for (long left = size; left > 0; left -= piece.length) {
        for (int i = 0; i < piece.length; i += 8) {
          long value = random.nextLong();
          for (int b = 0; b < 8; b++) piece[i + b] = (byte) (value >>> (8 * b));
        }
        pieces.accept(piece, 0, (int) Math.min(piece.length, left));
      }
    }
  }
}
