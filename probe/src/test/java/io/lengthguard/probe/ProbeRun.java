package io.lengthguard.probe;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

/** The probe's command run in-process: its exit code and what it printed. */
record ProbeRun(int exit, String out, String err) {
  static ProbeRun of(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit;
    try (PrintStream o = new PrintStream(out, true, UTF_8);
        PrintStream e = new PrintStream(err, true, UTF_8)) {
      exit = Probe.run(args, o, e);
    }
    return new ProbeRun(exit, out.toString(UTF_8), err.toString(UTF_8));
  }
}
