package dev.mailfilter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import dev.mailfilter.api.Action;
import dev.mailfilter.api.Connection;
import dev.mailfilter.api.Decision;
import dev.mailfilter.api.FilterSession;
import dev.mailfilter.api.Stage;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.spi.SymbolDef;
import dev.mailfilter.testing.SettableClock;
import dev.mailfilter.testing.TestCheck;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@code limits.*}: oversize and overtime are decisions with their replies, never exceptions. */
class SessionLimitsTest {
  private static final Connection CLIENT =
      Connection.of(InetAddresses.forString("203.0.113.25"), 40000, "mx.example.org");

  private final AtomicInteger dataRuns = new AtomicInteger();
  private final SettableClock clock = new SettableClock(Instant.parse("2026-01-05T10:00:00Z"));

  private MailFilter filter(int maxSize) {
    FilterConfig config =
        FilterConfig.builder()
            .set("limits.max_message_size", maxSize)
            .set("limits.max_transaction_time", "10m")
            .set("limits.max_session_time", "1h")
            .build();
    return MailFilter.builder()
        .config(config)
        .clock(clock)
        .addCheck(
            new TestCheck(
                "counter",
                Stage.DATA,
                List.of(SymbolDef.of("COUNTED", 0, "ran")),
                ctx -> dataRuns.incrementAndGet()))
        .build();
  }

  private static byte[] message(int size) {
    byte[] head = "Subject: big\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    byte[] m = Arrays.copyOf(head, size);
    Arrays.fill(m, head.length, size, (byte) 'x');
    return m;
  }

  private static void assertSizeRejected(Verdict v) {
    assertThat(v.action()).isEqualTo(Action.REJECT);
    assertThat(v.reply().toWire()).isEqualTo("552 5.3.4 Message size exceeds fixed limit\r\n");
    assertThat(v.symbols()).extracting(Symbol::name).containsExactly("MESSAGE_SIZE_LIMIT");
    assertThat(v.headerEdits()).isEmpty();
  }

  @Test
  void sizeAboveTheLimitAtMailFromIsRefusedWith552AndSticksForTheTransaction() {
    try (MailFilter f = filter(1000);
        FilterSession s = f.open(CLIENT)) {
      s.helo("mx.example.org");
      Decision d = s.mailFrom("<a@example.org>", Map.of("size", "1001"));
      assertThat(d).isInstanceOf(Decision.Refuse.class);
      Decision.Refuse r = (Decision.Refuse) d;
      assertThat(r.action()).isEqualTo(Action.REJECT);
      assertThat(r.reply().toWire()).isEqualTo("552 5.3.4 Message size exceeds fixed limit\r\n");
      assertThat(r.symbols().get(0).options()).containsExactly("SIZE= of 1001 bytes > 1000");
      assertThat(s.rcptTo("<b@example.net>")).isEqualTo(d);
      assertThat(s.endOfData(message(100)).reply()).isEqualTo(r.reply());

      assertThat(s.mailFrom("<a@example.org>", Map.of("SIZE", "1000")).refused()).isFalse();
    }
  }

  @Test
  void malformedSizeParameterIsASyntaxError() {
    try (MailFilter f = filter(1000);
        FilterSession s = f.open(CLIENT)) {
      for (String bad : List.of("", "-5", "12x", "99999999999999999999999")) {
        Decision d = s.mailFrom("<a@example.org>", Map.of("SIZE", bad));
        assertThat(d.refused()).as("SIZE=%s", bad).isTrue();
        assertThat(((Decision.Refuse) d).reply().toWire())
            .isEqualTo("501 5.5.4 Invalid SIZE parameter\r\n");
      }
    }
  }

  @Test
  void appendedBytesAboveTheLimitAreRejectedAtEndOfDataWithoutRunningChecks() {
    try (MailFilter f = filter(1000);
        FilterSession s = f.open(CLIENT)) {
      s.helo("mx.example.org");
      s.mailFrom("<a@example.org>");
      s.rcptTo("<b@example.net>");
      byte[] big = message(1001);
      s.append(big, 0, 600);
      s.append(big, 600, 401); // one byte over: counted, not kept
      assertSizeRejected(s.endOfData());
      assertThat(dataRuns).hasValue(0);

      // Exactly at the limit is fine, and the next transaction starts with an empty buffer.
      s.mailFrom("<a@example.org>");
      s.rcptTo("<b@example.net>");
      s.append(message(1000));
      assertThat(s.endOfData().action()).isEqualTo(Action.ACCEPT);
      assertThat(dataRuns).hasValue(1);
    }
  }

  @Test
  void wholeMessageAboveTheLimitIsRejectedToo() {
    try (MailFilter f = filter(1000)) {
      Verdict v =
          f.classify(
              message(5000),
              dev.mailfilter.api.Envelope.of(
                  CLIENT.clientAddress(), "mx.example.org", "a@example.org", List.of("b@x.net")));
      assertSizeRejected(v);
    }
  }

  @Test
  void headerAboveTheLimitIsRefusedAtEndOfHeaders() {
    try (MailFilter f = filter(100);
        FilterSession s = f.open(CLIENT)) {
      s.mailFrom("<a@example.org>");
      s.rcptTo("<b@example.net>");
      s.appendHeader("Subject", "x".repeat(200));
      Decision d = s.endOfHeaders();
      assertThat(d.refused()).isTrue();
      assertThat(((Decision.Refuse) d).reply().code()).isEqualTo(552);
      s.append("body\r\n".getBytes(StandardCharsets.US_ASCII));
      assertSizeRejected(s.endOfData());
    }
  }

  @Test
  void transactionOverItsTimeIsTempfailedWith451() {
    try (MailFilter f = filter(1000);
        FilterSession s = f.open(CLIENT)) {
      s.helo("mx.example.org");
      s.mailFrom("<a@example.org>");
      s.rcptTo("<b@example.net>");
      s.append(message(100));
      clock.advance(Duration.ofMinutes(10).plusSeconds(1));
      Verdict v = s.endOfData();
      assertThat(v.action()).isEqualTo(Action.TEMPFAIL);
      assertThat(v.reply().toWire())
          .isEqualTo("451 4.4.2 Transaction time limit exceeded, please try again later\r\n");
      assertThat(v.symbols()).extracting(Symbol::name).containsExactly("TRANSACTION_TIME_LIMIT");
      assertThat(dataRuns).hasValue(0);

      // A new transaction has its own time.
      s.mailFrom("<a@example.org>");
      s.rcptTo("<b@example.net>");
      assertThat(s.endOfData(message(100)).action()).isEqualTo(Action.ACCEPT);
    }
  }

  @Test
  void sessionOverItsTimeAnswers421AtEveryStage() {
    try (MailFilter f = filter(1000);
        FilterSession s = f.open(CLIENT)) {
      s.helo("mx.example.org");
      s.mailFrom("<a@example.org>");
      s.rcptTo("<b@example.net>");
      clock.advance(Duration.ofMinutes(61));
      Decision d = s.endOfHeaders();
      assertThat(d.refused()).isTrue();
      Decision.Refuse r = (Decision.Refuse) d;
      assertThat(r.action()).isEqualTo(Action.TEMPFAIL);
      assertThat(r.reply().toWire())
          .isEqualTo("421 4.4.2 Session time limit exceeded, closing connection\r\n");
      assertThat(s.endOfData().reply()).isEqualTo(r.reply());
      assertThat(s.helo("mx.example.org")).isEqualTo(d);
      assertThat(s.mailFrom("<a@example.org>")).isEqualTo(d);
      assertThat(dataRuns).hasValue(0);
    }
  }

  @Test
  void limitsAreValidatedAtLoadWithTheKeyPath() {
    assertThatThrownBy(() -> FilterConfig.parse("limits:\n  max_message_size: 0\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("limits.max_message_size");
    assertThatThrownBy(() -> FilterConfig.parse("limits:\n  max_transaction_time: 0s\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("limits.max_transaction_time");
    assertThatThrownBy(() -> FilterConfig.parse("limits:\n  max_session_tim: 1h\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("max_session_time");
    assertThat(FilterConfig.parse("limits:\n  max_message_size: 25MiB\n").limits().maxMessageSize())
        .isEqualTo(25L << 20);
  }
}
