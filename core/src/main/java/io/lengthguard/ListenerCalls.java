package io.lengthguard;

import java.lang.System.Logger.Level;
import java.util.function.Consumer;

/**
 * Calls a {@link GuardListener} so that what it throws never reaches the exchange: a listener is a
 * side channel (metrics, logs), and a broken one must not fail a call that works without the guard.
 */
final class ListenerCalls {
  private static final System.Logger LOGGER = System.getLogger("io.lengthguard");

  private ListenerCalls() {}

  /**
   * Passes one event to {@code listener}. Anything it throws but a {@link VirtualMachineError} is
   * logged and otherwise ignored.
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
      LOGGER.log(Level.WARNING, "GuardListener threw; ignored", e);
    }
  }

  /** Returns true if a listener's {@code failure} is ignored, not passed on. */
  static boolean ignorable(Throwable failure) {
    return !(failure instanceof VirtualMachineError);
  }
}
