package dev.mailfilter.smtp;

import static dev.mailfilter.smtp.Feeds.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.MailFilter;
import dev.mailfilter.config.IpRange;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The PROXY protocol through real sockets: the header's source is the client for the EHLO reply,
 * relay control and the per-client limit; a missing or bad header closes without a banner; from an
 * address not configured as a balancer, a PROXY line is an ordinary bad command.
 */
class ProxyProtocolServerTest {
  private Downstream downstream;
  private MailFilter filter;
  private SmtpServer server;

  @BeforeEach
  void start() throws IOException {
    downstream = new Downstream();
    filter =
        SmtpServerTest.filter(
            SmtpServerTest.config(downstream.port(), downstream.port())
                + "trusted_networks: [203.0.113.0/24]\n");
    server = server(List.of("127.0.0.0/8"), 2);
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
    filter.close();
    downstream.close();
  }

  private SmtpServer server(List<String> balancers, int perClient) throws IOException {
    return SmtpServerTest.server(
        filter,
        b ->
            b.proxy(
                    new SmtpSettings.Proxy(
                        balancers.stream().map(IpRange::parse).toList(), Duration.ofSeconds(1)))
                .maxConnectionsPerClient(perClient));
  }

  private Client proxied(byte[] header) throws IOException {
    Client c = new Client(server.localAddress());
    c.send(header);
    return c;
  }

  private static byte[] v1(String source) {
    return bytes("PROXY TCP4 " + source + " 127.0.0.1 40000 25\r\n");
  }

  @Test
  void v1HeaderMakesItsSourceTheClient() throws Exception {
    try (Client c = proxied(v1("198.51.100.7"))) {
      assertThat(c.reply()).startsWith("220 gw.test ");
      c.send("EHLO client.example\r\n");
      assertThat(c.reply()).startsWith("250-gw.test Hello client.example [198.51.100.7]");
      // Not a trusted network: a foreign recipient is refused by the core's relay control.
      c.send("MAIL FROM:<a@sender.example>\r\nRCPT TO:<victim@other.example>\r\n");
      assertThat(c.replies(2)).last().asString().startsWith("550 5.7.1 Relaying denied");
    }
  }

  @Test
  void v2HeaderMakesItsSourceTheClientForRelayControl() throws Exception {
    byte[] block =
        ProxyHeaderTest.ipv4Block("203.0.113.9", "127.0.0.1", 40000, 25, new byte[] {4, 0, 0});
    try (Client c = proxied(ProxyHeaderTest.v2(0x21, 0x11, block))) {
      assertThat(c.reply()).startsWith("220 gw.test ");
      c.send("EHLO client.example\r\n");
      assertThat(c.reply()).startsWith("250-gw.test Hello client.example [203.0.113.9]");
      // 203.0.113.9 is in trusted_networks: it may send to any domain (by MX), unlike v1's client.
      c.send("MAIL FROM:<a@sender.example>\r\nRCPT TO:<friend@other.example>\r\n");
      assertThat(c.replies(2)).last().isEqualTo("250 2.1.5 Ok");
    }
  }

  @Test
  void v2LocalKeepsTheSocketAddress() throws Exception {
    try (Client c = proxied(ProxyHeaderTest.v2(0x20, 0x00, new byte[0]))) {
      assertThat(c.reply()).startsWith("220 gw.test ");
      c.send("EHLO client.example\r\n");
      String loopback = InetAddress.getLoopbackAddress().getHostAddress();
      assertThat(c.reply()).startsWith("250-gw.test Hello client.example [" + loopback + "]");
    }
  }

  @Test
  void theLimitPerClientCountsTheProxiedAddress() throws Exception {
    // Two per client: every connection comes from the balancer's 127.0.0.1, but only those for
    // 198.51.100.7 count against it.
    try (Client a = proxied(v1("198.51.100.7"));
        Client b = proxied(v1("198.51.100.7"));
        Client other = proxied(v1("198.51.100.8"))) {
      assertThat(a.reply()).startsWith("220 ");
      assertThat(b.reply()).startsWith("220 ");
      assertThat(other.reply()).startsWith("220 ");
      try (Client third = proxied(v1("198.51.100.7"))) {
        assertThat(third.reply())
            .isEqualTo("421 gw.test Error: too many connections from your address");
      }
    }
    SmtpServerTest.await(() -> server.stats().open() == 0);
    try (Client again = proxied(v1("198.51.100.7"))) {
      assertThat(again.reply()).startsWith("220 ");
    }
  }

  @Test
  void malformedHeaderClosesWithoutABanner() throws Exception {
    for (String bad :
        new String[] {
          "PROXY TCP4 198.51.100.7 127.0.0.1 040000 25\r\n",
          "PROXY TCP4 198.51.100.7 127.0.0.1 40000 25\n",
          "EHLO client.example\r\n",
          "PROXY UNKNOWN " + "x".repeat(200) + "\r\n"
        }) {
      try (Client c = proxied(bytes(bad))) {
        assertThat(c.reply()).as(bad).isNull();
      }
    }
    try (Client c =
        proxied(ProxyHeaderTest.v2(0x21, 0x11, new byte[ProxyHeader.MAX_V2_LENGTH + 1]))) {
      assertThat(c.reply()).isNull();
    }
    SmtpServerTest.await(() -> server.stats().open() == 0);
  }

  @Test
  void missingHeaderClosesWithoutABannerAfterTheTimeout() throws Exception {
    long start = System.nanoTime();
    try (Client c = new Client(server.localAddress())) {
      assertThat(c.reply()).isNull();
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(900));
  }

  @Test
  void fromOtherAddressesAProxyLineIsABadCommand() throws Exception {
    server.close();
    server = server(List.of("192.0.2.0/24"), 50);
    try (Client c = new Client(server.localAddress())) {
      assertThat(c.reply()).startsWith("220 gw.test ");
      c.send("PROXY TCP4 198.51.100.7 127.0.0.1 40000 25\r\n");
      assertThat(c.reply()).isEqualTo("500 Error: command not recognized");
      c.send("EHLO client.example\r\n");
      String loopback = InetAddress.getLoopbackAddress().getHostAddress();
      assertThat(c.reply()).startsWith("250-gw.test Hello client.example [" + loopback + "]");
    }
  }
}
