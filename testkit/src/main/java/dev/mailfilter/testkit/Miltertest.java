package dev.mailfilter.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs a Lua script with Debian's {@code miltertest}, the libmilter project's test client, as a
 * second real MTA side against a milter.
 *
 * <p>An uncaught Lua error makes miltertest exit 1 without a word, so the script runs inside a
 * wrapper that calls it through {@code pcall} and prints the error: a failing script says which
 * line and why.
 */
public final class Miltertest {
  /** Where Debian's {@code miltertest} package puts it. */
  public static final Path BINARY = Path.of("/usr/bin/miltertest");

  private Miltertest() {}

  /** The exit status (0 when the script ran to its end) and what it printed. */
  public record Result(int exit, String output) {}

  /**
   * Runs {@code script} with the Lua globals {@code variables} (miltertest's {@code -D name=value},
   * e.g. the milter's port), writing the wrapper into {@code workDir}.
   */
  public static Result run(Path script, Map<String, String> variables, Path workDir)
      throws IOException {
    return run(script, variables, workDir, 0);
  }

  /**
   * As {@link #run(Path, Map, Path)}, with miltertest's {@code -v} given {@code verbosity} times:
   * at 2 it prints every packet it reads and writes ({@code mt_milter_read(3): cmd p, len 0} for a
   * progress packet, which scripts cannot see otherwise).
   */
  public static Result run(Path script, Map<String, String> variables, Path workDir, int verbosity)
      throws IOException {
    DebianPackage.require(BINARY, "miltertest");
    if (!Files.isReadable(script)) {
      throw new IllegalArgumentException("no such miltertest script: " + script);
    }
    Path wrapper = workDir.resolve("pcall-" + script.getFileName());
    String path = script.toAbsolutePath().toString().replace("\\", "\\\\").replace("\"", "\\\"");
    Files.writeString(
        wrapper,
        """
        local ok, err = pcall(dofile, "%s")
        if not ok then
          print("miltertest script failed: " .. tostring(err))
          os.exit(1)
        end
        """
            .formatted(path),
        StandardCharsets.UTF_8);
    List<String> cmd = new ArrayList<>(List.of(BINARY.toString()));
    variables.forEach(
        (k, v) -> {
          cmd.add("-D");
          cmd.add(k + "=" + v);
        });
    for (int i = 0; i < verbosity; i++) {
      cmd.add("-v");
    }
    cmd.add("-s");
    cmd.add(wrapper.toString());
    Processes.Result r = Processes.run(cmd, Duration.ofSeconds(60));
    return new Result(r.exit(), r.output());
  }
}
