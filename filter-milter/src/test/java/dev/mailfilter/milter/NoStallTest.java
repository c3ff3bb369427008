package dev.mailfilter.milter;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.MailFilter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The no-stall rules measured rather than asserted as settings. The client writes as Postfix does,
 * Nagle's algorithm on (no {@code TCP_NODELAY}), a macro packet that gets no reply followed by its
 * command in a second write: without {@code TCP_QUICKACK} on the milter's side the second write
 * waits for the milter's delayed ACK, about 40 ms on Linux, several times per message (stall A of
 * {@code SERVERS.md}); end-of-message replies written in two writes would add stall B. With the
 * rules a message over loopback takes a few milliseconds.
 */
@Timeout(120)
class NoStallTest {
  @Test
  void aMessageOverTcpTakesFarLessThanOneDelayedAck() throws Exception {
    try (MailFilter filter = MailFilter.withDefaults();
        MilterServer server =
            MilterServer.builder()
                .filter(filter)
                .listen(new ListenAddress.Inet("127.0.0.1", 0))
                .build()
                .start();
        MilterClient c = MilterClient.connect(server.localAddress()).handshake()) {
      List<Long> micros = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        long start = System.nanoTime();
        message(c, "4N" + i);
        micros.add((System.nanoTime() - start) / 1000);
      }
      // The first ten warm the JIT up.
      List<Long> measured = new ArrayList<>(micros.subList(10, micros.size()));
      measured.sort(null);
      long median = measured.get(measured.size() / 2);
      assertThat(Duration.ofNanos(median * 1000))
          .as("median per message, all: %s us", micros)
          .isLessThan(Duration.ofMillis(30));
    }
  }

  /** One transaction with Postfix's macro packets before MAIL, RCPT, DATA and the end. */
  private static void message(MilterClient c, String queueId) throws Exception {
    c.send(new Command.Macro(Milter.SMFIC_MAIL, Map.of("i", queueId, "{auth_authen}", "")));
    assertThat(c.call(new Command.Mail(List.of("<a@example.org>")))).isEmpty(); // SMFIP_NR_MAIL
    c.send(new Command.Macro(Milter.SMFIC_RCPT, Map.of("i", queueId)));
    assertThat(c.call(new Command.Rcpt(List.of("<b@example.net>"))))
        .containsExactly(Response.CONTINUE);
    c.send(new Command.Macro(Milter.SMFIC_DATA, Map.of("i", queueId)));
    assertThat(c.call(new Command.Data())).containsExactly(Response.CONTINUE);
    for (String[] h :
        new String[][] {
          {"From", " a@example.org"},
          {"To", " b@example.net"},
          {"Subject", " lunch"},
          {"Message-ID", " <" + queueId + "@example.org>"},
          {"Date", " Mon, 7 Dec 2026 14:00:00 +0000"}
        }) {
      c.call(new Command.Header(h[0], h[1])); // no reply (SMFIP_NR_HDR)
    }
    assertThat(c.call(new Command.Eoh())).isEmpty(); // SMFIP_NR_EOH
    c.body("see you at noon\r\n".getBytes(US_ASCII));
    c.send(new Command.Macro(Milter.SMFIC_BODYEOB, Map.of("i", queueId)));
    assertThat(c.call(new Command.BodyEob()).getLast()).isEqualTo(Response.CONTINUE);
    c.send(new Command.Abort());
  }
}
