package dev.mailfilter.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * A real {@code redis-server} (Debian {@code redis-server}) or {@code redis-sentinel} on 127.0.0.1
 * and a free port, its files in a directory of the test's; ready when it answers {@code PING}
 * (polled with a deadline), stopped by its PID. {@link #kill()} is the {@code kill -9} of failover
 * tests.
 */
public final class RedisServer implements AutoCloseable {
  /** Where Debian's {@code redis-server} package puts the daemon. */
  public static final Path BINARY = Path.of("/usr/bin/redis-server");

  /** Where Debian's {@code redis-sentinel} package puts Sentinel. */
  public static final Path SENTINEL = Path.of("/usr/bin/redis-sentinel");

  private final Process process;
  private final int port;
  private final Path dir;

  private RedisServer(Process process, int port, Path dir) {
    this.process = process;
    this.port = port;
    this.dir = dir;
  }

  /** Starts a primary with no persistence beyond its directory ({@code dir} must exist). */
  public static RedisServer primary(Path dir) throws IOException {
    return start(dir, BINARY, "redis-server", List.of(), OptionalInt.empty());
  }

  /**
   * Starts a primary with extra configuration lines, which override the defaults (e.g. {@code
   * appendonly yes} for a server that keeps its data over {@link #restart()}).
   */
  public static RedisServer primary(Path dir, List<String> extraConfig) throws IOException {
    return start(dir, BINARY, "redis-server", extraConfig, OptionalInt.empty());
  }

  /**
   * Starts the server again, after {@link #close()} or {@link #kill()}, on the same port with the
   * same directory and configuration (a restart that clients reconnect to).
   */
  public RedisServer restart() throws IOException {
    List<String> conf =
        Files.readAllLines(dir.resolve("redis-" + port + ".conf"), StandardCharsets.UTF_8);
    List<String> extra = new ArrayList<>();
    for (String line : conf) {
      if (!line.startsWith("bind ") && !line.startsWith("port ")) {
        extra.add(line);
      }
    }
    Path binary = conf.stream().anyMatch(l -> l.startsWith("sentinel ")) ? SENTINEL : BINARY;
    return start(
        dir,
        binary,
        binary == SENTINEL ? "redis-sentinel" : "redis-server",
        extra,
        OptionalInt.of(port));
  }

  /** Starts a replica of the server on {@code primaryPort}. */
  public static RedisServer replicaOf(Path dir, int primaryPort) throws IOException {
    return replicaOf(dir, primaryPort, List.of());
  }

  /**
   * {@link #replicaOf(Path, int)} with more configuration lines after the defaults (a later line
   * wins: {@code appendonly yes} for a replica that must keep its data over a restart).
   */
  public static RedisServer replicaOf(Path dir, int primaryPort, List<String> extraConfig)
      throws IOException {
    List<String> conf = new ArrayList<>();
    conf.add("replicaof 127.0.0.1 " + primaryPort);
    conf.addAll(extraConfig);
    return start(dir, BINARY, "redis-server", conf, OptionalInt.empty());
  }

  /**
   * Starts a Sentinel that watches the primary on {@code primaryPort} as {@code masterName}, with
   * {@code quorum} Sentinels needed to agree that it is down and a short down-after time (1 s) so
   * failover tests finish quickly.
   */
  public static RedisServer sentinel(Path dir, String masterName, int primaryPort, int quorum)
      throws IOException {
    return start(
        dir,
        SENTINEL,
        "redis-sentinel",
        List.of(
            "sentinel monitor %s 127.0.0.1 %d %d".formatted(masterName, primaryPort, quorum),
            "sentinel down-after-milliseconds %s 1000".formatted(masterName),
            "sentinel failover-timeout %s 5000".formatted(masterName),
            "sentinel parallel-syncs %s 1".formatted(masterName)),
        OptionalInt.empty());
  }

  private static RedisServer start(
      Path dir, Path binary, String pkg, List<String> extra, OptionalInt fixedPort)
      throws IOException {
    DebianPackage.require(binary, pkg);
    Files.createDirectories(dir);
    AssertionError last = null;
    // A free port can be taken between the probe and the bind: try another.
    for (int attempt = 0; attempt < 3; attempt++) {
      int port = fixedPort.orElseGet(FreePort::tcp);
      List<String> conf = new ArrayList<>();
      conf.add("bind 127.0.0.1");
      conf.add("port " + port);
      conf.add("dir " + dir);
      conf.add("daemonize no");
      conf.add("save \"\"");
      conf.add("appendonly no");
      conf.add("protected-mode yes");
      conf.add("logfile " + dir.resolve("redis.log"));
      conf.addAll(extra);
      // Sentinel rewrites its configuration file: it must be writable and its own.
      Path confFile = dir.resolve("redis-" + port + ".conf");
      Files.write(confFile, conf, StandardCharsets.UTF_8);
      Process p =
          new ProcessBuilder(binary.toString(), confFile.toString())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("stdout.log").toFile())
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .start();
      RedisServer server = new RedisServer(p, port, dir);
      if (Processes.await(Duration.ofSeconds(10), () -> !p.isAlive() || server.ping())
          && p.isAlive()) {
        return server;
      }
      last = new AssertionError(pkg + " did not answer PING on port " + port + ": " + server.log());
      server.close();
    }
    throw last;
  }

  /** Whether it answers {@code PING} with {@code +PONG} within a second. */
  public boolean ping() {
    try (Socket s = new Socket()) {
      s.connect(address(), 1000);
      s.setSoTimeout(1000);
      OutputStream out = s.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] reply = in.readNBytes(7);
      return new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n");
    } catch (IOException e) {
      return false;
    }
  }

  /** What the server logged, for failure messages. */
  public String log() {
    try {
      Path log = dir.resolve("redis.log");
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "(no log)";
    } catch (IOException e) {
      return "(log unreadable: " + e.getMessage() + ")";
    }
  }

  /** Its TCP address. */
  public InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
  }

  /** Its TCP port on 127.0.0.1. */
  public int port() {
    return port;
  }

  /** Its process id. */
  public long pid() {
    return process.pid();
  }

  /** Kills it with SIGKILL at once, as a crash would, and waits until it is gone. */
  public void kill() {
    process.toHandle().destroyForcibly();
    process.onExit().join();
  }

  @Override
  public void close() {
    Processes.stop(process.toHandle(), Duration.ofSeconds(5));
  }
}
