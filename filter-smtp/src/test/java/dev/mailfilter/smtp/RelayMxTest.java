package dev.mailfilter.smtp;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.MailFilter;
import dev.mailfilter.testkit.DnsmasqServer;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;

/**
 * MX routes against a real DNS server, Debian's {@code dnsmasq} on a loopback port: preference
 * order, the next MX after a refused connection, a 4xx greeting or a 4xx EHLO, the implicit MX, the
 * null MX, an unknown domain and a lookup timeout.
 */
class RelayMxTest {
  @TempDir static Path dir;

  private static Downstream downstream;
  private static Refuser busyGreeting;
  private static Refuser busyEhlo;
  private static DnsmasqServer dns;
  private static MailFilter filter;
  private static SmtpServer server;

  /** A server on another loopback address and the downstream's port that refuses politely. */
  private static final class Refuser implements AutoCloseable {
    final AtomicInteger connections = new AtomicInteger();
    private final ServerSocket socket;

    Refuser(String address, int port, boolean atGreeting) throws IOException {
      socket = new ServerSocket(port, 10, InetAddress.getByName(address));
      Thread.ofVirtual()
          .start(
              () -> {
                while (!socket.isClosed()) {
                  try (Socket s = socket.accept()) {
                    connections.incrementAndGet();
                    var out = s.getOutputStream();
                    if (atGreeting) {
                      out.write("421 4.3.2 busy.two.test too busy\r\n".getBytes(US_ASCII));
                    } else {
                      out.write("220 ehlo.two.test ESMTP\r\n".getBytes(US_ASCII));
                      var in =
                          new java.io.BufferedReader(
                              new java.io.InputStreamReader(s.getInputStream(), US_ASCII));
                      while (in.readLine() instanceof String line
                          && !line.toUpperCase(java.util.Locale.ROOT).startsWith("QUIT")) {
                        out.write("451 4.3.0 not now\r\n".getBytes(US_ASCII));
                      }
                    }
                  } catch (IOException e) {
                    // closed
                  }
                }
              });
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  @BeforeAll
  static void start() throws IOException {
    downstream = new Downstream();
    int port = downstream.port();
    busyGreeting = new Refuser("127.0.0.3", port, true);
    busyEhlo = new Refuser("127.0.0.4", port, false);
    dns =
        DnsmasqServer.start(
            dir,
            List.of(
                "--local=/test/",
                "--mx-host=two.test,down.two.test,10",
                "--mx-host=two.test,busy.two.test,20",
                "--mx-host=two.test,ehlo.two.test,30",
                "--mx-host=two.test,up.two.test,40",
                "--host-record=down.two.test,127.0.0.2",
                "--host-record=busy.two.test,127.0.0.3",
                "--host-record=ehlo.two.test,127.0.0.4",
                "--host-record=up.two.test,127.0.0.1",
                "--mx-host=dead.test,down.two.test,10",
                "--host-record=implicit.test,127.0.0.1",
                "--dns-rr=null.test,15,000000"));
    filter =
        SmtpServerTest.filter(
            "dns:\n  servers: [\"127.0.0.1:"
                + dns.port()
                + "\"]\n"
                + "domains:\n"
                + route("two.example", "two.test", port)
                + route("implicit.example", "implicit.test", port)
                + route("null.example", "null.test", port)
                + route("nx.example", "nx.test", port)
                + route("dead.example", "dead.test", port)
                + route("callout.example", "two.test", port)
                + "    verify_recipients: {callout: true}\n");
    server = SmtpServerTest.server(filter, b -> {});
  }

  private static String route(String domain, String mxDomain, int port) {
    return "  "
        + domain
        + ":\n    route: {host: "
        + mxDomain
        + ", mx: true, port: "
        + port
        + ", tls: none}\n";
  }

  @AfterAll
  static void stop() throws IOException {
    if (server != null) {
      server.close();
      filter.close();
    }
    if (dns != null) {
      dns.close();
    }
    busyGreeting.close();
    busyEhlo.close();
    downstream.close();
  }

  /** A callout goes where the mail would: past the refusing MX hosts to the one that answers. */
  @Test
  void calloutToAnMxRouteAsksTheFirstServerThatAnswers() throws IOException {
    long before = server.verifier.callouts();
    try (Client c = new Client(server.localAddress())) {
      c.reply();
      c.send("EHLO client.example\r\n");
      c.reply();
      c.send("MAIL FROM:<alice@sender.example>\r\n");
      assertThat(c.reply()).startsWith("250");
      c.send("RCPT TO:<bob@callout.example>\r\n");
      assertThat(c.reply()).startsWith("250");
    }
    assertThat(server.verifier.callouts()).isEqualTo(before + 1);
    assertThat(downstream.commands)
        .anyMatch(x -> x.startsWith("Mail[from=<>,"))
        .anyMatch(x -> x.startsWith("Rcpt[to=<bob@callout.example>,"));
  }

  /**
   * A trusted client (trusted_networks) may send to a domain that is not ours: by its MX records,
   * on smtp.relay.mx_port; an address literal has no MX and is refused.
   */
  @Test
  void aTrustedClientsMailForAnotherDomainGoesToThatDomainsMx() throws IOException {
    int before = downstream.messages.size();
    try (MailFilter f =
            SmtpServerTest.filter(
                "dns:\n  servers: [\"127.0.0.1:"
                    + dns.port()
                    + "\"]\ntrusted_networks: [127.0.0.0/8]\ndomains:\n"
                    + route("two.example", "two.test", downstream.port()));
        SmtpServer s =
            SmtpServerTest.server(
                f, b -> b.relay(RelaySettings.defaults().withMxPort(downstream.port())))) {
      assertThat(RelayPoolTest.send(s, "friend@two.test")).startsWith("250 2.0.0 Ok: queued as ");
      assertThat(RelayPoolTest.send(s, "friend@[192.0.2.1]"))
          .contains("550 5.1.2 Relay access denied: no MX for an address literal");
    }
    assertThat(downstream.messages).hasSize(before + 1);
    assertThat(downstream.messages.getLast().recipients()).containsExactly("friend@two.test");
  }

  private static String send(String recipient) throws IOException {
    return RelayPoolTest.send(server, recipient);
  }

  @Test
  void mxHostsAreTriedByPreferencePastARefusedConnectionA4xxGreetingAndA4xxEhlo() throws Exception {
    int before = downstream.messages.size();
    assertThat(send("bob@two.example")).as(dns.log()).startsWith("250 2.0.0 Ok: queued as ");
    assertThat(downstream.messages).hasSize(before + 1);
    assertThat(busyGreeting.connections.get()).isGreaterThanOrEqualTo(1);
    assertThat(busyEhlo.connections.get()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void domainWithoutMxRecordsIsItsOwnImplicitMx() throws Exception {
    assertThat(send("bob@implicit.example")).as(dns.log()).startsWith("250 2.0.0 Ok");
  }

  @Test
  void nullMxIsAPermanentFailure() throws Exception {
    assertThat(send("bob@null.example"))
        .isEqualTo("556 5.1.10 Domain null.test does not accept mail (null MX, RFC 7505)");
  }

  @Test
  void routeDomainNotInDnsIsTemporary() throws Exception {
    assertThat(send("bob@nx.example"))
        .isEqualTo("451 4.4.4 Route domain not found in DNS: nx.test");
  }

  @Test
  void whenNoMxHostAnswersTheClientGetsTheLastFailure() throws Exception {
    assertThat(send("bob@dead.example"))
        .isEqualTo("451 4.4.1 Downstream server not reachable: down.two.test");
  }

  @Test
  void lookupTimeoutIs451With443() throws Exception {
    try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        MailFilter f =
            SmtpServerTest.filter(
                "dns:\n  servers: [\"127.0.0.1:"
                    + silent.getLocalPort()
                    + "\"]\ndomains:\n"
                    + route("two.example", "two.test", downstream.port()));
        SmtpServer s =
            SmtpServerTest.server(
                f,
                b ->
                    b.relay(
                        new RelaySettings(
                            List.of(),
                            Duration.ofMillis(300),
                            10,
                            100,
                            Duration.ofSeconds(2),
                            100,
                            25)))) {
      long t0 = System.nanoTime();
      assertThat(RelayPoolTest.send(s, "bob@two.example"))
          .startsWith("451 4.4.3 DNS lookup of two.test MX failed");
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    }
  }

  @Test
  void equalPreferencesComeInRandomOrderAfterLowerOnes() throws Exception {
    MXRecord a = mx(10, "a.test.");
    MXRecord b = mx(10, "b.test.");
    MXRecord c = mx(20, "c.test.");
    MXRecord d = mx(5, "d.test.");
    Set<String> seconds = new HashSet<>();
    for (int seed = 0; seed < 50; seed++) {
      List<MXRecord> ordered = RelayDns.order(List.of(c, a, b, d), new SplittableRandom(seed));
      assertThat(ordered.getFirst()).isEqualTo(d);
      assertThat(ordered.getLast()).isEqualTo(c);
      assertThat(ordered.subList(1, 3)).containsExactlyInAnyOrder(a, b);
      seconds.add(ordered.get(1).getTarget().toString());
    }
    assertThat(seconds).containsExactlyInAnyOrder("a.test.", "b.test.");
  }

  private static MXRecord mx(int preference, String target) throws Exception {
    return new MXRecord(Name.fromString("x.test."), 1, 60, preference, Name.fromString(target));
  }
}
