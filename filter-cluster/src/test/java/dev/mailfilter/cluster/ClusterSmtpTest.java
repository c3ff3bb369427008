package dev.mailfilter.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.smtp.SmtpServer;
import dev.mailfilter.testkit.RedisServer;
import dev.mailfilter.testkit.SmtpClient;
import dev.mailfilter.testkit.SmtpSink;
import io.lettuce.core.RedisURI;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes, each with the SMTP gateway, in one JVM on a real Redis, relaying to a real
 * smtp-sink: a reseller's change (a block-list entry and a new domain) is answered by all three
 * gateways within 5 s, and every message answered 250 reached the sink.
 */
class ClusterSmtpTest {
  @TempDir Path dir;

  static final byte[] MESSAGE =
      ("From: alice@sender.example\r\nTo: bob@bakery.example\r\nSubject: hello\r\n"
              + "Message-ID: <1@sender.example>\r\nDate: Mon, 7 Dec 2026 10:00:00 +0000\r\n\r\n"
              + "Hello Bob, the bread order for Friday.\r\n")
          .getBytes(StandardCharsets.US_ASCII);

  /** The reply to RCPT TO for a sender and recipient, in a fresh session. */
  static int rcpt(SmtpServer s, String from, String to) throws IOException {
    try (SmtpClient c = SmtpClient.connect(s.localAddress().getPort(), Duration.ofSeconds(10))) {
      c.send("EHLO client.example");
      c.send("MAIL FROM:<" + from + ">");
      return c.send("RCPT TO:<" + to + ">").code();
    }
  }

  /** Sends one message; the final reply. */
  static SmtpClient.Reply send(SmtpServer s, String to) throws IOException {
    try (SmtpClient c = SmtpClient.connect(s.localAddress().getPort(), Duration.ofSeconds(30))) {
      c.send("EHLO client.example");
      c.send("MAIL FROM:<alice@sender.example>");
      SmtpClient.Reply r = c.send("RCPT TO:<" + to + ">");
      if (r.code() != 250) {
        return r;
      }
      return c.data(MESSAGE);
    }
  }

  @Test
  void aResellersChangeIsAnsweredByThreeGatewaysWithinFiveSecondsAndNoAcceptedMailIsLost()
      throws Exception {
    List<AutoCloseable> closing = new ArrayList<>();
    // smtp-sink run as root works as nobody, who must reach its dump directory.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    try (RedisServer redis = RedisServer.primary(dir.resolve("redis"));
        SmtpSink sink = SmtpSink.start(dir.resolve("sink"), 50);
        RedisTenantStore admin =
            RedisTenantStore.connect(
                RedisTenantStore.Options.of(RedisURI.create("127.0.0.1", redis.port())))) {
      TenantPath acme = TenantPath.reseller("acme");
      TenantPath bakery = acme.child(TenantPath.Kind.CUSTOMER, "bakery");
      admin.create(
          acme,
          ClusterNodeTest.json(
              "{\"route\":{\"host\":\"127.0.0.1\",\"port\":" + sink.port() + ",\"tls\":\"none\"}}"),
          Optional.empty(),
          "operator");
      admin.create(bakery, Settings.empty(), Optional.empty(), "acme-admin");
      WriteResult w =
          admin.create(
              bakery.child(TenantPath.Kind.DOMAIN, "bakery.example"),
              Settings.empty(),
              Optional.empty(),
              "acme-admin");
      long v = ((WriteResult.Written) w).storeVersion();
      List<ClusterNode> nodes =
          new RedisClusterTest()
              .nodesIn(dir, 3, RedisURI.create("127.0.0.1", redis.port()), closing);
      List<SmtpServer> gateways = new ArrayList<>();
      for (ClusterNode n : nodes) {
        assertThat(n.awaitVersion(v, Duration.ofSeconds(10))).isTrue();
        SmtpServer s =
            SmtpServer.builder()
                .filters(n.filters()::current)
                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .hostName("gw.test")
                .drainTimeout(Duration.ofSeconds(5))
                .build()
                .start();
        closing.add(s);
        gateways.add(s);
      }
      int accepted = 0;
      for (SmtpServer s : gateways) {
        assertThat(send(s, "bob@bakery.example").toString()).startsWith("250");
        accepted++;
        assertThat(rcpt(s, "alice@sender.example", "x@new.example")).isEqualTo(550);
        assertThat(rcpt(s, "spam@bad.example", "bob@bakery.example")).isEqualTo(250);
      }

      // The reseller blocks a sender for all its customers and adds a customer's new domain.
      Tenant a = admin.get(acme).orElseThrow();
      Settings blocked =
          ClusterNodeTest.json(
              "{\"route\":{\"host\":\"127.0.0.1\",\"port\":"
                  + sink.port()
                  + ",\"tls\":\"none\"},\"lists\":{\"block\":{\"senders\":[\"spam@bad.example\"]}}}");
      long t0 = System.nanoTime();
      admin.update(acme, a.version(), blocked, Optional.empty(), "acme-admin");
      admin.create(
          bakery.child(TenantPath.Kind.DOMAIN, "new.example"),
          Settings.empty(),
          Optional.empty(),
          "acme-admin");
      List<Long> millis = new ArrayList<>();
      for (SmtpServer s : gateways) {
        long deadline = t0 + Duration.ofSeconds(5).toNanos();
        while (!(rcpt(s, "spam@bad.example", "bob@bakery.example") >= 500
            && rcpt(s, "alice@sender.example", "x@new.example") == 250)) {
          assertThat(System.nanoTime())
              .as("gateway applied the change within 5 s")
              .isLessThan(deadline);
          Thread.sleep(20);
        }
        millis.add((System.nanoTime() - t0) / 1_000_000);
        assertThat(send(s, "carol@new.example").toString()).startsWith("250");
        accepted++;
        assertThat(send(s, "bob@bakery.example").toString()).startsWith("250");
        accepted++;
      }
      System.out.printf(
          Locale.ROOT,
          "reseller change answered over SMTP by the 3 gateways after %s ms (loaded machine)%n",
          millis);
      for (AutoCloseable c : closing.reversed()) {
        if (c instanceof SmtpServer) {
          c.close();
        }
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (sink.dumps().size() < accepted && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(sink.dumps()).hasSize(accepted);
    } finally {
      RedisClusterTest.closeAll(closing);
    }
  }
}
