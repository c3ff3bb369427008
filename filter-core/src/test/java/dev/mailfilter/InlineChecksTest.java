package dev.mailfilter;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import dev.mailfilter.api.Action;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.Stage;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.SymbolDef;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Checks that never block ({@link Check#blocking()} false) run on the calling thread, isolated as
 * the ones on virtual threads are.
 */
class InlineChecksTest {
  private static final InetAddress CLIENT = InetAddresses.forString("203.0.113.25");
  private static final byte[] MESSAGE =
      "From: a@example.org\r\nSubject: offer\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final Envelope ENVELOPE =
      Envelope.of(CLIENT, "mx.example.org", "a@example.org", List.of("b@example.net"));

  interface Body {
    void run(CheckContext ctx) throws IOException, InterruptedException;
  }

  /** A check that computes only, as the built-in local checks declare. */
  record Computing(String name, List<SymbolDef> symbols, Body body) implements Check {
    @Override
    public Stage stage() {
      return Stage.DATA;
    }

    @Override
    public void run(CheckContext ctx) throws IOException, InterruptedException {
      body.run(ctx);
    }

    @Override
    public boolean blocking() {
      return false;
    }
  }

  private static Computing computing(String name, String symbol, Body body) {
    return new Computing(name, List.of(SymbolDef.of(symbol, 1, "test")), body);
  }

  /**
   * Only the test's checks: the built-in ones would judge the synthetic message and, on a cold and
   * loaded machine, could use up a short deadline before the test's checks start.
   */
  private static FilterConfig quiet(String dataTimeout) {
    FilterConfig.Builder b = FilterConfig.builder().set("engine.timeouts.data", dataTimeout);
    try (MailFilter defaults = MailFilter.withDefaults()) {
      for (var c : defaults.checks()) {
        b.set("checks." + c.check().name() + ".enabled", false);
      }
    }
    return b.build();
  }

  @Test
  void computingChecksRunOnTheCallerWhileBlockingOnesRunOnVirtualThreads() throws Exception {
    AtomicReference<Thread> computedOn = new AtomicReference<>();
    AtomicReference<Thread> blockedOn = new AtomicReference<>();
    CountDownLatch blockingStarted = new CountDownLatch(1);
    Check blocking =
        new dev.mailfilter.testing.TestCheck(
            "waits",
            Stage.DATA,
            List.of(SymbolDef.of("WAITED", 1, "test")),
            ctx -> {
              blockedOn.set(Thread.currentThread());
              blockingStarted.countDown();
              ctx.addSymbol("WAITED");
            });
    // The computing check sees the blocking one already started: blocking checks go first.
    Check local =
        computing(
            "local",
            "COMPUTED",
            ctx -> {
              computedOn.set(Thread.currentThread());
              if (!blockingStarted.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("the blocking check was not started first");
              }
              ctx.addSymbol("COMPUTED");
            });
    try (MailFilter f =
        MailFilter.builder().config(quiet("10s")).addCheck(local).addCheck(blocking).build()) {
      Verdict v = f.classify(MESSAGE, ENVELOPE);
      assertThat(v.symbols()).extracting(Symbol::name).contains("COMPUTED", "WAITED");
      assertThat(computedOn.get()).isSameAs(Thread.currentThread());
      assertThat(blockedOn.get().isVirtual()).isTrue();
      assertThat(f.stats().checks())
          .filteredOn(c -> c.name().equals("local"))
          .singleElement()
          .satisfies(c -> assertThat(c.runs()).isEqualTo(1));
    }
  }

  @Test
  void aThrowingComputingCheckIsReportedAndTheOthersStillRun() {
    Check thrower =
        computing(
            "boom",
            "NEVER",
            ctx -> {
              throw new IllegalStateException("bad state");
            });
    Check overflow = computing("deep", "DEEP", InlineChecksTest::recurse);
    Check after = computing("after", "AFTER", ctx -> ctx.addSymbol("AFTER"));
    try (MailFilter f =
        MailFilter.builder()
            .config(quiet("10s"))
            .addCheck(thrower)
            .addCheck(overflow)
            .addCheck(after)
            .build()) {
      Verdict v = f.classify(MESSAGE, ENVELOPE);
      assertThat(v.symbols())
          .extracting(Symbol::name)
          .contains("CHECK_FAILED_BOOM", "CHECK_FAILED_DEEP", "AFTER")
          .doesNotContain("NEVER", "DEEP");
      assertThat(v.action()).isEqualTo(Action.ACCEPT);
    }
  }

  private static void recurse(CheckContext ctx) {
    recurse(ctx);
  }

  @Test
  void aComputingCheckPastItsDeadlineIsATimeoutAndKeepsOnlyItsEarlyReports() {
    Check slow =
        new Computing(
            "slow",
            List.of(SymbolDef.of("EARLY", 1, "test"), SymbolDef.of("LATE", 1, "test")),
            ctx -> {
              ctx.addSymbol("EARLY");
              long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1_200);
              while (System.nanoTime() < end) {
                Thread.onSpinWait(); // computing, not sleeping: nothing can cut it short
              }
              ctx.addSymbol("LATE");
            });
    // Runs after the slow one, with the stage's time already gone: not started.
    Check next = computing("next", "NEXT", ctx -> ctx.addSymbol("NEXT"));
    try (MailFilter f =
        MailFilter.builder().config(quiet("500ms")).addCheck(slow).addCheck(next).build()) {
      Verdict v = f.classify(MESSAGE, ENVELOPE);
      assertThat(v.symbols())
          .extracting(Symbol::name)
          .contains("EARLY", "CHECK_TIMEOUT_SLOW", "CHECK_TIMEOUT_NEXT")
          .doesNotContain("LATE", "NEXT");
      assertThat(f.stats().checks())
          .filteredOn(c -> c.name().equals("slow") || c.name().equals("next"))
          .allSatisfy(c -> assertThat(c.timeouts()).isEqualTo(1));
    }
  }

  @Test
  void theBuiltInLocalChecksDeclareThatTheyNeverBlock() {
    // Every check on by default is local (network checks are off by default).
    try (MailFilter f = MailFilter.withDefaults()) {
      assertThat(f.checks())
          .extracting(c -> c.check().name() + "=" + c.check().blocking())
          .allSatisfy(s -> assertThat(s).endsWith("=false"));
    }
  }
}
