package io.lengthguard.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** What the guard's own threads are doing. */
public final class GuardThreads {
  private GuardThreads() {}

  /**
   * Returns the name and stack of each of the guard's threads that has a frame containing {@code
   * frame} (a class or method name) on its stack now.
   */
  public static List<String> runningIn(String frame) {
    List<String> found = new ArrayList<>();
    Thread.getAllStackTraces()
        .forEach(
            (thread, stack) -> {
              if (!thread.getName().startsWith("lengthguard-")) return;
              String frames = Arrays.toString(stack);
              if (frames.contains(frame)) found.add(thread.getName() + " " + frames);
            });
    return found;
  }
}
