package io.lengthguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.catchRuntimeException;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GuardListenerTest {
  private static final Origin ORIGIN = Origin.of("https", "a.example", 443);

  /** Records every event as text, prefixed with its name. */
  private static final class Recorder implements GuardListener {
    private final String name;
    private final List<String> events;

    Recorder(String name, List<String> events) {
      this.name = name;
      this.events = events;
    }

    @Override
    public void bodyFrozen(Origin origin, long bytes, FreezeReason reason) {
      events.add(name + " bodyFrozen " + bytes + " " + reason);
    }

    @Override
    public void lengthRequired(Origin origin, boolean lengthSent) {
      events.add(name + " lengthRequired " + lengthSent);
    }

    @Override
    public void resent(Origin origin, long bytes) {
      events.add(name + " resent " + bytes);
    }

    @Override
    public void recovered(Origin origin, int status) {
      events.add(name + " recovered " + status);
    }

    @Override
    public void gaveUp(Origin origin, GiveUpReason reason, String detail) {
      events.add(name + " gaveUp " + reason + " " + detail);
    }

    @Override
    public void bodyTooLarge(Origin origin, long limit, long bytesRead) {
      events.add(name + " bodyTooLarge " + limit + " " + bytesRead);
    }

    @Override
    public void framingFinding(Origin origin, FramingFinding finding) {
      events.add(name + " framingFinding " + finding.code());
    }
  }

  @Test
  void compositePassesEveryEventToEachListenerInOrder() {
    List<String> events = new ArrayList<>();
    GuardListener composite =
        GuardListener.composite(new Recorder("a", events), new Recorder("b", events));

    composite.bodyFrozen(ORIGIN, 3, FreezeReason.PREBUFFER);
    composite.lengthRequired(ORIGIN, true);
    composite.resent(ORIGIN, 3);
    composite.recovered(ORIGIN, 200);
    composite.gaveUp(ORIGIN, GiveUpReason.BODY_LOST, "why");
    composite.bodyTooLarge(ORIGIN, 8, 9);
    composite.framingFinding(ORIGIN, new FramingFinding(FindingCode.UNFRAMED_BODY, "m"));

    assertThat(events)
        .containsExactly(
            "a bodyFrozen 3 PREBUFFER",
            "b bodyFrozen 3 PREBUFFER",
            "a lengthRequired true",
            "b lengthRequired true",
            "a resent 3",
            "b resent 3",
            "a recovered 200",
            "b recovered 200",
            "a gaveUp BODY_LOST why",
            "b gaveUp BODY_LOST why",
            "a bodyTooLarge 8 9",
            "b bodyTooLarge 8 9",
            "a framingFinding UNFRAMED_BODY",
            "b framingFinding UNFRAMED_BODY");
  }

  @Test
  void compositeCallsTheRestWhenOneThrowsThenRethrowsTheFirst() {
    List<String> events = new ArrayList<>();
    IllegalStateException first = new IllegalStateException("first");
    IllegalArgumentException second = new IllegalArgumentException("second");
    GuardListener composite =
        GuardListener.composite(
            new GuardListener() {
              @Override
              public void resent(Origin origin, long bytes) {
                throw first;
              }
            },
            new Recorder("b", events),
            new GuardListener() {
              @Override
              public void resent(Origin origin, long bytes) {
                throw second;
              }
            });

    RuntimeException thrown = catchRuntimeException(() -> composite.resent(ORIGIN, 5));

    assertThat(thrown).isSameAs(first);
    assertThat(thrown.getSuppressed()).containsExactly(second);
    assertThat(events).containsExactly("b resent 5");
  }

  @Test
  void compositeCallsTheRestWhenOneThrowsAnError() {
    List<String> events = new ArrayList<>();
    NoClassDefFoundError missing =
        new NoClassDefFoundError("io/micrometer/core/instrument/Counter");
    IllegalStateException later = new IllegalStateException("later");
    GuardListener composite =
        GuardListener.composite(
            new GuardListener() {
              @Override
              public void resent(Origin origin, long bytes) {
                throw missing;
              }
            },
            new Recorder("b", events),
            new GuardListener() {
              @Override
              public void resent(Origin origin, long bytes) {
                throw later;
              }
            });

    Throwable thrown = catchThrowable(() -> composite.resent(ORIGIN, 5));

    assertThat(thrown).isSameAs(missing);
    assertThat(thrown.getSuppressed()).containsExactly(later);
    assertThat(events).containsExactly("b resent 5");
  }

  @Test
  void compositePassesAVirtualMachineErrorOnAtOnce() {
    List<String> events = new ArrayList<>();
    OutOfMemoryError oom = new OutOfMemoryError("test");
    GuardListener composite =
        GuardListener.composite(
            new GuardListener() {
              @Override
              public void resent(Origin origin, long bytes) {
                throw oom;
              }
            },
            new Recorder("b", events));

    assertThat(catchThrowable(() -> composite.resent(ORIGIN, 5))).isSameAs(oom);
    assertThat(events).isEmpty();
  }

  @Test
  void compositeOfNoneOrOneNeedsNoWrapper() {
    GuardListener only = new Recorder("a", new ArrayList<>());

    assertThat(GuardListener.composite()).isSameAs(GuardListener.NONE);
    assertThat(GuardListener.composite(only)).isSameAs(only);
  }

  @Test
  void compositeCopiesItsArgumentsAndRejectsNulls() {
    List<String> events = new ArrayList<>();
    GuardListener[] listeners = {new Recorder("a", events), new Recorder("b", events)};
    GuardListener composite = GuardListener.composite(listeners);
    listeners[1] = GuardListener.NONE;

    composite.recovered(ORIGIN, 204);

    assertThat(events).containsExactly("a recovered 204", "b recovered 204");
    assertThatNullPointerException()
        .isThrownBy(() -> GuardListener.composite(GuardListener.NONE, null))
        .withMessage("listeners[1] == null");
    assertThatNullPointerException()
        .isThrownBy(() -> GuardListener.composite((GuardListener[]) null))
        .withMessage("listeners == null");
  }
}
