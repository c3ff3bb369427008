package dev.mailfilter;

import static dev.mailfilter.testing.TestCheck.fixed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import dev.mailfilter.api.Action;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.FilterStats;
import dev.mailfilter.api.Stage;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.SymbolDef;
import dev.mailfilter.testing.TestCheck;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link MailFilter#stats()} and the histogram behind it. */
class FilterStatsTest {
  private static final byte[] MAIL =
      "From: a@example.org\r\nTo: b@example.net\r\nSubject: hi\r\n\r\nHello.\r\n"
          .getBytes(StandardCharsets.US_ASCII);
  private static final Envelope ENVELOPE =
      Envelope.of(
          InetAddresses.forString("198.51.100.7"),
          "mail.example.org",
          "a@example.org",
          List.of("b@example.net"));

  @Test
  void countsRunsFailuresTimeoutsHitsAndVerdictsPerCheckAndStage() {
    Check thrower =
        new TestCheck(
            "boom",
            Stage.DATA,
            List.of(SymbolDef.of("NEVER", 1, "never")),
            ctx -> {
              throw new IOException("scanner down");
            });
    Check sleeper =
        new TestCheck(
            "sleeper",
            Stage.DATA,
            List.of(SymbolDef.of("SLEPT", 1, "never reached")),
            ctx -> {
              Thread.sleep(TimeUnit.SECONDS.toMillis(30));
              ctx.addSymbol("SLEPT");
            });
    Check twice =
        new TestCheck(
            "twice",
            Stage.DATA,
            List.of(SymbolDef.of("TWICE", 0.5, "added twice per run")),
            ctx -> {
              ctx.addSymbol("TWICE", "one");
              ctx.addSymbol("TWICE", "two");
            });
    FilterConfig config = FilterConfig.builder().set("engine.timeouts.data", "200ms").build();
    try (MailFilter f =
        MailFilter.builder()
            .config(config)
            .addCheck(thrower)
            .addCheck(sleeper)
            .addCheck(twice)
            .addCheck(fixed("rcpt", Stage.RCPT, "RCPT_SEEN", 0.1))
            .build()) {
      for (int i = 0; i < 3; i++) {
        assertThat(f.classify(MAIL, ENVELOPE).action()).isEqualTo(Action.ACCEPT);
      }
      FilterStats s = f.stats();
      FilterStats.CheckStats boom = s.check("boom").orElseThrow();
      assertThat(boom.runs()).isEqualTo(3);
      assertThat(boom.failures()).isEqualTo(3);
      assertThat(boom.timeouts()).isZero();
      assertThat(boom.hits()).containsEntry("NEVER", 0L);
      assertThat(boom.latency().count()).isEqualTo(3);
      FilterStats.CheckStats slow = s.check("sleeper").orElseThrow();
      assertThat(slow.runs()).isEqualTo(3);
      assertThat(slow.timeouts()).isEqualTo(3);
      assertThat(slow.failures()).isZero();
      FilterStats.CheckStats tw = s.check("twice").orElseThrow();
      // Two adds of one symbol in one run are one hit.
      assertThat(tw.hits()).containsExactlyEntriesOf(java.util.Map.of("TWICE", 3L));
      assertThat(tw.totalHits()).isEqualTo(3);
      assertThat(tw.latency().count()).isEqualTo(3);
      assertThat(tw.latency().percentile(0.99)).isLessThanOrEqualTo(tw.latency().max());
      assertThat(s.check("rcpt").orElseThrow().stage()).isEqualTo(Stage.RCPT);
      assertThat(s.check("rcpt").orElseThrow().hits()).containsEntry("RCPT_SEEN", 3L);
      assertThat(s.check("gtube").orElseThrow().runs()).isEqualTo(3);
      assertThat(s.check("nonexistent")).isEmpty();

      FilterStats.StageStats data = s.stages().get(Stage.DATA);
      assertThat(data.runs()).isEqualTo(3);
      assertThat(data.failures()).isEqualTo(3);
      assertThat(data.timeouts()).isEqualTo(3);
      assertThat(data.hits()).containsEntry("TWICE", 3L);
      assertThat(data.latency().count()).isEqualTo(3);
      // The stage waited for the sleeper's deadline each time.
      assertThat(data.latency().max()).isGreaterThanOrEqualTo(Duration.ofMillis(150));
      assertThat(s.stages().get(Stage.RCPT).runs()).isEqualTo(3);
      assertThat(s.stages().get(Stage.CONNECT).runs()).isZero();
      assertThat(s.stages().keySet()).containsExactly(Stage.values());

      assertThat(s.verdicts()).containsEntry(Action.ACCEPT, 3L).containsEntry(Action.REJECT, 0L);
      assertThat(s.verdictCount()).isEqualTo(3);
      assertThat(s.refusals().values()).allMatch(n -> n == 0);
    }
  }

  @Test
  void countsVerdictsByActionAndEarlyRefusals() {
    FilterConfig config =
        FilterConfig.builder().set("lists.block.domains", List.of("spammer.example")).build();
    byte[] gtube =
        ("Subject: test\r\n\r\nXJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    try (MailFilter f = MailFilter.builder().config(config).build()) {
      f.classify(MAIL, ENVELOPE);
      f.classify(gtube, ENVELOPE);
      f.classify(gtube, ENVELOPE);
      f.classify(
          MAIL,
          Envelope.of(
              ENVELOPE.connection().clientAddress(),
              "mail.example.org",
              "bulk@spammer.example",
              List.of("b@example.net")));
      FilterStats s = f.stats();
      assertThat(s.verdicts())
          .containsEntry(Action.ACCEPT, 1L)
          .containsEntry(Action.REJECT, 2L)
          .containsEntry(Action.TEMPFAIL, 0L);
      assertThat(s.refusals()).containsEntry(Action.REJECT, 1L);
      assertThat(s.check("gtube").orElseThrow().hits()).containsEntry("GTUBE", 2L);
      // The snapshot is a value: later traffic does not change it.
      f.classify(MAIL, ENVELOPE);
      assertThat(s.verdicts()).containsEntry(Action.ACCEPT, 1L);
      assertThat(f.stats().verdicts()).containsEntry(Action.ACCEPT, 2L);
      assertThatThrownBy(() -> s.verdicts().put(Action.ACCEPT, 0L))
          .isInstanceOf(UnsupportedOperationException.class);
    }
  }
}
