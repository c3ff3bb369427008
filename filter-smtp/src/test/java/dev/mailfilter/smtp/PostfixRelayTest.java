package dev.mailfilter.smtp;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.testkit.DnsmasqServer;
import dev.mailfilter.testkit.PostfixInstance;
import dev.mailfilter.testkit.Processes;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Postfix (Debian's {@code postfix}) as the customer's server, delivering to a Maildir, with
 * a certificate issued at test time by a test CA for {@code mx.test.local} and {@code 127.0.0.1};
 * MX routes looked up in a real {@code dnsmasq}. The delivered copy is the sent message byte for
 * byte under Postfix's own trace fields and our {@code Received}; each TLS policy is checked by the
 * {@code with ESMTP}/{@code ESMTPS} of Postfix's {@code Received}; pooling by Postfix's log.
 */
class PostfixRelayTest {
  private static final Pattern CONNECT = Pattern.compile("smtpd\\[\\d+\\]: connect from ");
  private static final Pattern TLS_ESTABLISHED =
      Pattern.compile("smtpd\\[\\d+\\]: Anonymous TLS connection established from ");
  private static final Pattern DISCONNECT = Pattern.compile("smtpd\\[\\d+\\]: disconnect from ");

  @TempDir static Path dir;

  private static PostfixInstance postfix;
  private static DnsmasqServer dns;
  private static TestCertificates.Pair ca;

  @BeforeAll
  static void start() throws IOException {
    ca = TestCertificates.authority(dir, "ca");
    TestCertificates.Pair server =
        TestCertificates.issued(dir, "mx.test.local", ca, "DNS:mx.test.local,IP:127.0.0.1");
    for (Path p : List.of(server.certificate(), server.key())) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
    }
    Path dnsDir = Files.createDirectory(dir.resolve("dns"));
    dns =
        DnsmasqServer.start(
            dnsDir,
            List.of(
                "--local=/test/",
                "--mx-host=tls.test,mx.test.local,10",
                "--host-record=mx.test.local,127.0.0.1",
                "--mx-host=wrong.test,other.test.local,10",
                "--host-record=other.test.local,127.0.0.1"));
    postfix =
        PostfixInstance.builder()
            .set("smtpd_tls_cert_file", server.certificate().toString())
            .set("smtpd_tls_key_file", server.key().toString())
            .set("smtpd_tls_security_level", "may")
            .set("smtpd_tls_loglevel", "1")
            .start(Files.createDirectory(dir.resolve("postfix")));
  }

  @AfterAll
  static void stop() {
    if (postfix != null) {
      postfix.close();
    }
    if (dns != null) {
      dns.close();
    }
  }

  private static MailFilter filter(String host, boolean mx, String tls) {
    return SmtpServerTest.filter(
        "dns:\n  servers: [\"127.0.0.1:"
            + dns.port()
            + "\"]\ndomains:\n  example.test:\n    route: {host: "
            + host
            + ", mx: "
            + mx
            + ", port: "
            + postfix.smtpPort()
            + ", tls: "
            + tls
            + "}\n");
  }

  private static RelaySettings trustingTestCa() {
    return RelaySettings.defaults()
        .withTrustCertificates(RelaySettings.loadTrustCertificates(ca.certificate()));
  }

  /** Sends {@code count} messages, each in its own client session; their replies. */
  private static List<String> send(
      String host, boolean mx, String tls, Consumer<SmtpServer.Builder> more, int count)
      throws IOException {
    try (MailFilter filter = filter(host, mx, tls);
        SmtpServer server = SmtpServerTest.server(filter, more)) {
      String[] replies = new String[count];
      for (int i = 0; i < count; i++) {
        replies[i] = RelayPoolTest.send(server, "bob@example.test");
      }
      return Arrays.asList(replies);
    }
  }

  /**
   * The delivered copy, checked to be the sent message exactly under Postfix's Return-Path,
   * X-Original-To, Delivered-To and Received and our Received, with the filter's X-Spam-* fields at
   * the end of the header; returns Postfix's Received.
   */
  private static String postfixReceived(Path delivered) throws IOException {
    // The Maildir copy has LF line ends; the message went out with CRLF.
    String copy = Files.readString(delivered, UTF_8).replace("\n", "\r\n");
    int headerEnd = copy.indexOf("\r\n\r\n") + 2;
    List<String> fields = List.of(copy.substring(0, headerEnd).split("\r\n(?![ \t])"));
    assertThat(fields.subList(0, 5).stream().map(f -> f.substring(0, f.indexOf(':'))))
        .as(copy)
        .containsExactly("Return-Path", "X-Original-To", "Delivered-To", "Received", "Received");
    assertThat(fields.get(0)).isEqualTo("Return-Path: <alice@sender.example>");
    assertThat(fields.get(3)).contains("by mx.test.local (Postfix)");
    assertThat(fields.get(4)).startsWith("Received: from client.example (").contains("by gw.test");
    StringBuilder kept = new StringBuilder();
    for (String f : fields.subList(5, fields.size())) {
      if (SmtpServerTest.CLEAN.contains(f + "\r\n")) {
        kept.append(f).append("\r\n");
      } else {
        assertThat(f).as("a field the message did not have").startsWith("X-Spam-");
      }
    }
    assertThat(kept + copy.substring(headerEnd)).isEqualTo(SmtpServerTest.CLEAN);
    return fields.get(3);
  }

  private static Path deliveredOne(int before) throws IOException {
    List<Path> all = postfix.awaitDelivered(before + 1, Duration.ofSeconds(30));
    assertThat(all).as(postfix.log()).hasSize(before + 1);
    return all.getLast();
  }

  @Test
  void plainRouteDeliversTheMessageByteIdenticalToTheMaildir() throws Exception {
    int before = postfix.delivered().size();
    assertThat(send("127.0.0.1", false, "none", b -> {}, 1))
        .singleElement()
        .asString()
        .startsWith("250 2.0.0 Ok: queued as ");
    assertThat(postfixReceived(deliveredOne(before))).contains("with ESMTP id");
  }

  @Test
  void mayUsesStartTlsWhenOffered() throws Exception {
    int before = postfix.delivered().size();
    assertThat(send("127.0.0.1", false, "may", b -> {}, 1))
        .singleElement()
        .asString()
        .startsWith("250 ");
    assertThat(postfixReceived(deliveredOne(before))).contains("with ESMTPS id");
  }

  @Test
  void encryptTakesACertificateNobodyVouchesFor() throws Exception {
    int before = postfix.delivered().size();
    assertThat(send("127.0.0.1", false, "encrypt", b -> {}, 1))
        .singleElement()
        .asString()
        .startsWith("250 ");
    assertThat(postfixReceived(deliveredOne(before))).contains("with ESMTPS id");
  }

  @Test
  void verifyPassesWithTheTestCaForTheRoutesAddress() throws Exception {
    int before = postfix.delivered().size();
    assertThat(send("127.0.0.1", false, "verify", b -> b.relay(trustingTestCa()), 1))
        .singleElement()
        .asString()
        .startsWith("250 ");
    assertThat(postfixReceived(deliveredOne(before))).contains("with ESMTPS id");
  }

  @Test
  void verifyChecksTheMxHostNameOfAnMxRouteWithTheBundleOfTheSmtpRelaySection() throws Exception {
    int before = postfix.delivered().size();
    SmtpSettings settings =
        FilterConfig.builder()
            .section(SmtpSettings.SECTION)
            .yaml("smtp:\n  relay:\n    trust_certificates: " + ca.certificate() + "\n")
            .build()
            .section(SmtpSettings.SECTION)
            .withListen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    assertThat(send("tls.test", true, "verify", b -> b.settings(settings).hostName("gw.test"), 1))
        .singleElement()
        .asString()
        .startsWith("250 ");
    assertThat(postfixReceived(deliveredOne(before))).contains("with ESMTPS id");
  }

  @Test
  void verifyFailsWith451WithoutTheTestCa() throws Exception {
    int before = postfix.delivered().size();
    assertThat(send("127.0.0.1", false, "verify", b -> {}, 1))
        .singleElement()
        .asString()
        .startsWith("451 4.7.5 TLS with 127.0.0.1 failed: ")
        .contains("certification path");
    assertThat(postfix.delivered()).hasSize(before);
  }

  @Test
  void verifyFailsWith451ForAnotherHostName() throws Exception {
    int before = postfix.delivered().size();
    assertThat(send("wrong.test", true, "verify", b -> b.relay(trustingTestCa()), 1))
        .singleElement()
        .asString()
        .startsWith("451 4.7.5 TLS with other.test.local failed: ")
        .contains("other.test.local");
    assertThat(postfix.delivered()).hasSize(before);
  }

  /** A recipient callout follows the route's TLS policy: the address never goes in plain text. */
  @Test
  void calloutOverAVerifyRouteUsesTlsAndFailsTemporarilyWithoutTheCa() throws Exception {
    int tls = count(TLS_ESTABLISHED);
    String config =
        "dns:\n  servers: [\"127.0.0.1:"
            + dns.port()
            + "\"]\ndomains:\n  example.test:\n    route: {host: 127.0.0.1, port: "
            + postfix.smtpPort()
            + ", tls: verify}\n    verify_recipients: {callout: true}\n";
    try (MailFilter filter = SmtpServerTest.filter(config);
        SmtpServer trusting = SmtpServerTest.server(filter, b -> b.relay(trustingTestCa()));
        SmtpServer untrusting = SmtpServerTest.server(filter, b -> {})) {
      assertThat(rcpt(trusting, "bob@example.test")).startsWith("250");
      assertThat(trusting.verifier.callouts()).isEqualTo(1);
      assertThat(count(TLS_ESTABLISHED)).as(postfix.log()).isEqualTo(tls + 1);
      assertThat(rcpt(untrusting, "carol@example.test"))
          .startsWith("450 4.1.1 <carol@example.test>: Recipient address rejected: unverified")
          .contains("451 4.7.5 TLS with 127.0.0.1 failed");
      assertThat(postfix.log()).doesNotContain("carol@example.test");
    }
  }

  private static String rcpt(SmtpServer server, String recipient) throws IOException {
    try (Client c = new Client(server.localAddress())) {
      c.reply();
      c.send("EHLO client.example\r\n");
      c.reply();
      c.send("MAIL FROM:<alice@sender.example>\r\n");
      c.reply();
      c.send("RCPT TO:<" + recipient + ">\r\n");
      return c.reply();
    }
  }

  @Test
  void severalMessagesGoOverOneDownstreamConnection() throws Exception {
    int before = postfix.delivered().size();
    int connects = count(CONNECT);
    int disconnects = count(DISCONNECT);
    assertThat(send("127.0.0.1", false, "verify", b -> b.relay(trustingTestCa()), 4))
        .allSatisfy(r -> assertThat(r).startsWith("250 2.0.0 Ok: queued as "));
    // The gateway is closed: its pooled connection said QUIT.
    assertThat(Processes.await(Duration.ofSeconds(10), () -> count(DISCONNECT) > disconnects))
        .as(postfix.log())
        .isTrue();
    assertThat(count(CONNECT) - connects).as(postfix.log()).isEqualTo(1);
    List<Path> all = postfix.awaitDelivered(before + 4, Duration.ofSeconds(30));
    for (Path p : all.subList(before, before + 4)) {
      assertThat(postfixReceived(p)).contains("with ESMTPS id");
    }
  }

  private static int count(Pattern p) {
    return (int) p.matcher(postfix.log()).results().count();
  }
}
