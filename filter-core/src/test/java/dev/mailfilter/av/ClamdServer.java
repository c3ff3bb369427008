package dev.mailfilter.av;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * A real clamd for tests: its own signature database made from the shared EICAR file at test time
 * (the raw EICAR string is never in the repository), its own config on a free loopback port and a
 * Unix socket, started in the foreground and stopped by PID.
 */
final class ClamdServer implements AutoCloseable {
  static final Path CLAMD = Path.of("/usr/sbin/clamd");
  static final String HDB_NAME = "Test.EICAR.File";
  static final String NDB_NAME = "Test.EICAR.Body";

  final Path dir;
  final int port;
  final Path socket;
  private final Process process;

  private ClamdServer(Path dir, int port, Path socket, Process process) {
    this.dir = dir;
    this.port = port;
    this.socket = socket;
    this.process = process;
  }

  /** The EICAR test file, decoded from the shared corpus. */
  static byte[] eicar() throws IOException {
    Path b64 =
        Path.of(System.getProperty("mailfilter.shared", "../shared"))
            .resolve("corpora/eicar/eicar.com.b64");
    if (!Files.isRegularFile(b64)) {
      throw new IllegalStateException("EICAR corpus file missing: " + b64.toAbsolutePath());
    }
    String text = Files.readString(b64, StandardCharsets.US_ASCII).replaceAll("\\s+", "");
    return Base64.getDecoder().decode(text);
  }

  /**
   * Starts clamd with {@code StreamMaxLength streamMaxLength} and waits (with a deadline) until it
   * answers PING on both sockets.
   */
  static ClamdServer start(Path dir, String streamMaxLength) throws Exception {
    if (!Files.isExecutable(CLAMD)) {
      throw new IllegalStateException(
          CLAMD + " not found: install the Debian package clamav-daemon (listed in .ci/packages)");
    }
    byte[] eicar = eicar();
    Path db = Files.createDirectories(dir.resolve("db"));
    // The same lines sigtool --md5 and a hand-written .ndb would hold: MD5:size:name and a body
    // signature (target 0 = any file, offset * = anywhere) matching the file's bytes.
    Files.writeString(
        db.resolve("test.hdb"),
        md5(eicar) + ":" + eicar.length + ":" + HDB_NAME + "\n",
        StandardCharsets.US_ASCII);
    Files.writeString(
        db.resolve("test.ndb"),
        NDB_NAME + ":0:*:" + HexFormat.of().formatHex(eicar) + "\n",
        StandardCharsets.US_ASCII);
    int port = freePort();
    Path socket = dir.resolve("clamd.sock");
    Path conf = dir.resolve("clamd.conf");
    // No User line: clamd keeps the identity of the test (root in CI) and owns every file here.
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
            "StreamMaxLength " + streamMaxLength,
            "Bytecode no"),
        StandardCharsets.US_ASCII);
    Process process =
        new ProcessBuilder(CLAMD.toString(), "-c", conf.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("clamd.out").toFile())
            .start();
    ClamdServer server = new ClamdServer(dir, port, socket, process);
    try {
      server.awaitReady(Duration.ofSeconds(30));
    } catch (Exception | AssertionError e) {
      server.close();
      throw e;
    }
    return server;
  }

  private void awaitReady(Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    ClamdSettings quick =
        ClamdSettings.builder()
            .connectTimeout(Duration.ofMillis(200))
            .readTimeout(Duration.ofSeconds(2))
            .build();
    try (ClamdClient tcp = ClamdClient.create(quick.toBuilder().address(tcpAddress()).build());
        ClamdClient unix = ClamdClient.create(quick.toBuilder().address(unixAddress()).build())) {
      while (!(tcp.ping() && unix.ping())) {
        if (!process.isAlive()) {
          throw new IllegalStateException(
              "clamd exited with " + process.exitValue() + ": " + log());
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "clamd did not answer PING within " + timeout + ": " + log());
        }
        // Polling interval only; readiness is the condition above, bounded by the deadline.
        process.waitFor(20, java.util.concurrent.TimeUnit.MILLISECONDS);
      }
    }
  }

  ClamdAddress tcpAddress() {
    return ClamdAddress.tcp("127.0.0.1", port);
  }

  ClamdAddress unixAddress() {
    return ClamdAddress.unix(socket);
  }

  String log() {
    try {
      StringBuilder sb = new StringBuilder();
      for (String name : List.of("clamd.out", "clamd.log")) {
        Path p = dir.resolve(name);
        if (Files.exists(p)) {
          sb.append(Files.readString(p, StandardCharsets.ISO_8859_1));
        }
      }
      return sb.toString();
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /** Stops clamd by its PID and waits for it to exit. */
  @Override
  public void close() {
    ProcessHandle handle = ProcessHandle.of(process.pid()).orElse(null);
    if (handle == null || !handle.isAlive()) {
      return;
    }
    handle.destroy();
    try {
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        handle.destroyForcibly();
        process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      handle.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static String md5(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JDK has MD5", e);
    }
  }
}
