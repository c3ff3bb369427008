package dev.mailfilter.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Postfix's {@code smtp-sink} (Debian package {@code postfix}) on 127.0.0.1 and a free port, with
 * {@code -d}: each message it answered 250 is one file in {@link #dumps()}, the envelope first as
 * {@code X-*-Args} lines. A transaction cut off before its final dot leaves no file (smtp-sink
 * removes the partial dump), so the files are exactly the messages it accepted.
 */
public final class SmtpSink implements AutoCloseable {
  private static final Path SMTP_SINK = Path.of("/usr/sbin/smtp-sink");

  private final Process process;
  private final int port;
  private final Path dumps;
  private final Path log;

  private SmtpSink(Process process, int port, Path dumps, Path log) {
    this.process = process;
    this.port = port;
    this.dumps = dumps;
    this.log = log;
  }

  /**
   * Starts smtp-sink with its dumps in {@code dir/dumps} and a listen backlog of {@code backlog};
   * fails naming the Debian package when smtp-sink is not installed. Run as root, smtp-sink works
   * as {@code nobody}: {@code dir} is made writable for all, and its parents must be searchable.
   */
  public static SmtpSink start(Path dir, int backlog) throws IOException {
    DebianPackage.require(SMTP_SINK, "postfix");
    Path dumps = Files.createDirectories(dir.resolve("dumps"));
    // Run as root, smtp-sink drops to nobody (-u), who must be able to write the dumps.
    Files.setPosixFilePermissions(dumps, PosixFilePermissions.fromString("rwxrwxrwx"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    AssertionError last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      // FreePort's port may be taken between the probe and smtp-sink's bind: then try another.
      int port = FreePort.tcp();
      List<String> command = new ArrayList<>(List.of(SMTP_SINK.toString()));
      if ("root".equals(System.getProperty("user.name"))) {
        command.addAll(List.of("-u", "nobody"));
      }
      command.addAll(
          List.of("-d", dumps + "/%H%M%S.", "127.0.0.1:" + port, Integer.toString(backlog)));
      Path log = Files.createTempFile(dir, "smtp-sink-", ".log");
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .start();
      SmtpSink sink = new SmtpSink(p, port, dumps, log);
      if (Processes.await(Duration.ofSeconds(10), () -> sink.accepts() || !p.isAlive())
          && p.isAlive()) {
        return sink;
      }
      sink.close();
      last = new AssertionError("smtp-sink did not listen on port " + port + ": " + sink.log());
    }
    throw last;
  }

  private boolean accepts() {
    try {
      new Socket(InetAddress.getLoopbackAddress(), port).close();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The port it listens on, on 127.0.0.1. */
  public int port() {
    return port;
  }

  /** One file per message it accepted, in no particular order. */
  public List<Path> dumps() {
    try (Stream<Path> s = Files.list(dumps)) {
      return s.toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What smtp-sink printed (only errors, without {@code -v}). */
  public String log() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  @Override
  public void close() {
    Processes.stop(process.toHandle(), Duration.ofSeconds(5));
  }
}
