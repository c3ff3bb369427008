package dev.mailfilter.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus' own checker, {@code promtool check metrics} (Debian package {@code prometheus}): the
 * exposition as the Prometheus server parses it, plus its naming lint (units, {@code _total} on
 * counters only).
 */
public final class Promtool {
  private static final Path PROMTOOL = Path.of("/usr/bin/promtool");

  private Promtool() {}

  /**
   * Runs {@code promtool check metrics} on {@code exposition} (text format 0.0.4) and returns its
   * exit status and output together, {@code "0\n"} when all is well.
   */
  public static String checkMetrics(String exposition) throws IOException, InterruptedException {
    DebianPackage.require(PROMTOOL, "prometheus");
    Process p =
        new ProcessBuilder(PROMTOOL.toString(), "check", "metrics")
            .redirectErrorStream(true)
            .start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(exposition.getBytes(UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("promtool check metrics did not end within 60 s");
    }
    return p.exitValue() + "\n" + out;
  }
}
