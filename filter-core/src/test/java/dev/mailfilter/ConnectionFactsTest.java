package dev.mailfilter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import dev.mailfilter.api.Action;
import dev.mailfilter.api.Connection;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.FilterSession;
import dev.mailfilter.api.Stage;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.api.TlsInfo;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.SymbolDef;
import dev.mailfilter.testing.TestCheck;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** Queue id, AUTH identity, TLS after STARTTLS and the PROXY client, as checks see them. */
class ConnectionFactsTest {
  private static final InetAddress BALANCER = InetAddresses.forString("10.0.0.5");
  private static final InetSocketAddress REAL = new InetSocketAddress("198.51.100.77", 51234);
  private static final byte[] MESSAGE =
      "From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);

  // What each stage's check saw: stage -> connection and envelope.
  private final Map<Stage, Connection> connections = new ConcurrentHashMap<>();
  private final Map<Stage, Envelope> envelopes = new ConcurrentHashMap<>();

  private TestCheck recorder(Stage stage) {
    return new TestCheck(
        "seen_" + stage.configName(),
        stage,
        List.of(SymbolDef.of("SEEN_" + stage, 0, "recorded")),
        (CheckContext ctx) -> {
          connections.put(stage, ctx.connection());
          envelopes.put(stage, ctx.envelope());
        });
  }

  private MailFilter filter(FilterConfig config) {
    MailFilter.Builder b = MailFilter.builder().config(config);
    for (Stage s : Stage.values()) {
      b.addCheck(recorder(s));
    }
    return b.build();
  }

  @Test
  void checksSeeTheProxiedClientTlsAfterStartTlsAuthAndTheLateQueueId() {
    Connection peer = Connection.of(BALANCER, 3000, "lb.example.net");
    Connection proxied = peer.proxiedFor(REAL);
    assertThat(proxied.clientAddress()).isEqualTo(REAL.getAddress());
    assertThat(proxied.clientPort()).isEqualTo(51234);
    assertThat(proxied.reverseName()).isEmpty(); // it was the balancer's
    assertThat(proxied.proxy()).contains(new InetSocketAddress(BALANCER, 3000));

    try (MailFilter f = filter(FilterConfig.defaults());
        FilterSession s = f.open(proxied)) {
      assertThat(connections.get(Stage.CONNECT).clientAddress()).isEqualTo(REAL.getAddress());
      assertThat(connections.get(Stage.CONNECT).tls()).isFalse();
      s.helo("client.example.org");
      TlsInfo tls = TlsInfo.of("TLSv1.3", "TLS_AES_256_GCM_SHA384");
      s.tlsStarted(tls);
      s.helo("client.example.org"); // EHLO again after STARTTLS
      assertThat(connections.get(Stage.HELO).tlsInfo()).contains(tls);
      assertThat(s.connection().tls()).isTrue();
      s.authenticated("alice@example.org");
      s.mailFrom("<alice@example.org>");
      assertThat(connections.get(Stage.MAIL_FROM).authenticatedUser())
          .contains("alice@example.org");
      s.rcptTo("<bob@example.net>");
      assertThat(envelopes.get(Stage.RCPT).queueId()).isEmpty();
      s.queueId("4XyZ1k2Lm3");
      s.append(MESSAGE);
      assertThat(s.endOfData().action()).isEqualTo(Action.ACCEPT);
      assertThat(envelopes.get(Stage.HEADERS).queueId()).contains("4XyZ1k2Lm3");
      assertThat(envelopes.get(Stage.DATA).queueId()).contains("4XyZ1k2Lm3");
      Connection atData = connections.get(Stage.DATA);
      assertThat(atData.clientAddress()).isEqualTo(REAL.getAddress());
      assertThat(atData.proxy()).contains(new InetSocketAddress(BALANCER, 3000));
      assertThat(atData.tlsInfo()).contains(tls);
      assertThat(atData.authenticatedUser()).contains("alice@example.org");

      // The queue id is per transaction; AUTH and TLS last for the session.
      s.mailFrom("<alice@example.org>");
      s.rcptTo("<bob@example.net>");
      s.endOfData(MESSAGE);
      assertThat(envelopes.get(Stage.DATA).queueId()).isEmpty();
      assertThat(connections.get(Stage.DATA).authenticatedUser()).contains("alice@example.org");
    }
  }

  @Test
  void allowAndBlockListsJudgeTheRealClientNotTheBalancer() {
    FilterConfig config =
        FilterConfig.builder().set("lists.block.ips", List.of("198.51.100.0/24")).build();
    try (MailFilter f = filter(config);
        FilterSession direct = f.open(Connection.of(BALANCER, 3000, null));
        FilterSession viaProxy = f.open(Connection.of(BALANCER, 3000, null).proxiedFor(REAL))) {
      assertThat(direct.connectDecision().refused()).isFalse();
      assertThat(viaProxy.connectDecision().refused()).isTrue();
    }
  }

  @Test
  void badFactsAreRefusedWithTheValue() {
    Connection c = Connection.of(BALANCER);
    assertThatThrownBy(() -> c.withAuthenticatedUser("al ice"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("al ice");
    assertThatThrownBy(() -> c.withAuthenticatedUser(""))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TlsInfo.of("TLSv1.3\r\nforged", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("TLS protocol");
    assertThatThrownBy(() -> c.proxiedFor(REAL).proxiedFor(REAL))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already proxied");
    assertThatThrownBy(() -> c.proxiedFor(InetSocketAddress.createUnresolved("lb", 1)))
        .isInstanceOf(IllegalArgumentException.class);
    try (MailFilter f = MailFilter.withDefaults();
        FilterSession s = f.open(c)) {
      s.mailFrom("<a@example.org>");
      assertThatThrownBy(() -> s.queueId("4Xy Z"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("4Xy Z");
    }
  }

  @Test
  void theOldConstructorsStillWork() {
    Connection tls = new Connection(BALANCER, 25, Optional.empty(), true);
    assertThat(tls.tls()).isTrue();
    assertThat(tls.tlsInfo()).contains(TlsInfo.UNKNOWN);
    Envelope e = new Envelope(tls, "h", "s@x.org", Map.of(), List.of("r@y.org"));
    assertThat(e.queueId()).isEmpty();
    assertThat(e.withQueueId("Q1").queueId()).contains("Q1");
    assertThat(Symbol.of("X", 0, "y").name()).isEqualTo("X");
  }
}
