package dev.mailfilter.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.cli.CommandTestSupport.Result;
import dev.mailfilter.smtp.SmtpServer;
import dev.mailfilter.smtp.SmtpSettings;
import dev.mailfilter.testkit.Processes;
import dev.mailfilter.testkit.SmtpClient;
import dev.mailfilter.testkit.SmtpSink;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mailfilter digest}: over a quarantine the gateway filled, to Postfix's smtp-sink. */
class DigestCommandTest {
  private static final String GTUBE =
      "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

  @TempDir Path dir;

  private Path config(int port, boolean baseUrl) throws IOException {
    Path c = dir.resolve(baseUrl ? "c.yaml" : "nourl.yaml");
    Files.writeString(
        c,
        "smtp:\n  host_name: gw.example\n  quarantine:\n    dir: \""
            + dir.resolve("q")
            + "\"\n"
            + (baseUrl ? "digest:\n  base_url: https://mail.example.net\n" : "")
            + "domains:\n  held.example:\n    action_overrides: {reject: quarantine}\n"
            + "    route: {host: 127.0.0.1, port: "
            + port
            + ", tls: none}\n");
    return c;
  }

  private static void holdOne(Path config) throws IOException {
    FilterConfig.Builder b = FilterConfig.builder();
    ServerSections.ALL.forEach(b::section);
    FilterConfig c = b.yaml(Files.readString(config)).build();
    SmtpSettings settings =
        c.section(SmtpSettings.SECTION)
            .withListen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    try (MailFilter filter = MailFilter.builder().config(c).build();
        SmtpServer server =
            SmtpServer.builder().filters(() -> filter).settings(settings).build().start();
        SmtpClient client =
            SmtpClient.connect(server.localAddress().getPort(), Duration.ofSeconds(30))) {
      client.send("EHLO c.example");
      client.send("MAIL FROM:<a@sender.example>");
      client.send("RCPT TO:<bob@held.example>");
      assertThat(client.data(("Subject: held\r\n\r\n" + GTUBE + "\r\n").getBytes(UTF_8)).code())
          .isEqualTo(250);
      client.send("QUIT");
    }
  }

  @Test
  void mailsEachRecipientOnceThenNothingNewAndKeepsItsKeyOwnerOnly() throws Exception {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    try (SmtpSink sink = SmtpSink.start(dir.resolve("sink"), 10)) {
      Path config = config(sink.port(), true);
      holdOne(config);
      Result r = CommandTestSupport.run("digest", "--config", config.toString());
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).contains("digest: 1 recipient(s) mailed, 1 message(s) listed, 0 refused");
      assertThat(Processes.await(Duration.ofSeconds(10), () -> sink.dumps().size() == 1)).isTrue();
      String mail = Files.readString(sink.dumps().getFirst(), UTF_8);
      assertThat(mail)
          .contains(
              "X-Rcpt-Args: <bob@held.example>", "From: Mail quarantine <quarantine@gw.example>")
          .contains("Reply-To: <postmaster@gw.example>");
      Path key = dir.resolve("q/digest/digest.key");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
          .isEqualTo("rw-------");

      Result again = CommandTestSupport.run("digest", "--config", config.toString());
      assertThat(again.out()).contains("digest: 0 recipient(s) mailed");
      assertThat(sink.dumps()).hasSize(1);
    }
  }

  @Test
  void refusesAConfigurationWithoutBaseUrlOrQuarantine() throws IOException {
    Path noUrl = config(25, false);
    Files.createDirectories(dir.resolve("q"));
    Result r = CommandTestSupport.run("digest", "--config", noUrl.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("digest.base_url is required");
    Path noQuarantine = dir.resolve("none.yaml");
    Files.writeString(noQuarantine, "digest:\n  base_url: https://mail.example.net\n");
    Result n = CommandTestSupport.run("digest", "--config", noQuarantine.toString());
    assertThat(n.code()).isEqualTo(2);
    assertThat(n.err()).contains("smtp.quarantine.dir");
    Result bad =
        CommandTestSupport.run("digest", "--config", dir.resolve("missing.yaml").toString());
    assertThat(bad.code()).isEqualTo(2);
    Path badUrl = dir.resolve("bad.yaml");
    Files.writeString(badUrl, "digest:\n  base_url: ftp://x\n");
    Result u = CommandTestSupport.run("digest", "--config", badUrl.toString());
    assertThat(u.code()).isEqualTo(2);
    assertThat(u.err()).contains("digest", "base_url");
  }
}
