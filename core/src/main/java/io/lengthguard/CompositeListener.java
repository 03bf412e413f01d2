package io.lengthguard;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/** Passes each event to several listeners; see {@link GuardListener#composite}. */
final class CompositeListener implements GuardListener {
  private final GuardListener[] listeners;

  private CompositeListener(GuardListener[] listeners) {
    this.listeners = listeners;
  }

  static GuardListener of(GuardListener... listeners) {
    requireNonNull(listeners, "listeners == null");
    GuardListener[] copy = listeners.clone();
    for (int i = 0; i < copy.length; i++) {
      int index = i;
      requireNonNull(copy[i], () -> "listeners[" + index + "] == null");
    }
    if (copy.length == 0) return NONE;
    if (copy.length == 1) return copy[0];
    return new CompositeListener(copy);
  }

  private void each(Consumer<GuardListener> event) {
    @Nullable Throwable first = null;
    for (GuardListener listener : listeners) {
      try {
        event.accept(listener);
      } catch (RuntimeException | Error e) {
        // An Error too (NoClassDefFoundError from a missing metrics library): the next listener
        // still hears the event. The JVM's own failures go on at once.
        if (!ListenerCalls.ignorable(e)) throw e;
        first = suppress(first, e);
      }
    }
    if (first instanceof Error) throw (Error) first;
    if (first != null) throw (RuntimeException) first;
  }

  private static Throwable suppress(@Nullable Throwable first, Throwable e) {
    if (first == null) return e;
    if (first != e) first.addSuppressed(e);
    return first;
  }

  @Override
  public void bodyFrozen(Origin origin, long bytes, FreezeReason reason) {
    each(l -> l.bodyFrozen(origin, bytes, reason));
  }

  @Override
  public void lengthRequired(Origin origin, boolean lengthSent) {
    each(l -> l.lengthRequired(origin, lengthSent));
  }

  @Override
  public void resent(Origin origin, long bytes) {
    each(l -> l.resent(origin, bytes));
  }

  @Override
  public void recovered(Origin origin, int status) {
    each(l -> l.recovered(origin, status));
  }

  @Override
  public void gaveUp(Origin origin, GiveUpReason reason, String detail) {
    each(l -> l.gaveUp(origin, reason, detail));
  }

  @Override
  public void bodyTooLarge(Origin origin, long limit, long bytesRead) {
    each(l -> l.bodyTooLarge(origin, limit, bytesRead));
  }

  @Override
  public void bodyNotRead(Origin origin, long bytesWritten, int status) {
    each(l -> l.bodyNotRead(origin, bytesWritten, status));
  }

  @Override
  public void overBudget(Origin origin, long budget) {
    each(l -> l.overBudget(origin, budget));
  }

  @Override
  public void framingFinding(Origin origin, FramingFinding finding) {
    each(l -> l.framingFinding(origin, finding));
  }

  @Override
  public String toString() {
    return "GuardListener.composite" + Arrays.toString(listeners);
  }
}
