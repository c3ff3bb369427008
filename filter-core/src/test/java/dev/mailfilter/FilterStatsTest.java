package dev.mailfilter;

import static dev.mailfilter.MailFilterTest.fixed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import dev.mailfilter.MailFilterTest.TestCheck;
import dev.mailfilter.check.Check;
import dev.mailfilter.check.Stage;
import dev.mailfilter.check.SymbolDef;
import dev.mailfilter.config.FilterConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
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

  @Test
  void bucketBoundsAreInclusiveOneTwoFiveFromOneMicrosecondToFiftySeconds() {
    List<Duration> bounds = FilterStats.Latency.bucketBounds();
    assertThat(bounds).hasSize(24);
    assertThat(bounds.getFirst()).isEqualTo(Duration.ofNanos(1_000));
    assertThat(bounds.get(1)).isEqualTo(Duration.ofNanos(2_000));
    assertThat(bounds.get(2)).isEqualTo(Duration.ofNanos(5_000));
    assertThat(bounds.getLast()).isEqualTo(Duration.ofSeconds(50));
    assertThat(LatencyHistogram.bucket(0)).isZero();
    assertThat(LatencyHistogram.bucket(1_000)).isZero();
    assertThat(LatencyHistogram.bucket(1_001)).isEqualTo(1);
    assertThat(LatencyHistogram.bucket(50_000_000_000L)).isEqualTo(23);
    assertThat(LatencyHistogram.bucket(50_000_000_001L)).isEqualTo(24);
    assertThat(LatencyHistogram.bucket(Long.MAX_VALUE)).isEqualTo(24);
  }

  @Test
  void percentilesInterpolateInsideTheirBucket() {
    LatencyHistogram h = new LatencyHistogram();
    List<Long> micros = new ArrayList<>();
    for (long us = 1; us <= 1000; us++) {
      micros.add(us);
    }
    Collections.shuffle(micros, new java.util.Random(7));
    micros.forEach(us -> h.record(TimeUnit.MICROSECONDS.toNanos(us)));
    FilterStats.Latency l = h.snapshot();
    assertThat(l.count()).isEqualTo(1000);
    assertThat(l.max()).isEqualTo(Duration.ofMillis(1));
    assertThat(l.mean()).isEqualTo(Duration.ofNanos(500_500));
    // Uniform values: interpolation inside a bucket is exact.
    assertThat(l.percentile(0.5)).isEqualTo(Duration.ofNanos(500_000));
    assertThat(l.percentile(0.99)).isEqualTo(Duration.ofNanos(990_000));
    assertThat(l.percentile(1.0)).isEqualTo(Duration.ofMillis(1));
    assertThat(l.percentile(0.0)).isEqualTo(Duration.ofNanos(1_000));
  }

  @Test
  void percentileNeverExceedsTheMaximumAndOverflowAnswersTheMaximum() {
    LatencyHistogram h = new LatencyHistogram();
    for (int i = 0; i < 100; i++) {
      h.record(3_000); // bucket (2 µs, 5 µs]
    }
    assertThat(h.snapshot().percentile(0.99)).isEqualTo(Duration.ofNanos(3_000));
    h.record(TimeUnit.SECONDS.toNanos(70)); // beyond 50 s
    FilterStats.Latency l = h.snapshot();
    assertThat(l.buckets().getLast()).isEqualTo(1);
    assertThat(l.percentile(1.0)).isEqualTo(Duration.ofSeconds(70));
    h.record(-5); // a clock step back counts as zero
    assertThat(h.snapshot().buckets().getFirst()).isEqualTo(1);
  }

  @Test
  void emptyHistogramAndBadPercentile() {
    FilterStats.Latency empty = new LatencyHistogram().snapshot();
    assertThat(empty.count()).isZero();
    assertThat(empty.percentile(0.5)).isEqualTo(Duration.ZERO);
    assertThat(empty.mean()).isEqualTo(Duration.ZERO);
    assertThatThrownBy(() -> empty.percentile(1.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1.5");
    assertThatThrownBy(() -> new FilterStats.Latency(0, Duration.ZERO, Duration.ZERO, List.of(1L)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("25");
  }

  @Test
  void concurrentRecordingLosesNothing() throws InterruptedException {
    LatencyHistogram h = new LatencyHistogram();
    long seed = new SplittableRandom().nextLong();
    int threads = 4;
    int each = 20_000;
    long[] sums = new long[threads];
    List<Thread> started = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      SplittableRandom r = new SplittableRandom(seed + t);
      int idx = t;
      started.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    for (int i = 0; i < each; i++) {
                      long v = r.nextLong(0, 60_000_000_000L);
                      sums[idx] += v;
                      h.record(v);
                    }
                  }));
    }
    for (Thread t : started) {
      t.join();
    }
    FilterStats.Latency l = h.snapshot();
    long expected = 0;
    for (long s : sums) {
      expected += s;
    }
    assertThat(l.count()).as("seed %s", seed).isEqualTo((long) threads * each);
    assertThat(l.buckets().stream().mapToLong(Long::longValue).sum()).isEqualTo(l.count());
    assertThat(l.total()).as("seed %s", seed).isEqualTo(Duration.ofNanos(expected));
  }
}
