package io.lengthguard.benchmarks.chart;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where one benchmark's CPU went, per operation: async-profiler's CPU samples of the measured
 * iterations ({@code output=collapsed}, {@code threads=true}), divided among the operations JMH
 * counted in the same iterations. Threads are grouped by name without their numbers, so a pool's
 * threads add up; the kernel's frames count as the thread's, as the samples do.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.lengthguard.benchmarks.chart.ProfileSummary \
 *     result.json collapsed-cpu.csv [sampling interval in ns, 10000000 by default]
 * </pre>
 *
 * {@code benchmarks/profile.sh} runs a benchmark so and prints this.
 */
public final class ProfileSummary {
  static final long DEFAULT_INTERVAL_NANOS = 10_000_000L;
  private static final int TOP = 12;

  private final String benchmark;
  private final double opsPerSecond;
  private final double operations;
  private final long intervalNanos;
  private final Map<String, Long> byThread = new LinkedHashMap<>();
  private final Map<String, Long> bySelfFrame = new LinkedHashMap<>();
  private long samples;

  private ProfileSummary(
      String benchmark, double opsPerSecond, double operations, long intervalNanos) {
    this.benchmark = benchmark;
    this.opsPerSecond = opsPerSecond;
    this.operations = operations;
    this.intervalNanos = intervalNanos;
  }

  public static void main(String[] args) throws IOException {
    if (args.length < 2 || args.length > 3) {
      System.err.println(
          "usage: ProfileSummary <jmh-result.json> <collapsed-cpu.csv> [interval-nanos]");
      System.exit(2);
    }
    long interval = args.length == 3 ? Long.parseLong(args[2]) : DEFAULT_INTERVAL_NANOS;
    System.out.print(
        of(
                Files.readString(Path.of(args[0]), StandardCharsets.UTF_8),
                Files.readAllLines(Path.of(args[1]), StandardCharsets.UTF_8),
                interval)
            .format());
  }

  /** Reads the one throughput result of {@code json} and the collapsed stacks of its profile. */
  static ProfileSummary of(String json, List<String> collapsed, long intervalNanos) {
    Object root = Json.parse(json);
    if (!(root instanceof List) || ((List<?>) root).size() != 1) {
      throw new IllegalArgumentException("expected the JMH JSON of exactly one result");
    }
    Map<?, ?> entry = (Map<?, ?>) ((List<?>) root).get(0);
    Result result = Run.parse(json).results().get(0);
    if (!result.higherIsBetter()) {
      throw new IllegalArgumentException("expected a throughput result, not " + result.mode());
    }
    double seconds =
        Json.number(entry.get("measurementIterations"))
            * seconds(String.valueOf(entry.get("measurementTime")));
    double opsPerSecond = 1e9 / result.nanosPerOp();
    String name =
        result.className()
            + "."
            + result.method()
            + (result.params().isEmpty() ? "" : " " + result.params());
    ProfileSummary summary =
        new ProfileSummary(name, opsPerSecond, opsPerSecond * seconds, intervalNanos);
    for (String line : collapsed) summary.add(line);
    return summary;
  }

  private void add(String line) {
    int space = line.lastIndexOf(' ');
    if (space < 0) return;
    long count = Long.parseLong(line.substring(space + 1).trim());
    String[] frames = line.substring(0, space).split(";");
    samples += count;
    byThread.merge(threadGroup(frames[0]), count, Long::sum);
    bySelfFrame.merge(frames[frames.length - 1], count, Long::sum);
  }

  /** Returns {@code [pool-2-thread-7 tid=123]} as {@code pool-N-thread-N}. */
  static String threadGroup(String frame) {
    String name = frame;
    if (name.startsWith("[") && name.endsWith("]")) name = name.substring(1, name.length() - 1);
    int tid = name.lastIndexOf(" tid=");
    if (tid >= 0) name = name.substring(0, tid);
    return name.replaceAll("\\d+", "N");
  }

  /** Returns the CPU, in microseconds per operation, of {@code count} samples. */
  double micros(long count) {
    return count * (double) intervalNanos / 1000.0 / operations;
  }

  String format() {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "%s: %.1f ops/s, %d samples, CPU %.0f us per operation%n",
            benchmark,
            opsPerSecond,
            samples,
            micros(samples)));
    out.append("by thread:\n");
    for (Map.Entry<String, Long> e : top(byThread)) line(out, e);
    out.append("by frame on the CPU:\n");
    for (Map.Entry<String, Long> e : top(bySelfFrame)) line(out, e);
    return out.toString();
  }

  private void line(StringBuilder out, Map.Entry<String, Long> e) {
    out.append(
        String.format(
            Locale.ROOT,
            "  %8.0f us  %5.1f %%  %s%n",
            micros(e.getValue()),
            100.0 * e.getValue() / samples,
            e.getKey()));
  }

  private static List<Map.Entry<String, Long>> top(Map<String, Long> counts) {
    List<Map.Entry<String, Long>> sorted = new ArrayList<>(counts.entrySet());
    sorted.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
    return sorted.subList(0, Math.min(TOP, sorted.size()));
  }

  private static double seconds(String time) {
    String[] parts = time.trim().split(" ");
    double value = Double.parseDouble(parts[0]);
    switch (parts.length == 2 ? parts[1] : "") {
      case "s":
        return value;
      case "ms":
        return value / 1e3;
      case "min":
        return value * 60;
      default:
        throw new IllegalArgumentException("unknown time: " + time);
    }
  }
}
