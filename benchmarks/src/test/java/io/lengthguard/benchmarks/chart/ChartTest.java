package io.lengthguard.benchmarks.chart;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

class ChartTest {
  private static final int MET = new Color(46, 139, 87).getRGB();
  private static final int MISSED = new Color(205, 55, 55).getRGB();

  static {
    System.setProperty("java.awt.headless", "true");
  }

  /** Returns how many pixels below the legend have the colour {@code rgb}. */
  private static int count(BufferedImage image, int rgb) {
    int count = 0;
    for (int y = Chart.BODY_TOP; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        if (image.getRGB(x, y) == rgb) count++;
      }
    }
    return count;
  }

  @Test
  void drawsMetAndMissedTargetsInTheirColours() {
    BufferedImage image = Chart.draw(Samples.run());

    assertThat(image.getWidth()).isEqualTo(1200);
    assertThat(count(image, MISSED)).isGreaterThan(1000);
    assertThat(count(image, MET)).isGreaterThan(1000);
  }

  @Test
  void drawsNoMissWhenEveryTargetIsMet() {
    String met = Samples.json().replace("1300.0", "1100.0").replace("24.0003", "0.0003");
    met = met.replace("0.08,", "0.06,");

    BufferedImage image = Chart.draw(Run.parse(met));

    assertThat(count(image, MISSED)).isZero();
    assertThat(count(image, MET)).isGreaterThan(1000);
  }

  @Test
  void growsWithTheNumberOfResults() {
    BufferedImage all = Chart.draw(Samples.run());
    BufferedImage none = Chart.draw(Run.parse("[]"));

    assertThat(none.getHeight()).isLessThan(all.getHeight());
    assertThat(count(none, MET)).isZero();
  }

  @Test
  void drawsEachSubjectAgainstTheBaselineOfEachOfItsTargets() {
    assertThat(Chart.titles(Samples.run()))
        .startsWith(
            "LoopbackPostBenchmark: throughput ÷ PEER (higher is better)",
            "LoopbackPostBenchmark: throughput ÷ CHUNKED (higher is better)",
            "LoopbackPostBenchmark: bytes allocated per operation ÷ PEER's (lower is better)",
            "LoopbackPostBenchmark: bytes allocated per operation ÷ payload size (lower is better)",
            "FreezeStringBenchmark: time per operation ÷ GET_BYTES (lower is better)",
            "BufferStreamBenchmark: time per operation ÷ READ_ALL_BYTES (lower is better)",
            "BufferStreamBenchmark: bytes allocated per operation ÷ payload size (lower is better)");
  }
}
