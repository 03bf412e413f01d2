package io.lengthguard.benchmarks.chart;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Turns a JMH JSON result file into a PNG chart of each benchmark against its baseline, and prints
 * a Markdown table of every result and of each target, met or not.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar
 * io.lengthguard.benchmarks.chart.ResultsChart results.json out.png > results.md}
 *
 * <p>A result's baseline is the variant named by its class's targets: the value of its {@code
 * strategy} parameter, or its method name in a class without one, with every other parameter equal.
 */
public final class ResultsChart {
  private ResultsChart() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: ResultsChart <jmh-results.json> <chart.png>");
      System.exit(2);
    }
    // No display is needed, or wanted, on a build machine.
    System.setProperty("java.awt.headless", "true");
    Run run = Run.parse(Files.readString(Path.of(args[0])));
    Path png = Path.of(args[1]);
    if (!ImageIO.write(Chart.draw(run), "png", png.toFile())) {
      throw new IOException("no PNG writer in this JDK; cannot write " + png);
    }
    System.out.print(Report.markdown(run));
  }
}
