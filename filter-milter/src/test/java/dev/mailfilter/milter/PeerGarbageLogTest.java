package dev.mailfilter.milter;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.MailFilter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the log shows for a peer's garbage: one line per connection, with the queue id once known,
 * and never a stack trace. The test binding (slf4j-simple) writes to whatever {@code System.err} is
 * at the time, so the test captures it.
 */
@Timeout(60)
class PeerGarbageLogTest {
  @Test
  void eachBadConnectionIsOneLineWithoutAStackTrace() throws Exception {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.err;
    try (MailFilter filter = MailFilter.withDefaults();
        MilterServer server =
            MilterServer.builder()
                .filter(filter)
                .listen(new ListenAddress.Inet("127.0.0.1", 0))
                .build()
                .start()) {
      System.setErr(new PrintStream(captured, true, UTF_8));
      try (MilterClient http = MilterClient.connect(server.localAddress());
          MilterClient midMessage = MilterClient.connect(server.localAddress())) {
        http.sendRaw("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(US_ASCII));
        midMessage.handshake().beginMessage("4QGARB", "lunch");
        midMessage.sendRaw(new byte[] {0, 0, 0, 1, 'Z'});
        // A length, then the peer goes away halfway through the packet.
        try (MilterClient truncated = MilterClient.connect(server.localAddress())) {
          truncated.sendRaw(new byte[] {0, 0, 0, 50, 'B', 'x'});
        }
        for (MilterClient c : List.of(http, midMessage)) {
          assertThat(c.closedByPeer()).isTrue();
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (server.stats().protocolErrors() < 3 && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }
      }
    } finally {
      System.setErr(original);
    }
    String log = captured.toString(UTF_8);
    List<String> closed = log.lines().filter(l -> l.contains(": closed: ")).toList();
    assertThat(closed).as(log).hasSize(3);
    assertThat(closed)
        .anySatisfy(l -> assertThat(l).contains("it reads as the text \"GET \""))
        .anySatisfy(l -> assertThat(l).contains("queue=4QGARB: closed: unknown milter command 'Z'"))
        .anySatisfy(
            l -> assertThat(l).contains("connection closed after 2 of the 50 bytes of a milter"));
    assertThat(log).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("ERROR");
  }
}
