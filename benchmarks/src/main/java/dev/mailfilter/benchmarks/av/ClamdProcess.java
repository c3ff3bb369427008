package dev.mailfilter.benchmarks.av;

import dev.mailfilter.av.ClamdAddress;
import dev.mailfilter.av.ClamdClient;
import dev.mailfilter.av.ClamdSettings;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * A private clamd for benchmarks: loopback TCP on a free port plus a Unix socket, a two-signature
 * database that matches nothing in the corpus (so every message is scanned to its end), started in
 * the foreground and stopped by PID.
 */
final class ClamdProcess implements AutoCloseable {
  private final Process process;
  private final Path dir;
  final ClamdAddress tcp;
  final ClamdAddress unix;

  private ClamdProcess(Process process, Path dir, ClamdAddress tcp, ClamdAddress unix) {
    this.process = process;
    this.dir = dir;
    this.tcp = tcp;
    this.unix = unix;
  }

  static ClamdProcess start() throws IOException, InterruptedException {
    Path clamd = Path.of("/usr/sbin/clamd");
    if (!Files.isExecutable(clamd)) {
      throw new IllegalStateException(clamd + " not found: install Debian's clamav-daemon");
    }
    Path dir = Files.createTempDirectory("clamd-bench");
    Path db = Files.createDirectories(dir.resolve("db"));
    byte[] marker = new byte[32];
    new SplittableRandom(42).nextBytes(marker);
    String hex = HexFormat.of().formatHex(marker);
    Files.writeString(db.resolve("bench.ndb"), "Bench.Never.Body:0:*:" + hex + "\n");
    Files.writeString(db.resolve("bench.hdb"), hex.substring(0, 32) + ":32:Bench.Never.File\n");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path socket = dir.resolve("clamd.sock");
    Path conf = dir.resolve("clamd.conf");
    Files.write(
        conf,
        List.of(
            "DatabaseDirectory " + db,
            "TCPSocket " + port,
            "TCPAddr 127.0.0.1",
            "LocalSocket " + socket,
            "Foreground yes",
            "PidFile " + dir.resolve("clamd.pid"),
            "LogFile " + dir.resolve("clamd.log"),
            "StreamMaxLength 25M",
            "Bytecode no"),
        StandardCharsets.US_ASCII);
    Process p =
        new ProcessBuilder(clamd.toString(), "-c", conf.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("clamd.out").toFile())
            .start();
    ClamdProcess server =
        new ClamdProcess(p, dir, ClamdAddress.tcp("127.0.0.1", port), ClamdAddress.unix(socket));
    ClamdSettings quick =
        ClamdSettings.builder().connectTimeout(Duration.ofMillis(200)).poolSize(0).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    try (ClamdClient a = ClamdClient.create(quick.toBuilder().address(server.tcp).build());
        ClamdClient b = ClamdClient.create(quick.toBuilder().address(server.unix).build())) {
      while (!(a.ping() && b.ping())) {
        if (!p.isAlive() || System.nanoTime() > deadline) {
          server.close();
          throw new IllegalStateException("clamd did not start; see " + dir.resolve("clamd.out"));
        }
        p.waitFor(20, TimeUnit.MILLISECONDS);
      }
    }
    return server;
  }

  @Override
  public void close() {
    ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroy);
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    deleteTree(dir);
  }

  private static void deleteTree(Path root) {
    try (var walk = Files.walk(root)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // A leftover temp folder is harmless; the benchmark's figures are already taken.
    }
  }

  @Override
  public String toString() {
    return "clamd in " + dir;
  }
}
