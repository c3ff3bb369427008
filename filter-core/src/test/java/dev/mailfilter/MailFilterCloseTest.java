package dev.mailfilter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import dev.mailfilter.api.Action;
import dev.mailfilter.api.Connection;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.FilterSession;
import dev.mailfilter.api.Stage;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.spi.SymbolDef;
import dev.mailfilter.testing.TestCheck;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link MailFilter#close()} lets sessions in flight finish, up to a bounded wait. */
class MailFilterCloseTest {
  /** A thread per task: the common pool may have one thread on a small machine. */
  private static final Executor THREADS = Executors.newVirtualThreadPerTaskExecutor();

  private static final byte[] MESSAGE =
      "From: a@example.org\r\nSubject: hello\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);

  private static Connection conn() {
    return Connection.of(InetAddresses.forString("192.0.2.7"), 40000, "mx.example.org");
  }

  private static Envelope envelope() {
    return Envelope.of(
        InetAddresses.forString("192.0.2.7"),
        "mx.example.org",
        "a@example.org",
        List.of("b@example.net"));
  }

  /** A DATA check that waits for the test before it adds its symbol. */
  private static final class Gate {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    TestCheck check() {
      return new TestCheck(
          "gate",
          Stage.DATA,
          List.of(SymbolDef.of("GATE_PASSED", 1, "the gated check finished")),
          ctx -> {
            entered.countDown();
            release.await();
            ctx.addSymbol("GATE_PASSED", "-");
          });
    }
  }

  private static MailFilter filter(Gate gate) {
    FilterConfig config = FilterConfig.builder().set("engine.timeouts.data", "30s").build();
    return MailFilter.builder().config(config).addCheck(gate.check()).build();
  }

  @Test
  void closeWaitsForAClassifyInFlightWhichFinishesWithItsChecks() throws Exception {
    Gate gate = new Gate();
    MailFilter f = filter(gate);
    CompletableFuture<Verdict> verdict =
        CompletableFuture.supplyAsync(() -> f.classify(MESSAGE, envelope()), THREADS);
    assertThat(gate.entered.await(10, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<Void> closing = CompletableFuture.runAsync(f::close, THREADS);
    // The close has begun: new sessions are refused while the one in flight goes on.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (opens(f)) {
      assertThat(System.nanoTime()).as("open refused once close began").isLessThan(deadline);
    }
    assertThat(closing).isNotDone();
    assertThat(f.sessionsInFlight()).isEqualTo(1);
    gate.release.countDown();
    Verdict v = verdict.get(10, TimeUnit.SECONDS);
    assertThat(v.symbols()).anyMatch(s -> s.name().equals("GATE_PASSED"));
    assertThat(v.symbols()).noneMatch(s -> s.name().startsWith("CHECK_"));
    closing.get(10, TimeUnit.SECONDS);
    assertThat(f.sessionsInFlight()).isZero();
  }

  /** Whether a session opens (and closes it again). */
  private static boolean opens(MailFilter f) {
    try {
      f.open(conn()).close();
      return true;
    } catch (IllegalStateException closing) {
      return false;
    }
  }

  @Test
  void closeWaitsForAnOpenSessionUntilItIsClosed() throws Exception {
    MailFilter f = MailFilter.withDefaults();
    FilterSession s = f.open(conn());
    CompletableFuture<Void> closing = CompletableFuture.runAsync(f::close, THREADS);
    assertThatThrownBy(() -> closing.get(200, TimeUnit.MILLISECONDS))
        .isInstanceOf(java.util.concurrent.TimeoutException.class);
    s.mailFrom("a@example.org");
    s.rcptTo("b@example.net");
    assertThat(s.endOfData(MESSAGE).action()).isNotEqualTo(Action.TEMPFAIL);
    s.close();
    closing.get(10, TimeUnit.SECONDS);
    assertThatThrownBy(() -> f.open(conn()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void aBoundedWaitCutsTheSessionsStillInFlight() throws Exception {
    Gate gate = new Gate();
    MailFilter f = filter(gate);
    CompletableFuture<Verdict> verdict =
        CompletableFuture.supplyAsync(() -> f.classify(MESSAGE, envelope()), THREADS);
    assertThat(gate.entered.await(10, TimeUnit.SECONDS)).isTrue();
    long t0 = System.nanoTime();
    f.close(Duration.ofMillis(300));
    long waited = System.nanoTime() - t0;
    assertThat(waited).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
    assertThat(waited).isLessThan(TimeUnit.SECONDS.toNanos(10));
    // Cut: the gated check was interrupted, the verdict says so instead of hanging.
    Verdict v = verdict.get(10, TimeUnit.SECONDS);
    assertThat(v.symbols()).anyMatch(s -> s.name().equals("CHECK_FAILED_GATE"));
  }

  @Test
  void theDrainTimeoutIsAConfigurationValue() {
    FilterConfig config = FilterConfig.builder().set("reload.drain_timeout", "250ms").build();
    assertThat(config.section(ReloadSettings.SECTION).drainTimeout())
        .isEqualTo(Duration.ofMillis(250));
    assertThat(FilterConfig.defaults().section(ReloadSettings.SECTION).drainTimeout())
        .isEqualTo(Duration.ofMinutes(2));
    assertThatThrownBy(() -> FilterConfig.builder().set("reload.watch_interval", "10ms").build())
        .hasMessageContaining("reload.watch_interval");
    assertThatThrownBy(() -> FilterConfig.builder().set("reload.drain", "1s").build())
        .hasMessageContaining("reload.drain");
  }

  @Test
  void aSecondCloseReturnsAtOnce() {
    MailFilter f = MailFilter.withDefaults();
    FilterSession leaked = f.open(conn());
    f.close(Duration.ZERO);
    long t0 = System.nanoTime();
    f.close(); // would wait the 2-minute drain for the leaked session if it started again
    assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(5));
    leaked.close();
  }
}
