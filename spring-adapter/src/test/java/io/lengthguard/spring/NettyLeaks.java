package io.lengthguard.spring;

import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Records every buffer leak Netty's detector reports, for the tests to fail on. Installed when the
 * test run starts (a {@link LauncherSessionListener}), before any Netty buffer class is loaded, so
 * that each detector Netty makes is one of these; the build runs the tests with {@code
 * -Dio.netty.leakDetection.level=paranoid}, so every buffer is tracked.
 */
public final class NettyLeaks implements LauncherSessionListener {
  private static final List<String> LEAKS = new ArrayList<>();
  private static volatile boolean installed;

  @Override
  public void launcherSessionOpened(LauncherSession session) {
    install();
  }

  static synchronized void install() {
    if (installed) return;
    installed = true;
    ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(
        new ResourceLeakDetectorFactory() {
          @Override
          @SuppressWarnings("deprecation")
          public <T> ResourceLeakDetector<T> newResourceLeakDetector(
              Class<T> resource, int samplingInterval, long maxActive) {
            return new RecordingDetector<>(resource, samplingInterval);
          }
        });
  }

  static boolean installed() {
    return installed;
  }

  /**
   * Collects what was garbage but not released, and returns the reports since the last call. Netty
   * reports a leak when a tracked buffer was collected unreleased and a later buffer is tracked.
   */
  static List<String> collect() {
    for (int i = 0; i < 3; i++) {
      System.gc();
      System.runFinalization();
      // Tracking a new buffer is what makes the detector poll its queue of collected ones.
      io.netty.buffer.ByteBuf probe = io.netty.buffer.PooledByteBufAllocator.DEFAULT.buffer(1);
      probe.release();
    }
    synchronized (LEAKS) {
      List<String> found = List.copyOf(LEAKS);
      LEAKS.clear();
      return found;
    }
  }

  private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {
    RecordingDetector(Class<T> resource, int samplingInterval) {
      super(resource, samplingInterval);
    }

    @Override
    protected boolean needReport() {
      return true;
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
      synchronized (LEAKS) {
        LEAKS.add(resourceType + " leaked:" + records);
      }
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
      synchronized (LEAKS) {
        LEAKS.add(resourceType + " leaked");
      }
    }
  }
}
