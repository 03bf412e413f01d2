package io.lengthguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.lengthguard.FramingFinding.Severity;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes {@link FramingCheck#parseContentLength} and {@link FramingCheck#check}: no input may throw
 * anything but the documented exceptions, and a length that differs from the body never goes
 * unreported.
 *
 * <p>An input is read as a request head in text, one line per LF: {@code METHOD target}, then
 * {@code name: value} fields, then, after an empty line, the body (its byte count is what matters).
 * Without the empty line the body is unknown. The checked-in corpus under {@code
 * src/test/resources/io/lengthguard/FramingCheckFuzzTestInputs/checkAndParse/} holds such requests;
 * a file that ever fails belongs there.
 *
 * <p>In {@code mvn verify}, the {@code fuzz} surefire execution of {@code core/pom.xml} runs this
 * class in its own JVM with {@code JAZZER_FUZZ=1}: it first replays every corpus file as a test of
 * its own, then fuzzes new inputs for at most {@code fuzz.seconds} (20) seconds or {@code
 * fuzz.runs} (2,000,000) inputs. New corpus entries and any crash file ({@code crash-<sha1>}, the
 * raw input) go under {@code core/target/jazzer/}, never into the source tree. A longer run:
 *
 * <pre>
 * mvn -B -pl core test-compile surefire:test@fuzz -Dfuzz.seconds=3600 -Dfuzz.runs=-1 \
 *     -Djazzer.internal.arg.4=-verbosity=1
 * </pre>
 *
 * <p>({@code -verbosity=1} prints libFuzzer's progress lines; the build keeps only its final {@code
 * stat::number_of_executed_units}.)
 *
 * <p>To keep an input that found a bug, copy its crash file into the corpus directory above.
 */
class FramingCheckFuzzTest {
  @FuzzTest(maxDuration = "20s")
  void checkAndParse(byte[] input) {
    // ISO-8859-1 maps each byte to one char, so every char from 0 to 255 can be reached.
    String text = new String(input, StandardCharsets.ISO_8859_1);
    int blank = text.indexOf("\n\n");
    String head = blank < 0 ? text : text.substring(0, blank);
    long bodyBytes = blank < 0 ? -1 : text.length() - blank - 2;
    String[] lines = head.split("\n", -1);

    String requestLine = lines[0];
    int space = requestLine.indexOf(' ');
    String method = space < 0 ? requestLine : requestLine.substring(0, space);
    String target = space < 0 ? null : requestLine.substring(space + 1);

    List<Map.Entry<String, String>> headers = new ArrayList<>();
    for (int i = 1; i < lines.length; i++) {
      String line = lines[i];
      int colon = line.indexOf(':');
      String name = colon < 0 ? line : line.substring(0, colon);
      String value = colon < 0 ? "" : line.substring(colon + 1);
      if (value.startsWith(" ")) value = value.substring(1);
      headers.add(Map.entry(name, value));
      assertParsesLikeOracle(value);
    }
    assertParsesLikeOracle(requestLine);

    FramingReport report = FramingCheck.check(method, target, headers, bodyBytes);
    assertConsistent(report, bodyBytes);
  }

  /** Checks the strict parse against BigInteger: digits only, and no more than a long holds. */
  private static void assertParsesLikeOracle(String value) {
    boolean digits = !value.isEmpty() && value.chars().allMatch(c -> c >= '0' && c <= '9');
    if (digits && new BigInteger(value).bitLength() < 64) {
      assertThat(FramingCheck.parseContentLength(value)).isEqualTo(Long.parseLong(value));
    } else {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> FramingCheck.parseContentLength(value))
          .withMessageStartingWith(digits ? "Content-Length overflows" : "Content-Length is not");
    }
  }

  private static void assertConsistent(FramingReport report, long bodyBytes) {
    List<FramingFinding> findings = report.findings();
    assertThat(report.isClean()).isEqualTo(findings.isEmpty());
    assertThat(report.hasErrors())
        .isEqualTo(findings.stream().anyMatch(f -> f.severity() == Severity.ERROR));
    assertThat(findings).isSortedAccordingTo((a, b) -> a.code().compareTo(b.code()));
    String rendered = report.render();
    // Five lines of counts, the summary line, then one line per finding: nothing forges a line.
    assertThat(rendered).doesNotContain("\r").hasLineCount(6 + findings.size());
    for (FramingFinding finding : findings) {
      assertThat(rendered).contains(finding.code().name());
      assertThat(finding.message()).doesNotContain("\r", "\n");
    }
    // The promise the guard relies on: a usable length that differs from the body is reported.
    long declared = report.declaredLength();
    if (declared >= 0 && bodyBytes >= 0 && declared != bodyBytes) {
      assertThat(report.hasErrors()).as("%s", report).isTrue();
    }
    if (!report.isClean()) {
      assertThat(new FramingViolationException(report)).hasMessageStartingWith("bad framing in ");
    }
  }
}
