package io.lengthguard;

import static org.assertj.core.api.Assertions.assertThat;

import io.lengthguard.testing.Payloads;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the guard writes to the {@code System.Logger} named {@code io.lengthguard}, seen through
 * java.util.logging (where it goes unless the application routes it): per-request events below
 * INFO, INFO once when ADAPTIVE learns an origin, WARNING only for data at risk, once per origin.
 */
class LoggingLevelsTest {
  private static final Origin ORIGIN = Origin.of("https", "uploads.example", 443);

  // Held here: java.util.logging keeps its loggers only weakly.
  private final Logger logger = Logger.getLogger("io.lengthguard");
  private final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final Handler handler =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          records.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };
  private Level levelBefore;

  @BeforeEach
  void capture() {
    levelBefore = logger.getLevel();
    logger.setLevel(Level.ALL);
    logger.addHandler(handler);
  }

  @AfterEach
  void release() {
    logger.removeHandler(handler);
    logger.setLevel(levelBefore);
  }

  @Test
  void aRecoveryLogsBelowInfoButTheOriginLearnedOnceAtInfo() throws IOException {
    LengthGuard guard =
        LengthGuard.create(
            GuardPolicy.builder().mode(GuardMode.ADAPTIVE).prebufferBytes(0).build());
    byte[] payload = Payloads.bytes(100_000);
    StrictTransport transport = new StrictTransport();

    for (int i = 0; i < 3; i++) {
      assertThat(guard.exchange(ORIGIN, "POST").execute(out -> out.write(payload), true, transport))
          .isEqualTo(200);
    }

    // First call: chunked, 411, one resend; later calls go with their length at once.
    assertThat(transport.sends.get()).isEqualTo(4);
    assertThat(messagesAt(Level.INFO))
        .containsExactly(
            ORIGIN + " wants a Content-Length: its bodies of unknown length are frozen first");
    assertThat(messagesAt(Level.WARNING)).isEmpty();
    assertThat(records)
        .filteredOn(r -> r.getLevel() != Level.INFO)
        .isNotEmpty()
        .allSatisfy(r -> assertThat(r.getLevel().intValue()).isLessThan(Level.INFO.intValue()));
    assertThat(messagesBelowInfo())
        .contains(
            "411 Length Required from " + ORIGIN,
            "froze 100000 bytes to " + ORIGIN + " (LENGTH_REQUIRED)",
            "resending 100000 bytes with Content-Length to " + ORIGIN,
            "recovered from 411 at " + ORIGIN + ": resend got 200",
            "froze 100000 bytes to " + ORIGIN + " (LEARNED_ORIGIN)");
  }

  @Test
  void a411ToAnExactLengthTeachesNothingButOneToAStreamedBodyDoes() throws IOException {
    LengthGuard guard =
        LengthGuard.create(
            GuardPolicy.builder().mode(GuardMode.ADAPTIVE).prebufferBytes(1000).build());
    Transport<Integer> refusesAll =
        new Transport<>() {
          @Override
          public Integer send(OutgoingBody body) throws IOException {
            body.writeTo(new ByteArrayOutputStream());
            return 411;
          }

          @Override
          public int status(Integer response) {
            return response;
          }

          @Override
          public void discard(Integer response) {}
        };

    // Ends within the read-ahead: sent with Content-Length: 10, and refused all the same.
    assertThat(
            guard
                .exchange(ORIGIN, "POST")
                .execute(out -> out.write(new byte[10]), true, refusesAll))
        .isEqualTo(411);

    assertThat(guard.wantsLength(ORIGIN)).isFalse();
    assertThat(messagesAt(Level.INFO)).isEmpty();
    assertThat(messagesBelowInfo())
        .contains("411 Length Required from " + ORIGIN + " (length was sent)");

    // Streamed past the read-ahead without a length: this 411 is about the length.
    assertThat(
            guard
                .exchange(ORIGIN, "POST")
                .execute(out -> out.write(Payloads.bytes(100_000)), true, refusesAll))
        .isEqualTo(411);

    assertThat(guard.wantsLength(ORIGIN)).isTrue();
    assertThat(messagesAt(Level.INFO))
        .containsExactly(
            ORIGIN + " wants a Content-Length: its bodies of unknown length are frozen first");
  }

  @Test
  void aBodyNotReadWarnsOncePerOrigin() throws IOException {
    LengthGuard guard =
        LengthGuard.create(
            GuardPolicy.builder().mode(GuardMode.RETRY_ON_411).prebufferBytes(0).build());
    // Far more than the pipe holds, so the 200 comes while the body is still being written.
    byte[] payload = Payloads.bytes(2 * 1024 * 1024);
    Transport<Integer> answersBeforeTheBody =
        new Transport<>() {
          @Override
          public Integer send(OutgoingBody body) throws IOException {
            try (InputStream in = body.openStream()) {
              in.readNBytes(1000);
            }
            return 200;
          }

          @Override
          public int status(Integer response) {
            return response;
          }

          @Override
          public void discard(Integer response) {}
        };

    for (int i = 0; i < 2; i++) {
      assertThat(
              guard
                  .exchange(ORIGIN, "POST")
                  .execute(out -> out.write(payload), false, answersBeforeTheBody))
          .isEqualTo(200);
    }

    assertThat(messagesAt(Level.WARNING)).hasSize(1);
    assertThat(messagesAt(Level.WARNING).get(0))
        .startsWith(ORIGIN + " answered 200 after ")
        .contains("it may have dropped the body");
    assertThat(messagesBelowInfo()).contains(ORIGIN + " answered 200 before the body was read");
    assertThat(messagesAt(Level.INFO)).isEmpty(); // RETRY_ON_411 learns nothing
  }

  @Test
  void aReplayThatDiffersWarnsOncePerOrigin(@TempDir Path temp) throws IOException {
    Path spill = Files.createDirectory(temp.resolve("spill"));
    LengthGuard guard =
        LengthGuard.create(
            GuardPolicy.builder()
                .mode(GuardMode.RETRY_ON_411)
                .prebufferBytes(0)
                .buffering(Buffering.spillToDisk(64 * 1024, 8 << 20, spill))
                .build());
    Files.delete(spill); // the copy of the first send fails: a 411 calls for a replay
    StrictTransport transport = new StrictTransport();

    for (int i = 0; i < 2; i++) {
      AtomicInteger runs = new AtomicInteger();
      // Claims to be repeatable, but writes something else the second time.
      BodyWriter changing =
          out -> out.write(runs.incrementAndGet() == 1 ? Payloads.bytes(200_000) : new byte[10]);
      assertThat(guard.exchange(ORIGIN, "POST").execute(changing, true, transport)).isEqualTo(411);
    }

    assertThat(transport.sends.get()).isEqualTo(2); // nothing was resent
    assertThat(messagesAt(Level.WARNING))
        .containsExactly(
            "411 from "
                + ORIGIN
                + " handed back: the body written again differs from the first send (200000"
                + " bytes sent, 10 written again): it is not repeatable, so nothing was resent");
  }

  @Test
  void aThrowingListenerWarnsOnceThenLogsBelowInfo() throws IOException {
    GuardListener broken =
        new GuardListener() {
          @Override
          public void bodyFrozen(Origin origin, long bytes, FreezeReason reason) {
            throw new IllegalStateException("listener bug");
          }
        };
    LengthGuard guard = LengthGuard.create(GuardPolicy.builder().listener(broken).build());
    StrictTransport transport = new StrictTransport();

    for (int i = 0; i < 5; i++) {
      // Within the read-ahead: frozen, and sent with its length.
      assertThat(
              guard
                  .exchange(ORIGIN, "POST")
                  .execute(out -> out.write(new byte[10]), true, transport))
          .isEqualTo(200);
    }

    String name = broken.getClass().getName();
    assertThat(messagesAt(Level.WARNING))
        .containsExactly(
            "GuardListener "
                + name
                + " threw from bodyFrozen; ignored, and logged at DEBUG when it throws so again");
    assertThat(messagesBelowInfo())
        .filteredOn(m -> m.startsWith("GuardListener "))
        .containsExactly(
            "GuardListener " + name + " threw from bodyFrozen; ignored",
            "GuardListener " + name + " threw from bodyFrozen; ignored",
            "GuardListener " + name + " threw from bodyFrozen; ignored",
            "GuardListener " + name + " threw from bodyFrozen; ignored");
    assertThat(records)
        .filteredOn(r -> r.getMessage().startsWith("GuardListener "))
        .allSatisfy(r -> assertThat(r.getThrown()).hasMessage("listener bug"));
  }

  @Test
  void aListenerWarnsAgainForAnotherEventOrAnotherThrowable() {
    GuardListener broken =
        new GuardListener() {
          @Override
          public void resent(Origin origin, long bytes) {
            if (bytes == 1) throw new IllegalStateException("listener bug");
            throw new NoClassDefFoundError("io/micrometer/core/instrument/Counter");
          }

          @Override
          public void recovered(Origin origin, int status) {
            throw new IllegalStateException("listener bug");
          }
        };
    LengthGuard guard = LengthGuard.create(GuardPolicy.builder().listener(broken).build());

    guard.resending(ORIGIN, 1);
    guard.resending(ORIGIN, 1);
    guard.resending(ORIGIN, 2);
    guard.resendAnswered(ORIGIN, 200);
    guard.resendAnswered(ORIGIN, 200);

    assertThat(records)
        .filteredOn(r -> r.getLevel() == Level.WARNING)
        .extracting(r -> r.getThrown().getClass().getSimpleName())
        .containsExactly("IllegalStateException", "NoClassDefFoundError", "IllegalStateException");
  }

  private List<String> messagesAt(Level level) {
    return records.stream()
        .filter(r -> r.getLevel() == level)
        .map(LogRecord::getMessage)
        .collect(java.util.stream.Collectors.toList());
  }

  private List<String> messagesBelowInfo() {
    return records.stream()
        .filter(r -> r.getLevel().intValue() < Level.INFO.intValue())
        .map(LogRecord::getMessage)
        .collect(java.util.stream.Collectors.toList());
  }

  /** Answers 411 to a body without a length and 200 to one with it, reading each to its end. */
  private static final class StrictTransport implements Transport<Integer> {
    final AtomicInteger sends = new AtomicInteger();

    @Override
    public Integer send(OutgoingBody body) throws IOException {
      sends.incrementAndGet();
      body.writeTo(new ByteArrayOutputStream());
      return body.contentLength() == -1 ? 411 : 200;
    }

    @Override
    public int status(Integer response) {
      return response;
    }

    @Override
    public void discard(Integer response) {}
  }
}
