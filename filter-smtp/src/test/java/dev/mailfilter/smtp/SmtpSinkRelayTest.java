package dev.mailfilter.smtp;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.MailFilter;
import dev.mailfilter.testkit.DebianPackage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Relaying to a real downstream: Postfix's {@code smtp-sink} (Debian package {@code postfix}),
 * which dumps each message it receives to a file with the envelope as {@code X-*-Args} lines.
 */
class SmtpSinkRelayTest {
  private static final Path SMTP_SINK = Path.of("/usr/sbin/smtp-sink");

  @Test
  void cleanMailArrivesAtSmtpSinkByteIdenticalApartFromOurHeaders(@TempDir Path dir)
      throws Exception {
    DebianPackage.require(SMTP_SINK, "postfix");
    Path dumps = dir.resolve("dumps");
    Files.createDirectory(dumps);
    // smtp-sink run as root drops to nobody, who must be able to write the dumps.
    Files.setPosixFilePermissions(dumps, PosixFilePermissions.fromString("rwxrwxrwx"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    List<String> command = new ArrayList<>(List.of(SMTP_SINK.toString()));
    if (System.getProperty("user.name").equals("root")) {
      command.addAll(List.of("-u", "nobody"));
    }
    command.addAll(List.of("-d", dumps + "/%M.", "127.0.0.1:" + port, "10"));
    Process sink = new ProcessBuilder(command).redirectErrorStream(true).start();
    try (MailFilter filter = SmtpServerTest.filter(SmtpServerTest.config(port, port));
        SmtpServer server = SmtpServerTest.server(filter, b -> {})) {
      awaitListening(port, sink);
      try (Client c = new Client(server.localAddress())) {
        c.reply();
        c.send("EHLO client.example\r\n");
        assertThat(c.reply()).contains("250-PIPELINING");
        c.send(
            "MAIL FROM:<alice@sender.example> BODY=8BITMIME\r\n"
                + "RCPT TO:<bob@ours.example> NOTIFY=SUCCESS,FAILURE\r\nDATA\r\n");
        assertThat(c.replies(3)).last().asString().startsWith("354");
        c.send(SmtpServerTest.stuffed(SmtpServerTest.CLEAN) + ".\r\n");
        assertThat(c.reply()).startsWith("250 2.0.0 Ok: queued as ");
      }
      List<Path> files;
      try (Stream<Path> s = Files.list(dumps)) {
        files = s.toList();
      }
      assertThat(files).hasSize(1);
      // smtp-sink writes LF line ends and one empty line after the message.
      String dump = Files.readString(files.getFirst(), UTF_8);
      assertThat(dump).contains("X-Mail-Args: <alice@sender.example> BODY=8BITMIME\n");
      assertThat(dump).contains("X-Rcpt-Args: <bob@ours.example> NOTIFY=SUCCESS,FAILURE\n");
      String relayed = dump.substring(dump.indexOf("Received: from client.example"));
      relayed = relayed.substring(0, relayed.length() - 1).replace("\n", "\r\n");
      assertThat(SmtpServerTest.withoutAddedFields(relayed.getBytes(UTF_8), SmtpServerTest.CLEAN))
          .isEqualTo(SmtpServerTest.CLEAN);
    } finally {
      sink.destroy();
      sink.waitFor();
    }
  }

  private static void awaitListening(int port, Process sink) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        assertThat(s.isConnected()).isTrue();
        return;
      } catch (IOException e) {
        assertThat(sink.isAlive())
            .as("smtp-sink running: %s", new String(sink.getInputStream().readNBytes(0), UTF_8))
            .isTrue();
        assertThat(System.nanoTime()).as("smtp-sink listening within 10 s").isLessThan(deadline);
        Thread.sleep(20);
      }
    }
  }
}
