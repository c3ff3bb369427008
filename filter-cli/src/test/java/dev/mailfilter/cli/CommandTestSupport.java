package dev.mailfilter.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Runs {@link Main} in-process and captures its streams. */
final class CommandTestSupport {
  /** Where the shared corpora are, resolved against the project root as the build has it. */
  static final Path SHARED = Path.of(System.getProperty("mailfilter.shared", "../shared"));

  static final Path TESTDATA = SHARED.resolve("corpora/spamassassin-testdata");

  /** Exit code and output of one run. */
  record Result(int code, String out, String err) {}

  private CommandTestSupport() {}

  static Result run(String... args) {
    return runWithInput(new byte[0], args);
  }

  /** Runs with {@code input} as standard input. */
  static Result runWithInput(byte[] input, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code = Main.run(args, new ByteArrayInputStream(input), o, e);
    }
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
