package io.lengthguard.it;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One gateway process started by the tests: bound to 127.0.0.1 on a free port, with its config, pid
 * file, logs and temporary files in its own directory. {@link #close()} stops it by its pid.
 *
 * <p>This class is thread-safe.
 */
final class RunningGateway implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
  private static final int START_ATTEMPTS = 3;
  private static final Pattern PLACEHOLDER = Pattern.compile("@([A-Za-z]+)@");

  private final Gateway gateway;
  private final Process process;
  private final int port;
  private final Path dir;

  private RunningGateway(Gateway gateway, Process process, int port, Path dir) {
    this.gateway = gateway;
    this.process = process;
    this.port = port;
    this.dir = dir;
  }

  /**
   * Returns {@code gateway} started in {@code dir} (emptied first), forwarding to 127.0.0.1:{@code
   * backendPort}, once it accepts connections and has written its pid file.
   *
   * @throws IllegalStateException when a file the gateway needs is missing (the message names the
   *     Debian package to install), or when it does not start; the message holds its log.
   */
  static RunningGateway start(Gateway gateway, int backendPort, Path dir)
      throws IOException, InterruptedException {
    requireInstalled(gateway.toString(), gateway.requirements());
    stopLeftover(gateway, dir);
    IllegalStateException failure = null;
    // A free port is only free until someone else takes it: try another when the bind fails.
    for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      try {
        return startOnce(gateway, backendPort, dir, freePort());
      } catch (PortTakenException e) {
        failure = e;
      }
    }
    throw failure;
  }

  /**
   * Fails when one of the files {@code gateway} needs is missing, naming the Debian package that
   * installs it. Under {@code CI=true} as elsewhere: a gateway test that skips proves nothing.
   */
  static void requireInstalled(String gateway, List<Gateway.Requirement> requirements) {
    for (Gateway.Requirement requirement : requirements) {
      if (!Files.exists(requirement.file())) {
        throw new IllegalStateException(missingMessage(gateway, requirement));
      }
    }
  }

  private static String missingMessage(String gateway, Gateway.Requirement requirement) {
    return gateway
        + " is not installed: "
        + requirement.file()
        + " is missing; install the Debian package "
        + requirement.debianPackage()
        + " (apt-get install --no-install-recommends "
        + requirement.debianPackage()
        + "), as .ci/run does";
  }

  private static RunningGateway startOnce(Gateway gateway, int backendPort, Path dir, int port)
      throws IOException, InterruptedException {
    deleteRecursively(dir);
    Files.createDirectories(dir);
    gateway.prepare(dir);
    Path config = dir.resolve(gateway.configTemplate());
    writeFilled(gateway.configTemplate(), config, port, backendPort, dir);
    for (String resource : gateway.extraResources()) {
      writeFilled(resource, dir.resolve(resource), port, backendPort, dir);
    }

    Path console = dir.resolve("console.log");
    Process process =
        new ProcessBuilder(gateway.command(config, dir))
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(console.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .start();
    RunningGateway running = new RunningGateway(gateway, process, port, dir);
    try {
      running.awaitAccepting();
      return running;
    } catch (RuntimeException | Error | InterruptedException e) {
      running.close();
      throw e;
    }
  }

  private void awaitAccepting() throws InterruptedException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (true) {
      if (!process.isAlive()) {
        String logs = logs();
        if (logs.contains("Address already in use")) {
          throw new PortTakenException(gateway + " could not bind port " + port + "\n" + logs);
        }
        throw new IllegalStateException(
            gateway + " exited with " + process.exitValue() + " before accepting\n" + logs);
      }
      // Someone else's listener on our port would accept too: the pid file must name ours.
      if (accepts() && wrotePidFile()) return;
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(
            gateway
                + " did not accept on 127.0.0.1:"
                + port
                + " and write pid "
                + process.pid()
                + " to "
                + pidFile()
                + " within "
                + START_TIMEOUT
                + "\n"
                + logs());
      }
      // Returns early when the process exits; otherwise polls the port again after 20 ms.
      process.waitFor(20, TimeUnit.MILLISECONDS);
    }
  }

  private boolean wrotePidFile() {
    try {
      return Files.readString(pidFile(), UTF_8).trim().equals(Long.toString(process.pid()));
    } catch (NoSuchFileException e) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private boolean accepts() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Returns the gateway this process runs. */
  Gateway gateway() {
    return gateway;
  }

  /** Returns the port it listens on, on 127.0.0.1. */
  int port() {
    return port;
  }

  /** Returns the process id of the process started (nginx's master, apache2's parent). */
  long pid() {
    return process.pid();
  }

  /** Returns the directory holding its config, pid file, logs and temporary files. */
  Path dir() {
    return dir;
  }

  /** Returns the pid file the gateway wrote. */
  Path pidFile() {
    return dir.resolve(gateway.fileName() + ".pid");
  }

  /** Returns {@code http://127.0.0.1:port} followed by {@code path}. */
  URI uri(String path) {
    if (!path.startsWith("/"))
      throw new IllegalArgumentException("path must start with /: " + path);
    return URI.create("http://127.0.0.1:" + port + path);
  }

  /** Returns whether the process started is still running. */
  boolean isAlive() {
    return process.isAlive();
  }

  /** Returns the gateway's console output and error log, for failure messages. */
  String logs() {
    StringBuilder logs = new StringBuilder();
    for (String name : List.of("console.log", "error.log")) {
      Path log = dir.resolve(name);
      if (Files.exists(log)) {
        logs.append("--- ").append(log).append('\n').append(tail(log)).append('\n');
      }
    }
    return logs.toString();
  }

  /**
   * Stops the gateway by its pid: SIGTERM to the process started, then SIGKILL to it and to any of
   * its children still running after {@link #STOP_TIMEOUT}. Waits until they are gone.
   */
  @Override
  public void close() {
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    boolean stopped = awaitExit(process.toHandle());
    if (!stopped) process.destroyForcibly();
    awaitExit(process.toHandle());
    for (ProcessHandle child : children) {
      // The parent stops its children on SIGTERM; these are the ones it left behind.
      if (!awaitExit(child)) {
        child.destroyForcibly();
        awaitExit(child);
      }
    }
  }

  @Override
  public String toString() {
    return gateway + " on 127.0.0.1:" + port + " (pid " + process.pid() + ")";
  }

  private static boolean awaitExit(ProcessHandle handle) {
    try {
      handle.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException("waiting for pid " + handle.pid(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !handle.isAlive();
    }
  }

  /**
   * Stops a gateway left running by an earlier run that was killed before it could stop it: the
   * process named in {@code dir}'s pid file, only if its command line still names our config.
   */
  private static void stopLeftover(Gateway gateway, Path dir) throws IOException {
    Path pidFile = dir.resolve(gateway.fileName() + ".pid");
    if (!Files.exists(pidFile)) return;
    String content = Files.readString(pidFile, UTF_8).trim();
    if (!content.matches("\\d{1,10}")) return;
    Optional<ProcessHandle> leftover = ProcessHandle.of(Long.parseLong(content));
    String config = dir.resolve(gateway.configTemplate()).toString();
    leftover
        .filter(handle -> commandLine(handle).contains(config))
        .ifPresent(
            handle -> {
              List<ProcessHandle> children = handle.descendants().toList();
              handle.destroy();
              if (!awaitExit(handle)) handle.destroyForcibly();
              children.forEach(ProcessHandle::destroyForcibly);
            });
  }

  /**
   * Returns the command line of {@code handle}, empty when unknown. nginx rewrites its arguments
   * ("nginx: master process ..."), which ProcessHandle.Info then drops: /proc has them all.
   */
  private static String commandLine(ProcessHandle handle) {
    Path cmdline = Path.of("/proc", Long.toString(handle.pid()), "cmdline");
    try {
      return Files.readString(cmdline, UTF_8).replace('\0', ' ');
    } catch (IOException e) {
      return handle.info().commandLine().orElse("");
    }
  }

  private static void writeFilled(String resource, Path target, int port, int backendPort, Path dir)
      throws IOException {
    String template;
    try (InputStream in = RunningGateway.class.getResourceAsStream("/gateways/" + resource)) {
      if (in == null) throw new IllegalStateException("missing test resource gateways/" + resource);
      template = new String(in.readAllBytes(), UTF_8);
    }
    Matcher matcher = PLACEHOLDER.matcher(template);
    StringBuilder filled = new StringBuilder();
    while (matcher.find()) {
      String value =
          switch (matcher.group(1)) {
            case "port" -> Integer.toString(port);
            case "backendPort" -> Integer.toString(backendPort);
            case "dir" -> dir.toAbsolutePath().toString();
            case "user" -> System.getProperty("user.name");
            default ->
                throw new IllegalStateException(
                    "unknown placeholder " + matcher.group() + " in gateways/" + resource);
          };
      matcher.appendReplacement(filled, Matcher.quoteReplacement(value));
    }
    matcher.appendTail(filled);
    Files.writeString(target, filled, UTF_8);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static String tail(Path log) {
    try {
      String text = Files.readString(log, UTF_8);
      return text.length() <= 4000 ? text : "..." + text.substring(text.length() - 4000);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  /** The gateway could not bind the port chosen: another process took it meanwhile. */
  private static final class PortTakenException extends IllegalStateException {
    PortTakenException(String message) {
      super(message);
    }
  }
}
