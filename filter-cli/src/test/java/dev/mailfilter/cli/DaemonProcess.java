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
 * A real {@code bin/mailfilter milter} or {@code bin/mailfilter smtp} on the packaged jar, as a
 * deployment runs it: a process of its own on 127.0.0.1 and a port, optionally with a {@code
 * --config} file, its output in a log file, stopped by PID (SIGTERM, which drains) or killed with
 * SIGKILL. Both daemons start, answer and stop the same way; only the command and the form of the
 * listen address differ.
 */
final class DaemonProcess implements AutoCloseable {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path LAUNCHER = ROOT.resolve("bin/mailfilter");

  /** Longer than the daemons' default drain timeout (30 s), so that a SIGTERM can finish. */
  private static final Duration STOP = Duration.ofSeconds(40);

  private final String command;
  private final Process process;
  private final int port;
  private final Path log;

  private DaemonProcess(String command, Process process, int port, Path log) {
    this.command = command;
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** Starts {@code mailfilter milter} on a free port, with {@code config} when not null. */
  static DaemonProcess milter(Path dir, Path config) throws IOException {
    return milter(dir, config, FreePort.tcp());
  }

  /** Starts {@code mailfilter milter} on {@code port} (a restart on the port Postfix knows). */
  static DaemonProcess milter(Path dir, Path config, int port) throws IOException {
    return start(dir, "milter", "inet:127.0.0.1:" + port, config, port);
  }

  /**
   * Starts {@code mailfilter smtp} on {@code port} with {@code config}; a restart after a kill uses
   * the same port, as an MX keeps its address.
   */
  static DaemonProcess smtp(Path dir, Path config, int port) throws IOException {
    return start(dir, "smtp", "127.0.0.1:" + port, config, port);
  }

  private static DaemonProcess start(Path dir, String command, String listen, Path config, int port)
      throws IOException {
    List<String> cmd = new ArrayList<>(List.of(LAUNCHER.toString(), command, "--listen", listen));
    if (config != null) {
      cmd.addAll(List.of("--config", config.toString()));
    }
    Path log = Files.createTempFile(dir, command + "-" + port + "-", ".log");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile());
    // Verdicts must not depend on whether the host has SpamAssassin's rules installed.
    pb.environment().put("MAILFILTER_JAVA_OPTS", "-Dmailfilter.spamassassin.default_paths=none");
    pb.environment().remove("MAILFILTER_JAR");
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    DaemonProcess daemon = new DaemonProcess(command, pb.start(), port, log);
    boolean up = Processes.await(Duration.ofSeconds(60), () -> daemon.accepts() || !daemon.alive());
    if (!up || !daemon.alive()) {
      daemon.close();
      throw new AssertionError(
          "mailfilter " + command + " did not listen on port " + port + ":\n" + daemon.log());
    }
    return daemon;
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

  long pid() {
    return process.pid();
  }

  int port() {
    return port;
  }

  /** The {@code smtpd_milters} value that points Postfix at this milter. */
  String postfixAddress() {
    if (!command.equals("milter")) {
      throw new IllegalStateException("mailfilter " + command + " is not a milter");
    }
    return "inet:127.0.0.1:" + port;
  }

  /** What the daemon logged so far (one verdict line per message). */
  String log() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /** SIGKILL, as a crash or the OOM killer would: no drain, no goodbye, sockets reset. */
  void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  @Override
  public void close() {
    Processes.stop(process.toHandle(), STOP);
  }
}
