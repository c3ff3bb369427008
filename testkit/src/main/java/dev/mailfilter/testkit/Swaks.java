package dev.mailfilter.testkit;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs Debian's {@code swaks} against an SMTP server on 127.0.0.1, as an independent SMTP client
 * whose transcript shows exactly what the server answered.
 */
public final class Swaks {
  /** Where Debian's {@code swaks} package puts it. */
  public static final Path BINARY = Path.of("/usr/bin/swaks");

  private Swaks() {}

  /**
   * What swaks gave: its exit status (0 delivered; 21 to 29 say at which stage the server refused,
   * see swaks(1)) and its transcript (stdout and stderr).
   */
  public record Result(int exit, String transcript) {
    /** The transcript's server lines ({@code <-} and {@code <**}), the ones a test asserts on. */
    public List<String> serverLines() {
      return transcript
          .lines()
          .filter(l -> l.startsWith("<-") || l.startsWith("<**"))
          .map(l -> l.replaceFirst("^<\\*{0,2}-? *", ""))
          .toList();
    }
  }

  /**
   * Sends one message: {@code swaks --server 127.0.0.1 --port PORT} followed by {@code args} (e.g.
   * {@code --from}, {@code --to}, {@code --data FILE}, {@code --xclient-addr ADDR}).
   */
  public static Result send(int port, String... args) throws IOException {
    DebianPackage.require(BINARY, "swaks");
    List<String> cmd = new ArrayList<>();
    cmd.addAll(
        List.of(
            BINARY.toString(),
            "--server",
            "127.0.0.1",
            "--port",
            Integer.toString(port),
            "--timeout",
            "20"));
    cmd.addAll(List.of(args));
    Processes.Result r = Processes.run(cmd, Duration.ofSeconds(60));
    return new Result(r.exit(), r.output());
  }
}
