package io.lengthguard.it;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The test run's gateways and their shared {@link RecordingBackend}: each gateway is started on
 * first use and kept for the rest of the run, so a gateway that is missing fails only its own
 * tests. {@link #close()} stops them all by pid; a shutdown hook does the same when the JVM exits
 * without closing them (a test run cancelled half-way).
 *
 * <p>This class is thread-safe.
 */
final class Gateways implements AutoCloseable {
  /** The system property naming the directory for the gateways' files, set by the module pom. */
  static final String DIR_PROPERTY = "lengthguard.it.dir";

  private final Path root;
  private final RecordingBackend backend;
  private final Map<Gateway, RunningGateway> running = new EnumMap<>(Gateway.class);
  private final List<RunningGateway> extra = new ArrayList<>();
  private final Thread shutdownHook;
  private boolean closed;

  private Gateways(Path root, RecordingBackend backend) {
    this.root = root;
    this.backend = backend;
    this.shutdownHook = new Thread(this::stopAll, "gateways-shutdown");
  }

  /** Returns gateways whose files go under {@code root}, with their backend started. */
  static Gateways create(Path root) throws IOException {
    Gateways gateways = new Gateways(root, RecordingBackend.start());
    Runtime.getRuntime().addShutdownHook(gateways.shutdownHook);
    return gateways;
  }

  /** Returns the directory named by {@link #DIR_PROPERTY}, else {@code target/gateways}. */
  static Path defaultRoot() {
    return Path.of(System.getProperty(DIR_PROPERTY, "target/gateways")).toAbsolutePath();
  }

  /** Returns the backend behind every gateway. */
  RecordingBackend backend() {
    return backend;
  }

  /** Returns {@code gateway} running, starting it on first use. */
  synchronized RunningGateway get(Gateway gateway) throws IOException, InterruptedException {
    if (closed) throw new IllegalStateException("closed");
    RunningGateway result = running.get(gateway);
    if (result == null) {
      result = RunningGateway.start(gateway, backend.port(), root.resolve(gateway.fileName()));
      running.put(gateway, result);
    }
    return result;
  }

  /**
   * Returns a second, private instance of {@code gateway} in its own directory, for a test that
   * stops it itself; it is stopped with the others if the test does not.
   */
  synchronized RunningGateway startAnother(Gateway gateway, String name)
      throws IOException, InterruptedException {
    if (closed) throw new IllegalStateException("closed");
    RunningGateway result =
        RunningGateway.start(
            gateway, backend.port(), root.resolve(gateway.fileName() + "-" + name));
    extra.add(result);
    return result;
  }

  /** Stops every gateway by its pid, then the backend. */
  @Override
  public void close() {
    stopAll();
    Runtime.getRuntime().removeShutdownHook(shutdownHook);
  }

  private synchronized void stopAll() {
    if (closed) return;
    closed = true;
    running.values().forEach(RunningGateway::close);
    extra.forEach(RunningGateway::close);
    backend.close();
  }
}
