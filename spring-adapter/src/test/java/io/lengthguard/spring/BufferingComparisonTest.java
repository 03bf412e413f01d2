package io.lengthguard.spring;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.lengthguard.Buffering;
import io.lengthguard.GuardPolicy;
import io.lengthguard.Origin;
import io.lengthguard.testing.Payloads;
import io.lengthguard.testing.RecordingListener;
import io.lengthguard.testing.Wire;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.RecordedRequest;
import okio.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.core.io.InputStreamResource;
import org.springframework.http.MediaType;
import org.springframework.http.client.BufferingClientHttpRequestFactory;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;

/**
 * What Spring's own answer to 411s, {@link BufferingClientHttpRequestFactory} (the same buffering
 * as {@code RestClient.Builder.bufferContent} in 7.0), sends beside the guard, over the JDK request
 * factory: the figures the README's Spring section quotes. Buffering sends every body with its
 * length after holding all of it in one array, with no cap; the guard holds a body only up to its
 * read-ahead, streams a longer one, and keeps the copy for a resend within its limits, on disk past
 * {@code memoryBytes}.
 */
@Timeout(120)
class BufferingComparisonTest {
  private static final int KIB = 1024;
  private static final int MIB = 1024 * 1024;

  /** The body of the small-heap runs: past the heap, so that no one array can hold it. */
  private static final long HUGE = 96L * MIB;

  /** The heap of the small-heap runs. */
  private static final String HEAP = "-Xmx64m";

  @TempDir Path dir;
  private WireServer wire;

  @BeforeEach
  void start() throws IOException {
    wire = new WireServer();
  }

  @AfterEach
  void stop() throws IOException {
    wire.close();
  }

  @Test
  void aSmallBodyGoesOnceWithItsLengthEitherWay() throws Exception {
    byte[] payload = Payloads.bytes(KIB);

    assertThat(post(buffering(), payload)).isEqualTo(200);
    Wire.assertExactLength(wire.take(), payload);
    assertThat(post(guarded(GuardPolicy.defaults()), payload)).isEqualTo(200);
    Wire.assertExactLength(wire.take(), payload);

    assertThat(wire.requestCount()).isEqualTo(2);
  }

  /**
   * A server that takes chunked bodies: buffering holds the whole 4 MiB before its first byte goes;
   * the guard sends the body as it comes, past its 1 MiB read-ahead, in one request.
   */
  @Test
  void aServerThatTakesChunkedBodiesGetsThemStreamedOnlyThroughTheGuard() throws Exception {
    byte[] payload = Payloads.bytes(4 * MIB);
    wire.answer(WireServer.ok(), WireServer.ok());

    assertThat(post(buffering(), payload)).isEqualTo(200);
    Wire.assertExactLength(wire.take(), payload);
    assertThat(post(guarded(GuardPolicy.defaults()), payload)).isEqualTo(200);
    Wire.assertChunked(wire.take(), payload);

    assertThat(wire.requestCount()).isEqualTo(2);
  }

  /**
   * A strict server and a body past the read-ahead: buffering sends it with its length; the guard
   * streams it, gets the 411 and sends it once more, byte for byte, with its length; the default
   * {@code ADAPTIVE} then sends that origin's bodies with their length at once.
   */
  @Test
  void aStrictServersLengthRequiredIsAnsweredOnceThenLearned() throws Exception {
    byte[] payload = Payloads.bytes(4 * MIB);
    ClientHttpRequestFactory guarded = guarded(GuardPolicy.defaults());

    assertThat(post(buffering(), payload)).isEqualTo(200);
    Wire.assertExactLength(wire.take(), payload);
    assertThat(post(guarded, payload)).isEqualTo(200);
    RecordedRequest first = wire.take();
    Wire.assertChunked(first, payload);
    Wire.assertExactLength(wire.take(), payload);
    assertThat(post(guarded, payload)).isEqualTo(200);
    Wire.assertExactLength(wire.take(), payload);

    assertThat(wire.strict.lengthRequiredCount()).isEqualTo(1);
    assertThat(wire.requestCount()).isEqualTo(4);
  }

  /**
   * The guard's cap: a 12 MiB body passes the default 8 MiB {@code maxBytes} while it streams, so
   * no copy is left for a resend, and the strict server's 411 goes back to the caller; buffering,
   * with no cap, held all 12 MiB and sent them with their length.
   */
  @Test
  void aBodyPastTheCapStreamsAndItsLengthRequiredGoesBackToTheCaller() throws Exception {
    byte[] payload = Payloads.bytes(12 * MIB);
    RecordingListener listener = new RecordingListener();

    assertThat(post(buffering(), payload)).isEqualTo(200);
    Wire.assertExactLength(wire.take(), payload);
    assertThat(post(guarded(GuardPolicy.builder().listener(listener).build()), payload))
        .isEqualTo(411);
    Wire.assertChunked(wire.take(), payload);

    assertThat(wire.requestCount()).isEqualTo(2);
    assertThat(listener.events())
        .contains("gaveUp " + Origin.of("http", "127.0.0.1", wire.server.getPort()) + " TOO_LARGE");
  }

  /**
   * 96 MiB on a 64 MiB heap, in a JVM of its own: buffering fails with {@code OutOfMemoryError}
   * before a byte is sent; the guard, spilling its copy to disk past 1 MiB, streams the body, gets
   * the 411 and sends it again from the spill file, every byte in place.
   */
  @Test
  void aBodyLargerThanTheHeapFailsBufferedAndGoesThroughTheGuard() throws Exception {
    Child buffered = Child.run(HEAP, "buffering", wire.url(), dir);

    assertThat(buffered.exit()).as("exit, output: %s", buffered.output()).isZero();
    assertThat(buffered.output()).startsWith("OutOfMemoryError: Java heap space");
    assertThat(wire.requestCount()).as("requests that reached the server").isZero();

    Child guarded = Child.run(HEAP, "guard", wire.url(), dir);

    assertThat(guarded.exit()).as("exit, output: %s", guarded.output()).isZero();
    assertThat(guarded.output()).startsWith("200");
    RecordedRequest first = wire.take();
    RecordedRequest second = wire.take();
    Wire.assertChunked(first);
    assertThat(first.getBodySize()).isEqualTo(HUGE);
    assertThat(second.getHeaders().get("Content-Length")).isEqualTo(Long.toString(HUGE));
    assertThat(second.getHeaders().get("Transfer-Encoding")).isNull();
    assertThat(second.getBody()).isEqualTo(first.getBody());
    assertThat(Pattern.firstMismatch(second.getBody())).as("first byte out of place").isEqualTo(-1);
    assertThat(wire.requestCount()).isEqualTo(2);
  }

  private int post(ClientHttpRequestFactory factory, byte[] payload) {
    return post(factory, wire.url(), Payloads.trickle(payload, 8192));
  }

  /** POSTs {@code body} as an {@code InputStreamResource}: a body Spring 6.1+ cannot size. */
  static int post(ClientHttpRequestFactory factory, String url, InputStream body) {
    return RestClient.builder()
        .requestFactory(factory)
        .build()
        .post()
        .uri(URI.create(url))
        .contentType(MediaType.APPLICATION_OCTET_STREAM)
        .body(new InputStreamResource(body))
        .exchange((request, response) -> response.getStatusCode().value());
  }

  static ClientHttpRequestFactory buffering() {
    return new BufferingClientHttpRequestFactory(new JdkClientHttpRequestFactory());
  }

  static ClientHttpRequestFactory guarded(GuardPolicy policy) {
    return LengthGuardClientHttpRequestFactory.wrap(new JdkClientHttpRequestFactory(), policy);
  }

  /** A body of any size that no array holds: byte {@code i} is a function of {@code i}. */
  static final class Pattern extends InputStream {
    private final long size;
    private long position;

    Pattern(long size) {
      this.size = size;
    }

    static byte at(long i) {
      return (byte) ((i * 2654435761L) >>> 13);
    }

    /** Returns the index of the first byte of {@code body} out of the pattern, or -1. */
    static long firstMismatch(ByteString body) {
      for (int i = 0; i < body.size(); i++) {
        if (body.getByte(i) != at(i)) return i;
      }
      return -1;
    }

    @Override
    public int read() {
      return position < size ? at(position++) & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (position >= size) return -1;
      int n = (int) Math.min(len, size - position);
      for (int i = 0; i < n; i++) b[off + i] = at(position++);
      return n;
    }
  }

  /** A JVM of its own that POSTs {@link #HUGE} bytes and prints what came of it. */
  record Child(int exit, String output) {
    static Child run(String heap, String how, String url, Path dir) throws Exception {
      Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
      List<String> command = new ArrayList<>();
      command.add(java.toString());
      command.add(heap);
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      command.add(Child.class.getName());
      command.add(how);
      command.add(url);
      command.add(dir.toString());
      // Logging goes to stderr (a file): stdout holds only what main prints.
      Process process =
          new ProcessBuilder(command).redirectError(dir.resolve(how + ".stderr").toFile()).start();
      boolean ended = process.waitFor(90, TimeUnit.SECONDS);
      if (!ended) process.destroyForcibly();
      String output = new String(process.getInputStream().readAllBytes(), UTF_8).strip();
      return new Child(ended ? process.exitValue() : -1, output);
    }

    /** Prints the status, or the error, then the peak heap in MiB. */
    public static void main(String[] args) throws IOException {
      ClientHttpRequestFactory factory =
          args[0].equals("buffering")
              ? buffering()
              : guarded(
                  GuardPolicy.builder()
                      .buffering(
                          Buffering.spillToDisk(
                              MIB,
                              2 * HUGE,
                              Files.createTempDirectory(Paths.get(args[2]), "spill")))
                      .build());
      String outcome;
      try {
        outcome = Integer.toString(post(factory, args[1], new Pattern(HUGE)));
      } catch (OutOfMemoryError e) {
        outcome = "OutOfMemoryError: " + e.getMessage();
      }
      long peak = 0;
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        if (pool.getType() == MemoryType.HEAP) peak += pool.getPeakUsage().getUsed();
      }
      System.out.println(outcome);
      System.out.println("peak heap " + peak / MIB + " MiB");
    }
  }
}
