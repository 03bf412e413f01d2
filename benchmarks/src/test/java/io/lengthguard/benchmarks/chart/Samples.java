package io.lengthguard.benchmarks.chart;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Results for the chart's tests: {@code sample.json}, one result of each kind of target. */
final class Samples {
  private Samples() {}

  static String json() {
    try (InputStream in = Samples.class.getResourceAsStream("sample.json")) {
      if (in == null) throw new IllegalStateException("sample.json is missing");
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path write(Path directory) throws IOException {
    return Files.writeString(directory.resolve("sample.json"), json());
  }

  static Run run() {
    return Run.parse(json());
  }

  static Result result(String className, String method, String mode, String unit, double score) {
    return new Result(className, method, mode, Map.of(), score, Double.NaN, unit, Double.NaN);
  }
}
