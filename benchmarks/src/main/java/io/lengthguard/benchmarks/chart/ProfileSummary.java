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
 * Where one benchmark's CPU or allocation went, per operation: async-profiler's samples of the
 * measured iterations ({@code output=collapsed}, {@code threads=true}), divided among the
 * operations JMH counted in the same iterations. Threads are grouped by name without their numbers,
 * so a pool's threads add up; the kernel's frames count as the thread's, as the samples do.
 *
 * <p>With {@code --alloc} the stacks are of {@code event=alloc} with {@code total}, each weighed in
 * bytes: the summary gives bytes per operation by thread and by site, where the site is the type
 * allocated and the nearest frame outside the JDK's public packages ({@code java/}), which names
 * who asked: {@code Utils.getBuffer} in java.net.http, not the {@code ByteBuffer.allocate} it
 * called.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.lengthguard.benchmarks.chart.ProfileSummary \
 *     result.json collapsed-cpu.csv [sampling interval in ns, 10000000 by default]
 * java -cp benchmarks/target/benchmarks.jar io.lengthguard.benchmarks.chart.ProfileSummary \
 *     --alloc result.json collapsed-alloc.csv
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
  private final boolean allocation;
  private final Map<String, Long> byThread = new LinkedHashMap<>();
  private final Map<String, Long> bySelfFrame = new LinkedHashMap<>();
  private long samples;

  private ProfileSummary(
      String benchmark,
      double opsPerSecond,
      double operations,
      long intervalNanos,
      boolean allocation) {
    this.benchmark = benchmark;
    this.opsPerSecond = opsPerSecond;
    this.operations = operations;
    this.intervalNanos = intervalNanos;
    this.allocation = allocation;
  }

  public static void main(String[] args) throws IOException {
    boolean alloc = args.length == 3 && args[0].equals("--alloc");
    if (!alloc && (args.length < 2 || args.length > 3)) {
      System.err.println(
          "usage: ProfileSummary <jmh-result.json> <collapsed-cpu.csv> [interval-nanos]\n"
              + "       ProfileSummary --alloc <jmh-result.json> <collapsed-alloc.csv>");
      System.exit(2);
    }
    String json = Files.readString(Path.of(args[alloc ? 1 : 0]), StandardCharsets.UTF_8);
    List<String> stacks = Files.readAllLines(Path.of(args[alloc ? 2 : 1]), StandardCharsets.UTF_8);
    ProfileSummary summary;
    if (alloc) {
      summary = allocations(json, stacks);
    } else {
      summary =
          of(json, stacks, args.length == 3 ? Long.parseLong(args[2]) : DEFAULT_INTERVAL_NANOS);
    }
    System.out.print(summary.format());
  }

  /**
   * Reads the one throughput result of {@code json} and the collapsed stacks of its CPU profile.
   */
  static ProfileSummary of(String json, List<String> collapsed, long intervalNanos) {
    return parse(json, collapsed, intervalNanos, false);
  }

  /**
   * Reads the one throughput result of {@code json} and the collapsed stacks of its allocation
   * profile, weighed in bytes ({@code event=alloc}, {@code total}).
   */
  static ProfileSummary allocations(String json, List<String> collapsed) {
    return parse(json, collapsed, 1, true);
  }

  private static ProfileSummary parse(
      String json, List<String> collapsed, long intervalNanos, boolean allocation) {
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
        new ProfileSummary(name, opsPerSecond, opsPerSecond * seconds, intervalNanos, allocation);
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
    String self = frames[frames.length - 1];
    bySelfFrame.merge(allocation ? site(frames) : self, count, Long::sum);
  }

  /**
   * Returns where the last frame, an allocated type ({@code byte[]_[i]}), was allocated: the
   * nearest frame outside {@code java/}, then the frame it called, if that one is in {@code java/}.
   */
  static String site(String[] frames) {
    String type = frames[frames.length - 1].replaceFirst("_\\[[a-z]\\]$", "");
    int caller = frames.length - 2;
    while (caller > 0 && frames[caller].startsWith("java/")) caller--;
    String site = caller > 0 ? frames[caller] : "(no frame)";
    if (caller + 1 < frames.length - 1) site += " > " + frames[caller + 1];
    return type + " in " + site;
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

  /** Returns {@code bytes}, of an allocation profile, per operation. */
  double bytesPerOperation(long bytes) {
    return bytes / operations;
  }

  String format() {
    StringBuilder out = new StringBuilder();
    if (allocation) {
      out.append(
          String.format(
              Locale.ROOT,
              "%s: %.1f ops/s, %.0f B allocated per operation%n",
              benchmark,
              opsPerSecond,
              bytesPerOperation(samples)));
    } else {
      out.append(
          String.format(
              Locale.ROOT,
              "%s: %.1f ops/s, %d samples, CPU %.0f us per operation%n",
              benchmark,
              opsPerSecond,
              samples,
              micros(samples)));
    }
    out.append("by thread:\n");
    for (Map.Entry<String, Long> e : top(byThread)) line(out, e);
    out.append(
        allocation ? "by site (the type, where it was allocated):\n" : "by frame on the CPU:\n");
    for (Map.Entry<String, Long> e : top(bySelfFrame)) line(out, e);
    return out.toString();
  }

  private void line(StringBuilder out, Map.Entry<String, Long> e) {
    out.append(
        String.format(
            Locale.ROOT,
            allocation ? "  %8.0f B   %5.1f %%  %s%n" : "  %8.0f us  %5.1f %%  %s%n",
            allocation ? bytesPerOperation(e.getValue()) : micros(e.getValue()),
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
