package dev.mailfilter.cli;

import dev.mailfilter.testkit.Processes;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The real {@code bin/mailfilter smtp} on the packaged jar, as a deployment runs it: a process of
 * its own on 127.0.0.1 and a given port with a {@code --config} file, its output in a log file,
 * stopped by PID (SIGTERM, which drains) or killed with SIGKILL.
 */
final class GatewayProcess implements AutoCloseable {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path LAUNCHER = ROOT.resolve("bin/mailfilter");

  private final Process process;
  private final int port;
  private final Path log;

  private GatewayProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /**
   * Starts the gateway on {@code port} with {@code config} and waits until it answers; a restart
   * after a kill uses the same port, as an MX keeps its address.
   */
  static GatewayProcess start(Path dir, Path config, int port) throws IOException {
    List<String> cmd =
        List.of(
            LAUNCHER.toString(),
            "smtp",
            "--listen",
            "127.0.0.1:" + port,
            "--config",
            config.toString());
    Path log = Files.createTempFile(dir, "smtp-" + port + "-", ".log");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile());
    pb.environment().remove("MAILFILTER_JAVA_OPTS");
    pb.environment().remove("MAILFILTER_JAR");
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    GatewayProcess gateway = new GatewayProcess(pb.start(), port, log);
    boolean up =
        Processes.await(Duration.ofSeconds(60), () -> gateway.accepts() || !gateway.alive());
    if (!up || !gateway.alive()) {
      gateway.close();
      throw new AssertionError(
          "mailfilter smtp did not listen on port " + port + ":\n" + gateway.log());
    }
    return gateway;
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

  /** What the gateway logged so far (one line per message, with its transaction id). */
  String log() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /** SIGKILL, as a crash or the OOM killer would: no drain, no 421, sockets reset by the kernel. */
  void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  @Override
  public void close() {
    Processes.stop(process.toHandle(), Duration.ofSeconds(40));
  }
}
