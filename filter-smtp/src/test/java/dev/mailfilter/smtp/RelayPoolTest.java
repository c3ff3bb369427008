package dev.mailfilter.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Reply;
import dev.mailfilter.tenant.Route;
import dev.mailfilter.tenant.TlsPolicy;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Pooled relay connections against a scripted downstream that counts its connections: reuse with
 * RSET, the idle time, the transaction limit, fresh connections when a pooled one went bad, and the
 * pool closed with the server.
 */
class RelayPoolTest {
  private Downstream downstream;
  private MailFilter filter;
  private SmtpServer server;

  private void start(Consumer<SmtpServer.Builder> more) throws IOException {
    downstream = new Downstream();
    filter =
        SmtpServerTest.filter(
            "domains:\n  ours.example:\n    route: {host: 127.0.0.1, port: "
                + downstream.port()
                + ", tls: none}\n");
    server = SmtpServerTest.server(filter, more);
  }

  @AfterEach
  void stop() throws IOException {
    if (server != null) {
      server.close();
      filter.close();
      downstream.close();
    }
  }

  /** One message through the gateway in its own client session; the reply to the final dot. */
  static String send(SmtpServer server, String recipient) throws IOException {
    try (Client c = new Client(server.localAddress())) {
      c.reply();
      // EHLO ends a pipelined group (RFC 2920), so the envelope goes after its reply.
      c.send("EHLO client.example\r\n");
      c.reply();
      c.send("MAIL FROM:<alice@sender.example>\r\nRCPT TO:<" + recipient + ">\r\nDATA\r\n");
      List<String> replies = c.replies(3);
      if (!replies.get(2).startsWith("354")) {
        return String.join(" | ", replies);
      }
      c.send(SmtpServerTest.stuffed(SmtpServerTest.CLEAN) + ".\r\n");
      String end = c.reply();
      c.send("QUIT\r\n");
      return end;
    }
  }

  private static RelaySettings pool(int perDestination, int total, Duration idle, int maxTx) {
    return RelaySettings.defaults().withPool(perDestination, total, idle, maxTx);
  }

  @Test
  void messagesToOneRouteShareOneConnectionEachReusedAfterRset() throws Exception {
    start(b -> b.relay(pool(10, 100, Duration.ofSeconds(30), 100)));
    for (int i = 0; i < 3; i++) {
      assertThat(send(server, "bob@ours.example")).startsWith("250 2.0.0 Ok: queued as ");
    }
    assertThat(downstream.messages).hasSize(3);
    assertThat(downstream.connections.get()).isEqualTo(1);
    assertThat(downstream.commands.stream().filter(c -> c.startsWith("Rset")).count()).isEqualTo(2);
    SmtpStats stats = server.stats();
    assertThat(stats.relayConnections()).isEqualTo(1);
    assertThat(stats.relayReused()).isEqualTo(2);
    assertThat(stats.toLogLine()).contains("relay_connections=1 relay_reused=2");
  }

  @Test
  void idleConnectionIsClosedWithQuitAfterTheIdleTime() throws Exception {
    start(b -> b.relay(pool(10, 100, Duration.ofMillis(200), 100)));
    assertThat(send(server, "bob@ours.example")).startsWith("250 ");
    SmtpServerTest.await(() -> downstream.ended.get() == 1);
    assertThat(downstream.commands.getLast()).startsWith("Quit");
    assertThat(server.relay.idle()).isZero();
    assertThat(send(server, "bob@ours.example")).startsWith("250 ");
    assertThat(downstream.connections.get()).isEqualTo(2);
    assertThat(server.stats().relayReused()).isZero();
  }

  @Test
  void connectionIsClosedAfterItsMaximumOfTransactions() throws Exception {
    start(b -> b.relay(pool(10, 100, Duration.ofSeconds(30), 2)));
    for (int i = 0; i < 5; i++) {
      assertThat(send(server, "bob@ours.example")).startsWith("250 ");
    }
    // 2 + 2 + 1 transactions.
    assertThat(downstream.connections.get()).isEqualTo(3);
    SmtpServerTest.await(() -> downstream.ended.get() == 2);
  }

  @Test
  void withPoolingOffEveryMessageHasItsOwnConnection() throws Exception {
    start(b -> b.relay(pool(0, 0, Duration.ZERO, 1)));
    for (int i = 0; i < 3; i++) {
      assertThat(send(server, "bob@ours.example")).startsWith("250 ");
    }
    assertThat(downstream.connections.get()).isEqualTo(3);
    SmtpServerTest.await(() -> downstream.ended.get() == 3);
    assertThat(server.stats().relayReused()).isZero();
  }

  @Test
  void refusedRsetClosesThePooledConnectionAndAFreshOneCarriesTheMessage() throws Exception {
    start(b -> b.relay(pool(10, 100, Duration.ofSeconds(30), 100)));
    assertThat(send(server, "bob@ours.example")).startsWith("250 ");
    downstream.replies.put("RSET", Reply.of(421, "4.3.2", "going away"));
    assertThat(send(server, "bob@ours.example")).startsWith("250 ");
    assertThat(downstream.messages).hasSize(2);
    assertThat(downstream.connections.get()).isEqualTo(2);
    assertThat(server.stats().relayReused()).isZero();
  }

  @Test
  void connectionTheServerDroppedWhileIdleIsReplacedWithoutLosingTheMessage() throws Exception {
    start(b -> b.relay(pool(10, 100, Duration.ofSeconds(30), 100)));
    downstream.hangUpAfterMessage = true;
    assertThat(send(server, "bob@ours.example")).startsWith("250 ");
    SmtpServerTest.await(() -> downstream.ended.get() == 1);
    assertThat(send(server, "bob@ours.example")).startsWith("250 ");
    assertThat(downstream.messages).hasSize(2);
    assertThat(downstream.connections.get()).isEqualTo(2);
    assertThat(server.stats().relayReused()).isZero();
    assertThat(server.stats().relayConnections()).isEqualTo(2);
  }

  @Test
  void failedTransactionIsNotPooled() throws Exception {
    start(b -> b.relay(pool(10, 100, Duration.ofSeconds(30), 100)));
    downstream.replies.put("END", Reply.of(451, "4.3.0", "try later"));
    assertThat(send(server, "bob@ours.example")).isEqualTo("451 4.3.0 try later");
    SmtpServerTest.await(() -> downstream.ended.get() == 1);
    assertThat(server.relay.idle()).isZero();
  }

  @Test
  void closingTheServerSendsQuitOnIdleConnections() throws Exception {
    start(b -> b.relay(pool(10, 100, Duration.ofSeconds(30), 100)));
    assertThat(send(server, "bob@ours.example")).startsWith("250 ");
    assertThat(server.relay.idle()).isEqualTo(1);
    server.close();
    SmtpServerTest.await(() -> downstream.ended.get() == 1);
    assertThat(downstream.commands.getLast()).startsWith("Quit");
  }

  @Test
  void idleConnectionsAreBoundedPerDestinationAndInTotal() throws Exception {
    start(b -> {});
    Route a = new Route("127.0.0.1", false, downstream.port(), TlsPolicy.NONE);
    Route b = new Route("127.0.0.1", false, downstream.port(), TlsPolicy.MAY);
    Route c = new Route("localhost", false, downstream.port(), TlsPolicy.NONE);
    List<RelayConnection> conns = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      RelayConnection conn =
          RelayConnection.connect(downstream.address(), "127.0.0.1", Relay.Timeouts.DEFAULT);
      assertThat(conn.read().code()).isEqualTo(220);
      conns.add(conn);
    }
    try (RelayPool pool = new RelayPool(pool(1, 2, Duration.ofSeconds(30), 100))) {
      pool.give(a, conns.get(0));
      pool.give(a, conns.get(1)); // over the per-destination bound: QUIT
      pool.give(b, conns.get(2)); // another TLS policy is another destination
      pool.give(c, conns.get(3)); // over the total bound: QUIT
      assertThat(pool.size()).isEqualTo(2);
      SmtpServerTest.await(() -> downstream.ended.get() == 2);
      assertThat(pool.take(a)).isSameAs(conns.get(0));
      assertThat(pool.take(a)).isNull();
      assertThat(pool.take(c)).isNull();
      assertThat(pool.size()).isEqualTo(1);
    }
    // Closing the pool QUITs the idle one; the one taken out is its user's to close.
    SmtpServerTest.await(() -> downstream.ended.get() == 3);
    conns.get(0).close();
    SmtpServerTest.await(() -> downstream.ended.get() == 4);
  }

  @Test
  void pooledConnectionAnswering421BeforeTheContentIsReplacedByAFreshOne() throws Exception {
    start(b -> b.relay(pool(10, 100, Duration.ofSeconds(30), 100)));
    assertThat(send(server, "bob@ours.example")).startsWith("250 ");
    downstream.replies.put("MAIL", Reply.of(421, "4.3.2", "closing"));
    // The fresh connection gets the same 421, which is then the answer.
    assertThat(send(server, "bob@ours.example")).isEqualTo("421 4.3.2 closing");
    assertThat(downstream.connections.get()).isEqualTo(2);
  }

  @Test
  void pooledConnectionLostAfterTheContentIsNotRetriedSoNoMessageIsSentTwice() throws Exception {
    start(b -> b.relay(pool(10, 100, Duration.ofSeconds(30), 100)));
    assertThat(send(server, "bob@ours.example")).startsWith("250 ");
    downstream.hangUpBeforeEndReply = true;
    assertThat(send(server, "bob@ours.example"))
        .isEqualTo("451 4.4.2 Downstream server broke the protocol: connection closed");
    assertThat(downstream.connections.get()).isEqualTo(1);
    assertThat(downstream.commands.stream().filter(c -> c.startsWith("Data")).count()).isEqualTo(2);
  }
}
