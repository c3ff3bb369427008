package dev.mailfilter.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real rbldnsd on 127.0.0.1 and a free UDP port, serving zone files written by the test; ready
 * when it answers a query (polled with a deadline), stopped by its PID.
 */
public final class RbldnsdServer implements AutoCloseable {
  /** Where Debian's {@code rbldnsd} package puts the daemon. */
  public static final Path BINARY = Path.of("/usr/sbin/rbldnsd");

  private final Process process;
  private final int port;
  private final Path dir;

  private RbldnsdServer(Process process, int port, Path dir) {
    this.process = process;
    this.port = port;
    this.dir = dir;
  }

  /**
   * Starts rbldnsd with {@code zones}: zone name to "type:file" (files in {@code dir}, written by
   * the caller), e.g. {@code "bl.test" -> "ip4set:bl.zone"}.
   */
  public static RbldnsdServer start(Path dir, Map<String, String> zones) throws IOException {
    DebianPackage.require(BINARY, "rbldnsd");
    if (zones.isEmpty()) {
      throw new IllegalArgumentException("rbldnsd needs at least one zone");
    }
    // rbldnsd drops to user rbldns before reading the files: they must be world-readable.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    try (var files = Files.list(dir)) {
      for (Path p : files.toList()) {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
      }
    }
    AssertionError last = null;
    // A free port can be taken between the probe and rbldnsd's bind: try another.
    for (int attempt = 0; attempt < 3; attempt++) {
      int port = FreePort.udp();
      List<String> cmd = new ArrayList<>();
      cmd.addAll(
          List.of(
              BINARY.toString(),
              "-n",
              "-u",
              "rbldns",
              "-b",
              "127.0.0.1/" + port,
              "-w",
              dir.toString(),
              "-p",
              dir.resolve("rbldnsd.pid").toString(),
              "-c",
              "1s"));
      zones.forEach((zone, spec) -> cmd.add(zone + ":" + spec));
      Path log = dir.resolve("rbldnsd.log");
      Process p =
          new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      RbldnsdServer server = new RbldnsdServer(p, port, dir);
      try {
        server.awaitReady(zones.keySet().iterator().next(), Duration.ofSeconds(10));
        return server;
      } catch (AssertionError e) {
        server.close();
        last = e;
      }
    }
    throw last;
  }

  private void awaitReady(String zone, Duration timeout) throws IOException {
    DnsProbe.await(
        "rbldnsd",
        process,
        this::log,
        address(),
        DnsProbe.query(zone, 6, true),
        timeout,
        answer -> true);
  }

  /** What rbldnsd printed, for failure messages. */
  public String log() throws IOException {
    Path log = dir.resolve("rbldnsd.log");
    return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "(no log)";
  }

  /** The UDP address it answers on. */
  public InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
  }

  /** Its UDP port on 127.0.0.1. */
  public int port() {
    return port;
  }

  /** Its process id. */
  public long pid() {
    return process.pid();
  }

  @Override
  public void close() {
    Processes.stop(process.toHandle(), Duration.ofSeconds(5));
  }
}
