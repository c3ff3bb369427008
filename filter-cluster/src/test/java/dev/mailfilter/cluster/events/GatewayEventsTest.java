package dev.mailfilter.cluster.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.BuiltIns;
import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Action;
import dev.mailfilter.cluster.state.SharedRedis;
import dev.mailfilter.cluster.state.SharedStateChecks;
import dev.mailfilter.cluster.state.StateSettings;
import dev.mailfilter.config.IpRange;
import dev.mailfilter.smtp.SmtpServer;
import dev.mailfilter.smtp.SmtpSettings;
import dev.mailfilter.testkit.RedisServer;
import dev.mailfilter.testkit.SmtpSink;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real gateway run records its verdicts: the SMTP server (behind the PROXY protocol, so that the
 * clients are 81.2.69.142 and 216.160.83.56) filters with a configuration that turns the events on
 * with MaxMind's test databases and a real redis-server as the shared store; the events arrive in
 * the Redis stream with their countries, the accepted message and the refused one alike.
 */
class GatewayEventsTest {
  @TempDir Path dir;

  /** One SMTP session through a PROXY v1 header naming {@code client}; the last reply line. */
  private static String session(int port, String client, List<String> commands) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(20_000);
      OutputStream out = s.getOutputStream();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
      out.write(
          ("PROXY TCP4 " + client + " 127.0.0.1 40000 25\r\n").getBytes(StandardCharsets.US_ASCII));
      String last = reply(in);
      for (String c : commands) {
        out.write((c + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        last = reply(in);
        if (last.startsWith("5") || last.startsWith("4")) {
          return last;
        }
      }
      return last;
    }
  }

  private static String reply(BufferedReader in) throws IOException {
    String line;
    do {
      line = in.readLine();
      if (line == null) {
        throw new IOException("connection closed");
      }
    } while (line.length() > 3 && line.charAt(3) == '-');
    return line;
  }

  @Test
  void gatewayVerdictsAndRefusalsReachTheSharedStreamWithTheirCountries() throws Exception {
    // smtp-sink run as root works as nobody, who must reach its dump directory.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    try (RedisServer redis = RedisServer.primary(dir.resolve("redis"));
        SmtpSink sink = SmtpSink.start(dir.resolve("sink"), 50)) {
      String yaml =
          """
          domains:
            bakery.example: {route: {host: 127.0.0.1, port: %d, tls: none}}
          lists: {block: {senders: [bad@spam.example]}}
          redis: {uri: "redis://127.0.0.1:%d"}
          shared_state: {timeout: 2s}
          events:
            capacity: 1000
            node: gw1
            geoip:
              country: %s
              asn: %s
          """
              .formatted(
                  sink.port(),
                  redis.port(),
                  Events.COUNTRY_DB.toAbsolutePath(),
                  Events.ASN_DB.toAbsolutePath());
      FilterConfig config =
          FilterConfig.builder()
              .registry(EventsCheck.registry(SharedStateChecks.registry(BuiltIns.checks())))
              .section(EventSettings.SECTION)
              .section(StateSettings.SECTION)
              .section(dev.mailfilter.cluster.RedisSettings.SECTION)
              .yaml(yaml)
              .build();
      EventRecorder recorder =
          EventRecorder.shared(config.section(EventSettings.SECTION), StateSettings.of(config));
      try (recorder;
          MailFilter filter = MailFilter.builder().config(config).build();
          SmtpServer gateway =
              SmtpServer.builder()
                  .filters(() -> filter)
                  .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                  .hostName("gw.test")
                  .proxy(
                      new SmtpSettings.Proxy(
                          List.of(IpRange.parse("127.0.0.1/32")), Duration.ofSeconds(5)))
                  .drainTimeout(Duration.ofSeconds(5))
                  .build()
                  .start()) {
        // The node's connection opens in the background; mail does not wait for it, the test
        // does, so that both events go to Redis rather than being counted as lost.
        assertThat(
                SharedRedis.shared(StateSettings.of(config)).awaitAvailable(Duration.ofSeconds(20)))
            .isTrue();
        int port = gateway.localAddress().getPort();
        String accepted =
            session(
                port,
                Events.GB_IP,
                List.of(
                    "EHLO mx.sender.example",
                    "MAIL FROM:<alice@sender.example>",
                    "RCPT TO:<bob@bakery.example>",
                    "DATA",
                    "From: alice@sender.example\r\nTo: bob@bakery.example\r\nSubject: bread\r\n"
                        + "Message-ID: <1@sender.example>\r\n"
                        + "Date: Tue, 8 Dec 2026 02:00:00 +0000\r\n\r\nFriday's order.\r\n.",
                    "QUIT"));
        assertThat(accepted).startsWith("221");
        String refused =
            session(
                port, Events.US_IP, List.of("EHLO bulk.example", "MAIL FROM:<bad@spam.example>"));
        assertThat(refused).startsWith("5");
        assertThat(recorder.flush(Duration.ofSeconds(20))).isTrue();
        assertThat(recorder.written()).isEqualTo(2);

        // Read back from Redis, as another node's pages would.
        List<VerdictEvent> events = EventQuery.all(EventScope.all(), 10).run(recorder.store());
        assertThat(events).hasSize(2);
        VerdictEvent us = events.get(0);
        VerdictEvent gb = events.get(1);
        assertThat(us.country()).isEqualTo("US");
        assertThat(us.beforeData()).isTrue();
        assertThat(us.action()).isEqualTo(Action.REJECT);
        assertThat(us.sender()).isEqualTo("bad@spam.example");
        assertThat(gb.country()).isEqualTo("GB");
        assertThat(gb.client()).isEqualTo(Events.GB_IP);
        assertThat(gb.beforeData()).isFalse();
        assertThat(gb.recipients()).containsExactly("bob@bakery.example");
        assertThat(gb.tenant()).isEqualTo("bakery.example");
        assertThat(gb.node()).isEqualTo("gw1");
        assertThat(gb.transactionId()).isNotEmpty().isNotEqualTo(us.transactionId());
        assertThat(recorder.store().size()).isEqualTo(2);
      }
    }
  }
}
