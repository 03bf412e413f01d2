package io.lengthguard.benchmarks.chart;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsChartTest {
  @Test
  void writesThePngAndPrintsTheTables(@TempDir Path directory) throws Exception {
    Path json = Samples.write(directory);
    Path png = directory.resolve("out.png");
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream out = System.out;
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      ResultsChart.main(new String[] {json.toString(), png.toString()});
    } finally {
      System.setOut(out);
    }

    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image.getWidth()).isEqualTo(1200);
    assertThat(image.getHeight()).isEqualTo(Chart.draw(Samples.run()).getHeight());
    assertThat(printed.toString(StandardCharsets.UTF_8)).isEqualTo(Report.markdown(Samples.run()));
  }
}
