package dev.mailfilter.smtp;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.MailFilter;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real client: Jakarta Mail (Angus Mail) sends through the gateway to a downstream, plain and
 * with STARTTLS, 8-bit, UTF-8 addresses and a 20 MB message. Each copy that arrives is what the
 * client wrote, apart from our fields.
 */
class AngusMailInteropTest {
  @TempDir Path dir;

  private Downstream downstream;
  private MailFilter filter;
  private SmtpServer server;
  private TestCertificates.Pair pair;

  @BeforeEach
  void start() throws Exception {
    pair = TestCertificates.rsa(dir, "server");
    Optional<SmtpTls> tls = Optional.of(SmtpTls.load(pair.certificate(), pair.key()));
    downstream = new Downstream();
    filter = SmtpServerTest.filter(SmtpServerTest.config(downstream.port(), downstream.port()));
    server = SmtpServerTest.server(filter, b -> b.tls(() -> tls));
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    filter.close();
    downstream.close();
  }

  private Session session(boolean startTls) throws Exception {
    Properties p = new Properties();
    p.put("mail.smtp.host", "127.0.0.1");
    p.put("mail.smtp.port", Integer.toString(server.localAddress().getPort()));
    p.put("mail.smtp.localhost", "client.example");
    p.put("mail.smtp.connectiontimeout", "10000");
    p.put("mail.smtp.timeout", "60000");
    p.put("mail.smtp.allow8bitmime", "true");
    p.put("mail.mime.allowutf8", "true");
    if (startTls) {
      p.put("mail.smtp.starttls.enable", "true");
      p.put("mail.smtp.starttls.required", "true");
      p.put("mail.smtp.ssl.socketFactory", pair.trustingClient().getSocketFactory());
      p.put("mail.smtp.ssl.checkserveridentity", "true");
    }
    return Session.getInstance(p);
  }

  /** Sends {@code m} and returns the bytes the client wrote for it. */
  private static String send(MimeMessage m) throws Exception {
    Transport.send(m);
    ByteArrayOutputStream sent = new ByteArrayOutputStream();
    m.writeTo(sent);
    return sent.toString(UTF_8);
  }

  private MimeMessage message(Session s, String to, String text) throws Exception {
    MimeMessage m = new MimeMessage(s);
    m.setFrom(new InternetAddress("alice@sender.example"));
    m.setRecipient(Message.RecipientType.TO, new InternetAddress(to));
    m.setSubject("Interop", "UTF-8");
    m.setText(text, "UTF-8");
    return m;
  }

  private String arrived(String sent) {
    assertThat(downstream.messages).hasSize(1);
    return SmtpServerTest.withoutAddedFields(downstream.messages.getFirst().content(), sent);
  }

  @Test
  void plainMessageArrivesAsSent() throws Exception {
    String sent = send(message(session(false), "bob@ours.example", "Hello,\r\n.dot line\r\n"));
    assertThat(arrived(sent)).isEqualTo(sent);
    assertThat(new String(downstream.messages.getFirst().content(), UTF_8))
        .contains("with ESMTP id ");
  }

  @Test
  void startTlsMessageArrivesAsSent() throws Exception {
    String sent = send(message(session(true), "bob@ours.example", "Over TLS.\r\n"));
    assertThat(arrived(sent)).isEqualTo(sent);
    assertThat(new String(downstream.messages.getFirst().content(), UTF_8))
        .contains("with ESMTPS id ");
  }

  @Test
  void eightBitBodyArrivesUnencoded() throws Exception {
    MimeMessage m = message(session(true), "bob@ours.example", "Grüße aus Köln, ½ € zu zahlen\r\n");
    m.setHeader("Content-Transfer-Encoding", "8bit");
    String sent = send(m);
    assertThat(sent).contains("Grüße aus Köln");
    assertThat(arrived(sent)).isEqualTo(sent);
  }

  @Test
  void utf8AddressesGoWithSmtpUtf8() throws Exception {
    MimeMessage m = new MimeMessage(session(false));
    m.setFrom(new InternetAddress("jörg@sender.example"));
    m.setRecipient(Message.RecipientType.TO, new InternetAddress("bjørn@bücher.example"));
    m.setSubject("Grüße", "UTF-8");
    m.setText("Hej Bjørn\r\n", "UTF-8");
    String sent = send(m);
    assertThat(arrived(sent)).isEqualTo(sent);
    Downstream.Received r = downstream.messages.getFirst();
    assertThat(r.from()).isEqualTo("jörg@sender.example");
    assertThat(r.mailParameters()).contains("SMTPUTF8");
    assertThat(r.recipients()).singleElement().asString().startsWith("bjørn@");
  }

  @Test
  void twentyMegabyteMessageArrivesWhole() throws Exception {
    StringBuilder body = new StringBuilder(21_000_000);
    String line = "0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789\r\n";
    while (body.length() < 20_000_000) {
      body.append(body.length() % 7 == 0 ? "." : "").append(line);
    }
    String sent = send(message(session(true), "bob@ours.example", body.toString()));
    assertThat(sent.length()).isGreaterThan(20_000_000);
    assertThat(arrived(sent)).isEqualTo(sent);
  }
}
