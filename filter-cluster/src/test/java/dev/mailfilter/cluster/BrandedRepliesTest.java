package dev.mailfilter.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.api.Reply;
import dev.mailfilter.smtp.SmtpServer;
import dev.mailfilter.testkit.SmtpClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The white label in the gateway's refusals: a real SmtpServer on a node following a tree with two
 * resellers, each with its brand, and a customer of the provider itself without one.
 */
class BrandedRepliesTest {
  @TempDir Path dir;

  static final Brand ACME =
      new Brand("Acme Mail Shield", "help@acme.example", Optional.empty(), Map.of(), List.of());
  static final Brand GLOBEX =
      new Brand("Globex Secure", "support@globex.example", Optional.empty(), Map.of(), List.of());

  static final String GTUBE =
      "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

  /** A reseller with a brand, a customer and a domain; its block list holds spam@bad.example. */
  static long reseller(TenantStore store, String name, Optional<Brand> brand, String domain) {
    TenantPath r = TenantPath.reseller(name);
    TenantPath c = r.child(TenantPath.Kind.CUSTOMER, "c");
    store.create(
        r,
        ClusterNodeTest.json(
            "{\"route\":{\"host\":\"127.0.0.1\",\"port\":1,\"tls\":\"none\"},"
                + "\"lists\":{\"block\":{\"senders\":[\"spam@bad.example\"]}}}"),
        brand,
        "operator");
    store.create(c, Settings.empty(), Optional.empty(), "operator");
    return ((WriteResult.Written)
            store.create(
                c.child(TenantPath.Kind.DOMAIN, domain),
                Settings.empty(),
                Optional.empty(),
                "operator"))
        .storeVersion();
  }

  static SmtpClient.Reply rcpt(SmtpServer s, String from, String to) throws IOException {
    try (SmtpClient c = SmtpClient.connect(s.localAddress().getPort(), Duration.ofSeconds(10))) {
      c.send("EHLO client.example");
      c.send("MAIL FROM:<" + from + ">");
      return c.send("RCPT TO:<" + to + ">");
    }
  }

  static SmtpClient.Reply gtube(SmtpServer s, String to) throws IOException {
    try (SmtpClient c = SmtpClient.connect(s.localAddress().getPort(), Duration.ofSeconds(30))) {
      c.send("EHLO client.example");
      c.send("MAIL FROM:<alice@sender.example>");
      SmtpClient.Reply r = c.send("RCPT TO:<" + to + ">");
      assertThat(r.code()).as(r.toString()).isEqualTo(250);
      return c.data(
          ("From: alice@sender.example\r\nTo: "
                  + to
                  + "\r\nSubject: test\r\n"
                  + "Message-ID: <g@sender.example>\r\nDate: Mon, 7 Dec 2026 10:00:00 +0000\r\n\r\n"
                  + GTUBE
                  + "\r\n")
              .getBytes(StandardCharsets.US_ASCII));
    }
  }

  @Test
  void eachResellersRefusalsCarryItsBrandThroughARealGateway() throws Exception {
    try (FileTenantStore store = FileTenantStore.open(dir.resolve("store"))) {
      reseller(store, "acme", Optional.of(ACME), "acme-customer.example");
      reseller(store, "globex", Optional.of(GLOBEX), "globex-customer.example");
      TenantPath direct = TenantPath.customer("direct");
      store.create(
          direct,
          ClusterNodeTest.json(
              "{\"route\":{\"host\":\"127.0.0.1\",\"port\":1,\"tls\":\"none\"},"
                  + "\"lists\":{\"block\":{\"senders\":[\"spam@bad.example\"]}}}"),
          Optional.empty(),
          "operator");
      long v =
          ((WriteResult.Written)
                  store.create(
                      direct.child(TenantPath.Kind.DOMAIN, "direct.example"),
                      Settings.empty(),
                      Optional.empty(),
                      "operator"))
              .storeVersion();
      try (ClusterNode node =
              ClusterNode.start(ClusterNodeTest.config(dir), dir.resolve("node"), store);
          SmtpServer gw =
              SmtpServer.builder()
                  .filters(node.filters()::current)
                  .replyBranding(node.replyBranding())
                  .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                  .hostName("gw.test")
                  .drainTimeout(Duration.ofSeconds(5))
                  .build()
                  .start()) {
        assertThat(node.awaitVersion(v, Duration.ofSeconds(10))).isTrue();
        // Refused at RCPT TO by the reseller's block list.
        SmtpClient.Reply acme = rcpt(gw, "spam@bad.example", "bob@acme-customer.example");
        assertThat(acme.code()).isGreaterThanOrEqualTo(500);
        assertThat(acme.toString())
            .contains("rejected by Acme Mail Shield spam protection, contact help@acme.example")
            .doesNotContain("Globex");
        SmtpClient.Reply globex = rcpt(gw, "spam@bad.example", "bob@globex-customer.example");
        assertThat(globex.toString())
            .contains("rejected by Globex Secure spam protection, contact support@globex.example")
            .doesNotContain("Acme");
        // Refused at the end of the message as spam.
        SmtpClient.Reply spam = gtube(gw, "carol@globex-customer.example");
        assertThat(spam.code()).isEqualTo(554);
        assertThat(spam.toString())
            .contains("5.7.1")
            .contains("rejected by Globex Secure spam protection, contact support@globex.example");
        assertThat(gtube(gw, "carol@acme-customer.example").toString())
            .contains("rejected by Acme Mail Shield");
        // The provider's own customer: the reply as configured.
        SmtpClient.Reply plain = rcpt(gw, "spam@bad.example", "bob@direct.example");
        assertThat(plain.code()).isGreaterThanOrEqualTo(500);
        assertThat(plain.toString()).doesNotContain("spam protection, contact");
        // A brand change reaches the replies with the tree.
        Tenant a = store.get(TenantPath.reseller("acme")).orElseThrow();
        long v2 =
            ((WriteResult.Written)
                    store.update(
                        a.path(),
                        a.version(),
                        a.settings(),
                        Optional.of(
                            new Brand(
                                "Acme Secure Mail",
                                "abuse@acme.example",
                                Optional.empty(),
                                Map.of(),
                                List.of())),
                        "operator"))
                .storeVersion();
        assertThat(node.awaitVersion(v2, Duration.ofSeconds(10))).isTrue();
        assertThat(rcpt(gw, "spam@bad.example", "bob@acme-customer.example").toString())
            .contains("rejected by Acme Secure Mail spam protection, contact abuse@acme.example");
      }
    }
  }

  @Test
  void aTemporaryRefusalIsDeferredAndABrandIsKeptToPrintableAsciiWithinTheLineLimit() {
    Snapshot tree =
        new Snapshot(
            3,
            List.of(
                new Tenant(
                    TenantPath.reseller("r"),
                    Settings.empty(),
                    Optional.of(
                        new Brand(
                            "Bücher\u0007Schutz",
                            "hilfe@r.example",
                            Optional.empty(),
                            Map.of(),
                            List.of())),
                    1,
                    java.time.Instant.EPOCH,
                    "op"),
                new Tenant(
                    TenantPath.reseller("r").child(TenantPath.Kind.CUSTOMER, "c"),
                    Settings.empty(),
                    Optional.empty(),
                    2,
                    java.time.Instant.EPOCH,
                    "op"),
                new Tenant(
                    TenantPath.reseller("r")
                        .child(TenantPath.Kind.CUSTOMER, "c")
                        .child(TenantPath.Kind.DOMAIN, "d.example"),
                    Settings.empty(),
                    Optional.empty(),
                    3,
                    java.time.Instant.EPOCH,
                    "op")));
    BrandedReplies b = BrandedReplies.of(tree);
    Reply grey = b.brand("d.example", Reply.of(451, "4.7.1", "Greylisted, please try again later"));
    assertThat(grey.toWire())
        .isEqualTo(
            "451 4.7.1 Greylisted, please try again later; deferred by B?cher?Schutz spam"
                + " protection, contact hilfe@r.example\r\n");
    Reply longReply = b.brand("d.example", Reply.of(554, "5.7.1", "x".repeat(600)));
    assertThat(longReply.lines().getLast())
        .hasSizeLessThanOrEqualTo(480)
        .endsWith("hilfe@r.example");
    assertThat(b.brand("other.example", Reply.of(554, "5.7.1", "No")))
        .isEqualTo(Reply.of(554, "5.7.1", "No"));
  }
}
