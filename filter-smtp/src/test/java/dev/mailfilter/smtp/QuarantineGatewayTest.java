package dev.mailfilter.smtp;

import static dev.mailfilter.smtp.SmtpServerTest.GTUBE;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A quarantine verdict through a real socket: held durably, answered 250, released once. */
class QuarantineGatewayTest {
  @TempDir Path dir;
  private Downstream downstream;
  private MailFilter filter;
  private SmtpServer server;
  private Quarantine quarantine;

  @BeforeEach
  void start() throws IOException {
    downstream = new Downstream();
    filter = SmtpServerTest.filter(SmtpServerTest.config(downstream.port(), downstream.port()));
    quarantine =
        Quarantine.open(
            dir.resolve("q"),
            Duration.ofDays(7),
            Clock.systemUTC(),
            new Relay("gw.test", QuarantineTest.FAST));
    server = SmtpServerTest.server(filter, b -> b.quarantine(quarantine));
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
    filter.close();
    downstream.close();
  }

  private String gtube(SmtpServer s, String recipient) throws IOException {
    try (Client c = new Client(s.localAddress())) {
      assertThat(c.reply()).startsWith("220 ");
      c.send("EHLO client.example\r\n");
      assertThat(c.reply()).startsWith("250-");
      c.send("MAIL FROM:<a@sender.example>\r\nRCPT TO:<" + recipient + ">\r\nDATA\r\n");
      assertThat(c.replies(3)).last().asString().startsWith("354");
      c.send("Subject: test\r\n\r\n" + GTUBE + "\r\n.\r\n");
      return c.reply();
    }
  }

  @Test
  void quarantinedMessageIsStoredBefore250AndReleasedDownstreamOnce() throws Exception {
    assertThat(gtube(server, "bob@held.example")).startsWith("250 2.0.0 Ok: queued as ");
    assertThat(downstream.commands).isEmpty();

    // The 250 came after the files were written: a new store on the same directory sees it.
    Quarantine other = Quarantine.open(dir.resolve("q"), Duration.ofDays(7), "gw.test");
    List<QuarantineEntry> held = other.list(e -> true, Optional.empty(), 10).entries();
    assertThat(held).hasSize(1);
    QuarantineEntry e = held.getFirst();
    assertThat(e.from()).isEqualTo("a@sender.example");
    assertThat(e.recipients()).containsExactly("bob@held.example");
    assertThat(e.symbols()).contains("GTUBE");
    assertThat(e.tenant()).contains("held.example");
    assertThat(e.route().port()).isEqualTo(downstream.port());
    assertThat(other.list(e.tenant(), x -> true, Optional.empty(), 10).entries())
        .containsExactly(e);
    assertThat(server.stats().quarantined()).isEqualTo(1);
    assertThat(server.stats().toLogLine()).contains(" quarantined=1");
    try (InputStream in = other.message(e.id())) {
      String stored = new String(in.readAllBytes(), UTF_8);
      assertThat(stored).startsWith("Received: from client.example").endsWith(GTUBE + "\r\n");
    }

    assertThat(quarantine.release(e.id()).code()).isEqualTo(250);
    assertThat(downstream.messages).hasSize(1);
    assertThat(downstream.messages.getFirst().recipients()).containsExactly("bob@held.example");
    assertThatThrownBy(() -> other.release(e.id())).isInstanceOf(IllegalStateException.class);
    assertThat(downstream.messages).hasSize(1);
    assertThat(quarantine.show(e.id()).orElseThrow().isReleased()).isTrue();
  }

  @Test
  void aStoreThatCannotBeWrittenIsATemporaryFailureNotAnAccept() throws Exception {
    Path q = quarantine.directory();
    try (var files = Files.list(q)) {
      assertThat(files.map(f -> f.getFileName().toString())).containsExactly("index");
    }
    Files.delete(q.resolve("index/.built"));
    Files.delete(q.resolve("index"));
    Files.delete(q);
    Files.writeString(q, "not a directory"); // every write below it fails
    assertThat(gtube(server, "bob@held.example"))
        .isEqualTo("451 4.3.0 Error: local error in processing");
    assertThat(downstream.commands).isEmpty();
    assertThat(server.stats().quarantined()).isZero();
  }

  @Test
  void theSmtpSectionOpensTheQuarantineAtStart() throws Exception {
    Path q = dir.resolve("from-config");
    FilterConfig config =
        FilterConfig.builder()
            .section(SmtpSettings.SECTION)
            .yaml(
                "smtp:\n  quarantine:\n    dir: \""
                    + q
                    + "\"\n    lifetime: 2d\n"
                    + SmtpServerTest.config(downstream.port(), downstream.port()))
            .build();
    SmtpSettings settings = config.section(SmtpSettings.SECTION);
    assertThat(settings.quarantine()).contains(new Quarantine.Settings(q, Duration.ofDays(2)));
    try (MailFilter f = MailFilter.builder().config(config).build();
        SmtpServer s =
            SmtpServer.builder()
                .filters(() -> f)
                .settings(settings.withListen(new java.net.InetSocketAddress("127.0.0.1", 0)))
                .build()
                .start()) {
      assertThat(gtube(s, "bob@held.example")).startsWith("250 2.0.0 Ok: queued as ");
    }
    assertThat(
            Quarantine.open(q, Duration.ofDays(2), "gw.test")
                .list(e -> true, Optional.empty(), 5)
                .entries())
        .hasSize(1);
  }

  @Test
  void aQuarantineWithoutDirIsAConfigurationError() {
    assertThatThrownBy(
            () ->
                FilterConfig.builder()
                    .section(SmtpSettings.SECTION)
                    .yaml("smtp:\n  quarantine:\n    lifetime: 2d\n")
                    .build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("smtp.quarantine.dir")
        .hasMessageContaining("a quarantine needs its dir");
  }

  @Test
  void aMistypedQuarantineKeyIsAConfigurationErrorNotASilent451() {
    assertThatThrownBy(
            () ->
                FilterConfig.builder()
                    .section(SmtpSettings.SECTION)
                    .yaml("smtp:\n  quarantine:\n    dri: /var/q\n")
                    .build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("smtp.quarantine.dri")
        .hasMessageContaining("unknown key");
  }
}
