package dev.mailfilter.cli;

import dev.mailfilter.testkit.FreePort;
import dev.mailfilter.testkit.Processes;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The real {@code bin/mailfilter milter} on the packaged jar, as a deployment runs it: a process of
 * its own listening on 127.0.0.1 and a free port, its output in a log file, stopped by PID
 * (SIGTERM, which drains) or killed with SIGKILL.
 */
final class MilterProcess implements AutoCloseable {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path LAUNCHER = ROOT.resolve("bin/mailfilter");

  private final Process process;
  private final int port;
  private final Path log;

  private MilterProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** Starts the milter on a free port, with {@code config} when not null. */
  static MilterProcess start(Path dir, Path config) throws IOException {
    return start(dir, config, FreePort.tcp());
  }

  /** Starts the milter on {@code port} (a restart on the port Postfix knows). */
  static MilterProcess start(Path dir, Path config, int port) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(LAUNCHER.toString(), "milter"));
    cmd.addAll(List.of("--listen", "inet:127.0.0.1:" + port));
    if (config != null) {
      cmd.addAll(List.of("--config", config.toString()));
    }
    Path log = Files.createTempFile(dir, "milter-" + port + "-", ".log");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile());
    // Verdicts must not depend on whether the host has SpamAssassin's rules installed.
    pb.environment().put("MAILFILTER_JAVA_OPTS", "-Dmailfilter.spamassassin.default_paths=none");
    pb.environment().remove("MAILFILTER_JAR");
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    MilterProcess milter = new MilterProcess(pb.start(), port, log);
    boolean up = Processes.await(Duration.ofSeconds(60), () -> milter.accepts() || !milter.alive());
    if (!up || !milter.alive()) {
      milter.close();
      throw new AssertionError(
          "mailfilter milter did not listen on port " + port + ":\n" + milter.log());
    }
    return milter;
  }

  private boolean accepts() {
    try {
      new Socket(InetAddress.getLoopbackAddress(), port).close();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  boolean alive() {
    return process.isAlive();
  }

  int port() {
    return port;
  }

  /** The {@code smtpd_milters} value that points Postfix here. */
  String postfixAddress() {
    return "inet:127.0.0.1:" + port;
  }

  /** What the milter logged so far (one verdict line per message). */
  String log() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /** SIGKILL, as a crash or the OOM killer would: no drain, no goodbye to Postfix. */
  void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  @Override
  public void close() {
    Processes.stop(process.toHandle(), Duration.ofSeconds(10));
  }
}
