package dev.mailfilter.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.MailFilter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** STARTTLS on a real socket (RFC 3207), with a JDK TLS client. */
class StartTlsTest {
  @TempDir Path dir;

  private Downstream downstream;
  private MailFilter filter;
  private SmtpServer server;
  private TestCertificates.Pair pair;
  private final AtomicReference<Optional<SmtpTls>> tls = new AtomicReference<>(Optional.empty());

  @BeforeEach
  void start() throws Exception {
    pair = TestCertificates.rsa(dir, "server");
    tls.set(Optional.of(SmtpTls.load(pair.certificate(), pair.key())));
    downstream = new Downstream();
    filter = SmtpServerTest.filter(SmtpServerTest.config(downstream.port(), downstream.port()));
    server = SmtpServerTest.server(filter, b -> b.tls(tls::get));
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
    filter.close();
    downstream.close();
  }

  private Client client() throws IOException {
    Client c = new Client(server.localAddress());
    assertThat(c.reply()).startsWith("220 gw.test ");
    return c;
  }

  private SSLSession upgrade(Client c, String... protocols) throws Exception {
    c.send("EHLO client.example\r\n");
    assertThat(c.reply()).contains("250-STARTTLS");
    c.send("STARTTLS\r\n");
    assertThat(c.reply()).isEqualTo("220 2.0.0 Ready to start TLS");
    return c.startTls(pair.trustingClient().getSocketFactory(), protocols);
  }

  @Test
  void startTlsIsOfferedOnlyWhenConfigured() throws Exception {
    try (Client c = client()) {
      c.send("EHLO client.example\r\n");
      assertThat(c.reply()).contains("250-STARTTLS");
    }
    tls.set(Optional.empty());
    try (Client c = client()) {
      c.send("EHLO client.example\r\n");
      assertThat(c.reply()).doesNotContain("STARTTLS");
      c.send("STARTTLS\r\n");
      assertThat(c.reply()).startsWith("502 5.5.1");
    }
  }

  @Test
  void afterTheHandshakeEverythingIsResetAndMailIsRelayed() throws Exception {
    try (Client c = client()) {
      SSLSession s = upgrade(c, "TLSv1.3");
      assertThat(s.getProtocol()).isEqualTo("TLSv1.3");
      // RFC 3207 section 4.2: the EHLO before the handshake is forgotten.
      c.send("MAIL FROM:<alice@sender.example>\r\n");
      assertThat(c.reply()).startsWith("503");
      c.send("EHLO client.example\r\n");
      String ehlo = c.reply();
      assertThat(ehlo).contains("250-PIPELINING").doesNotContain("STARTTLS");
      c.send("STARTTLS\r\n");
      assertThat(c.reply()).startsWith("502 5.5.1");
      c.send("MAIL FROM:<alice@sender.example>\r\nRCPT TO:<bob@ours.example>\r\nDATA\r\n");
      assertThat(c.replies(3)).last().asString().startsWith("354");
      c.send(SmtpServerTest.stuffed(SmtpServerTest.CLEAN) + ".\r\n");
      assertThat(c.reply()).startsWith("250 2.0.0 Ok: queued as ");
    }
    assertThat(downstream.messages).hasSize(1);
    String relayed = new String(downstream.messages.getFirst().content(), "UTF-8");
    assertThat(relayed).contains("with ESMTPS id ");
    assertThat(
            SmtpServerTest.withoutAddedFields(
                downstream.messages.getFirst().content(), SmtpServerTest.CLEAN))
        .isEqualTo(SmtpServerTest.CLEAN);
  }

  @Test
  void tls12IsAccepted() throws Exception {
    try (Client c = client()) {
      assertThat(upgrade(c, "TLSv1.2").getProtocol()).isEqualTo("TLSv1.2");
      c.send("EHLO client.example\r\n");
      assertThat(c.reply()).startsWith("250-gw.test");
    }
  }

  @Test
  void tls11AndOlderAreRefused() throws Exception {
    try (Client c = client()) {
      c.send("EHLO client.example\r\n");
      assertThat(c.reply()).contains("250-STARTTLS");
      c.send("STARTTLS\r\n");
      assertThat(c.reply()).isEqualTo("220 2.0.0 Ready to start TLS");
      SSLContext old = pair.trustingClient();
      assertThatThrownBy(() -> c.startTls(old.getSocketFactory(), "TLSv1.1", "TLSv1"))
          .isInstanceOf(IOException.class);
    }
  }

  @Test
  void commandsPipelinedBehindStartTlsAreDiscarded() throws Exception {
    // CVE-2011-0411: plain text sent in the same write as STARTTLS must not be answered as if it
    // had come over TLS. With forbid_unauth_pipelining (the default) the client is disconnected
    // instead (below); this is the defence that remains when it is turned off.
    server.close();
    server = SmtpServerTest.server(filter, b -> b.tls(tls::get).forbidUnauthPipelining(false));
    try (Client c = client()) {
      c.send("EHLO client.example\r\n");
      assertThat(c.reply()).contains("250-STARTTLS");
      c.send("STARTTLS\r\nRSET\r\nMAIL FROM:<evil@sender.example>\r\n");
      assertThat(c.reply()).isEqualTo("220 2.0.0 Ready to start TLS");
      c.startTls(pair.trustingClient().getSocketFactory(), "TLSv1.3");
      c.send("NOOP\r\n");
      // The first reply over TLS is NOOP's: nothing answered RSET, and no MAIL was taken.
      assertThat(c.reply()).isEqualTo("250 Ok");
      c.send("EHLO client.example\r\nRCPT TO:<bob@ours.example>\r\n");
      assertThat(c.replies(2)).last().asString().startsWith("503 5.5.1 Error: need MAIL");
    }
  }

  @Test
  void aNewCertificateAppliesToTheNextConnection() throws Exception {
    TestCertificates.Pair renewed = TestCertificates.ec(dir, "renewed");
    tls.set(Optional.of(SmtpTls.load(renewed.certificate(), renewed.key())));
    pair = renewed;
    try (Client c = client()) {
      SSLSession s = upgrade(c, "TLSv1.3");
      assertThat(s.getPeerCertificates()[0].getPublicKey().getAlgorithm()).isEqualTo("EC");
    }
  }

  @Test
  void anIdleTlsClientGets421WhenTheServerCloses() throws Exception {
    try (Client c = client()) {
      upgrade(c, "TLSv1.3");
      c.send("EHLO client.example\r\n");
      assertThat(c.reply()).startsWith("250-gw.test");
      server.close();
      assertThat(c.reply()).startsWith("421 4.3.2");
    }
  }

  @Test
  void startTlsInsideATransactionIsRefused() throws Exception {
    try (Client c = client()) {
      c.send("EHLO client.example\r\n");
      assertThat(c.reply()).contains("250-STARTTLS");
      c.send("MAIL FROM:<alice@sender.example>\r\nSTARTTLS\r\n");
      assertThat(c.replies(2))
          .containsExactly("250 2.1.0 Ok", "503 5.5.1 Error: STARTTLS inside a transaction");
      c.send("RSET\r\nSTARTTLS\r\n");
      assertThat(c.replies(2)).containsExactly("250 2.0.0 Ok", "220 2.0.0 Ready to start TLS");
    }
  }

  @Test
  void commandsPipelinedBehindStartTlsEndTheConnectionByDefault() throws Exception {
    try (Client c = client()) {
      c.send("EHLO client.example\r\n");
      assertThat(c.reply()).contains("250-STARTTLS");
      c.send("STARTTLS\r\nMAIL FROM:<evil@sender.example>\r\n");
      assertThat(c.reply()).isEqualTo("554 5.5.0 Error: SMTP protocol synchronization");
      assertThat(c.closedByServer()).isTrue();
    }
  }
}
