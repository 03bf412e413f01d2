package io.lengthguard;

import java.lang.System.Logger.Level;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Calls a {@link GuardListener} so that what it throws never reaches the exchange: a listener is a
 * side channel (metrics, logs), and a broken one must not fail a call that works without the guard.
 */
final class ListenerCalls {
  private static final System.Logger LOGGER = System.getLogger("io.lengthguard");

  /**
   * Per listener class, the failures warned about: an event's name and the class of what was
   * thrown. A ClassValue, so a listener class can still be unloaded.
   */
  private static final ClassValue<Set<String>> WARNED =
      new ClassValue<>() {
        @Override
        protected Set<String> computeValue(Class<?> type) {
          return ConcurrentHashMap.newKeySet();
        }
      };

  private ListenerCalls() {}

  /**
   * Passes one event to {@code listener}. Anything it throws but a {@link VirtualMachineError} is
   * logged and otherwise ignored: at {@code WARNING} the first time a listener class throws that
   * class of throwable from that event, at {@code DEBUG} afterwards.
   *
   * @param event the listener method's name, for the log
   */
  static void call(GuardListener listener, String event, Consumer<GuardListener> call) {
    try {
      call.accept(listener);
    } catch (Throwable e) {
      // Throwable: a metrics library missing at run time throws NoClassDefFoundError, and a Kotlin
      // listener can throw a checked exception; neither may break the call. The JVM's own
      // failures (OutOfMemoryError, StackOverflowError) go on.
      if (e instanceof VirtualMachineError) throw (VirtualMachineError) e;
      // A broken listener throws on every request: one WARNING says so, the rest would drown it.
      String failure = event + " " + e.getClass().getName();
      boolean first = WARNED.get(listener.getClass()).add(failure);
      LOGGER.log(
          first ? Level.WARNING : Level.DEBUG,
          "GuardListener "
              + listener.getClass().getName()
              + " threw from "
              + event
              + "; ignored"
              + (first ? ", and logged at DEBUG when it throws so again" : ""),
          e);
    }
  }

  /** Returns true if a listener's {@code failure} is ignored, not passed on. */
  static boolean ignorable(Throwable failure) {
    return !(failure instanceof VirtualMachineError);
  }
}
