package dev.mailfilter.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.MailFilter;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SmtpServer#update}: the keys that can change while the server runs reach the next
 * connection; the others are returned by name and left as they run.
 */
class SmtpServerUpdateTest {
  private Downstream downstream;
  private MailFilter filter;
  private SmtpServer server;
  private SmtpSettings started;

  @BeforeEach
  void start() throws IOException {
    downstream = new Downstream();
    filter = SmtpServerTest.filter(SmtpServerTest.config(downstream.port(), downstream.port()));
    started =
        SmtpSettings.defaults()
            .withListen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .withHostName("gw.test")
            .withDrainTimeout(Duration.ofSeconds(5));
    server = SmtpServer.builder().filters(() -> filter).settings(started).build().start();
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
    filter.close();
    downstream.close();
  }

  private Client ehlo() throws IOException {
    Client c = new Client(server.localAddress());
    assertThat(c.reply()).startsWith("220 gw.test ");
    c.send("EHLO client.example\r\n");
    return c;
  }

  @Test
  void theRunningSettingsChangeNothing() throws IOException {
    assertThat(server.update(started)).isEmpty();
    assertThat(server.settings()).isEqualTo(started);
    try (Client c = ehlo()) {
      assertThat(c.reply()).contains("250-SIZE " + SmtpLimits.DEFAULT_MAX_MESSAGE_SIZE);
    }
  }

  @Test
  void liveKeysReachTheNextConnectionAndTheOthersAreNamed() throws IOException {
    SmtpSettings next =
        started
            .withListen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 1))
            .withHostName("renamed.test")
            .withMaxRecipients(1)
            .withLimits(started.limits().withMaxMessageSize(4096))
            .withDrainTimeout(Duration.ofSeconds(7));

    assertThat(server.update(next)).containsExactly("listen", "host_name");

    assertThat(server.settings())
        .isEqualTo(next.withListen(started.listen()).withHostName("gw.test"));
    try (Client c = ehlo()) {
      // The banner kept its name; the size limit and the recipient limit are the new ones.
      assertThat(c.reply()).startsWith("250-gw.test ").contains("250-SIZE 4096");
      c.send(
          "MAIL FROM:<a@sender.example>\r\nRCPT TO:<a@ours.example>\r\nRCPT TO:<b@ours.example>\r\n");
      assertThat(c.replies(3))
          .containsExactly("250 2.1.0 Ok", "250 2.1.5 Ok", "452 4.5.3 Error: too many recipients");
    }
  }

  @Test
  void pipeliningPolicyAndProxyBalancersChangeLive() throws IOException {
    assertThat(server.update(started.withForbidUnauthPipelining(false))).isEmpty();
    try (Client c = new Client(server.localAddress())) {
      assertThat(c.reply()).startsWith("220 ");
      // Pipelined after HELO, which does not offer it: tolerated now.
      c.send("HELO client.example\r\nMAIL FROM:<a@sender.example>\r\n");
      assertThat(c.replies(2)).last().asString().startsWith("250");
    }
    SmtpSettings.Proxy loopback =
        new SmtpSettings.Proxy(
            List.of(dev.mailfilter.config.IpRange.parse("127.0.0.0/8")), Duration.ofSeconds(1));
    assertThat(server.update(started.withProxy(loopback))).isEmpty();
    try (Client c = new Client(server.localAddress())) {
      // From a balancer now: a PROXY header first, then the banner, for the header's client.
      c.send("PROXY TCP4 198.51.100.7 127.0.0.1 40000 25\r\n");
      assertThat(c.reply()).startsWith("220 gw.test ");
      c.send("EHLO client.example\r\n");
      assertThat(c.reply()).startsWith("250-gw.test Hello client.example [198.51.100.7]");
    }
  }

  @Test
  void aLowerPerClientLimitRefusesTheNextConnection() throws Exception {
    assertThat(server.update(started.withMaxConnectionsPerClient(1))).isEmpty();
    try (Client first = new Client(server.localAddress());
        Client second = new Client(server.localAddress())) {
      assertThat(first.reply()).startsWith("220 ");
      assertThat(second.reply())
          .isEqualTo("421 gw.test Error: too many connections from your address");
    }
    SmtpServerTest.await(() -> server.stats().open() == 0);
    assertThat(server.update(started)).isEmpty();
    try (Client first = new Client(server.localAddress());
        Client second = new Client(server.localAddress())) {
      assertThat(first.reply()).startsWith("220 ");
      assertThat(second.reply()).startsWith("220 ");
    }
  }

  @Test
  void aChangedQuarantineNeedsARestart() {
    SmtpSettings next =
        started.withQuarantine(
            Optional.of(
                new Quarantine.Settings(
                    java.nio.file.Path.of("/nonexistent"), Duration.ofDays(1))));
    assertThat(server.update(next)).containsExactly("quarantine");
    assertThat(server.settings().quarantine()).isEmpty();
  }

  @Test
  void aCertificateGivenByUpdateIsOfferedToTheNextConnection(@TempDir Path dir) throws Exception {
    try (Client c = ehlo()) {
      assertThat(c.reply()).doesNotContain("STARTTLS");
    }
    TestCertificates.Pair pair = TestCertificates.rsa(dir, "server");
    SmtpTls tls = SmtpTls.load(pair.certificate(), pair.key());
    assertThat(server.update(started.withTls(Optional.of(tls)))).isEmpty();
    assertThat(server.settings().tls()).contains(tls);
    try (Client c = ehlo()) {
      assertThat(c.reply()).contains("250-STARTTLS");
    }
  }
}
