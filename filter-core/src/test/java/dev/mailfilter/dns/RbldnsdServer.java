package dev.mailfilter.dns;

import java.io.IOException;
import java.net.DatagramSocket;
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
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A real rbldnsd on 127.0.0.1 and a free UDP port, serving zone files written by the test; ready
 * when it answers a query (polled with a deadline), stopped by its PID.
 */
final class RbldnsdServer implements AutoCloseable {
  static final Path BINARY = Path.of("/usr/sbin/rbldnsd");

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
  static RbldnsdServer start(Path dir, Map<String, String> zones) throws Exception {
    if (!Files.isExecutable(BINARY)) {
      throw new AssertionError(
          BINARY + " is missing: install the Debian package rbldnsd (listed in .ci/packages)");
    }
    // rbldnsd drops to user rbldns before reading the files: they must be world-readable.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    try (var files = Files.list(dir)) {
      for (Path p : files.toList()) {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
      }
    }
    AssertionError last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      int port;
      try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
        port = probe.getLocalPort();
      }
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
      String probeZone = zones.keySet().iterator().next();
      try {
        server.awaitReady(probeZone, Duration.ofSeconds(10));
        return server;
      } catch (AssertionError e) {
        server.close();
        last = e;
      }
    }
    throw last;
  }

  private void awaitReady(String zone, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    SimpleResolver r = new SimpleResolver(address());
    r.setTimeout(Duration.ofMillis(100));
    Message q = Message.newQuery(Record.newRecord(Name.fromString(zone + "."), Type.A, DClass.IN));
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("rbldnsd exited with " + process.exitValue() + ": " + log());
      }
      try {
        r.send(q);
        return;
      } catch (IOException notYet) {
        // not listening yet: poll again
      }
    }
    throw new AssertionError("rbldnsd did not answer within " + timeout + ": " + log());
  }

  String log() throws IOException {
    Path log = dir.resolve("rbldnsd.log");
    return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "(no log)";
  }

  InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
  }

  long pid() {
    return process.pid();
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
