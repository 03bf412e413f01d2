package io.lengthguard;

/** Argument and state checks with OkHttp's messages: {@code "maxBytes < 0: -1"}. */
final class Checks {
  private Checks() {}

  static void requireArgument(boolean condition, String format, Object... args) {
    if (!condition) throw new IllegalArgumentException(String.format(format, args));
  }

  static void requireState(boolean condition, String message) {
    if (!condition) throw new IllegalStateException(message);
  }

  /** Returns {@code took}, what an {@link OutgoingBody.Sink} took of {@code offered} bytes. */
  static int requireTaken(int took, int offered) {
    if (took < 0 || took > offered) {
      throw new IllegalStateException("sink took " + took + " of " + offered);
    }
    return took;
  }
}
