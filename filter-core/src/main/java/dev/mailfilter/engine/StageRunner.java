package dev.mailfilter.engine;

import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.Stage;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.config.FailurePolicy;
import dev.mailfilter.mime.MessageParser;
import dev.mailfilter.mime.ParsedMessage;
import dev.mailfilter.spi.CheckSettings;
import dev.mailfilter.spi.VerdictListener;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the checks of one stage under the stage's deadline: those that may block in parallel on
 * virtual threads, those that never block ({@code Check.blocking()}) on the calling thread
 * meanwhile. A check that throws or overruns is isolated: reported as {@code CHECK_FAILED_<NAME>}
 * or {@code CHECK_TIMEOUT_<NAME>}, logged (with its stack trace the first time per check), and its
 * late reports are dropped.
 */
final class StageRunner {
  private static final Logger LOG = LoggerFactory.getLogger(StageRunner.class);

  private final EngineSettings config;
  private final Map<Stage, List<CheckSettings>> byStage = new EnumMap<>(Stage.class);
  private final Map<Stage, List<StatsRecorder.CheckCounters>> countersByStage =
      new EnumMap<>(Stage.class);
  // Check.blocking() of each check of a stage, asked once: where a check runs is fixed per filter.
  private final Map<Stage, boolean[]> blockingByStage = new EnumMap<>(Stage.class);
  private final StatsRecorder stats;
  private final ExecutorService executor;
  private final Clock clock;
  private final MessageParser parser;
  private final Set<String> loggedTraces = ConcurrentHashMap.newKeySet();
  // The engine's result header names, lower case: checks may not add them.
  private final Set<String> reservedHeaders;

  StageRunner(
      EngineSettings config,
      List<CheckSettings> checks,
      ExecutorService executor,
      Clock clock,
      StatsRecorder stats) {
    this.config = config;
    this.stats = stats;
    this.executor = executor;
    this.clock = clock;
    this.parser = MessageParser.create(config.mimeLimits());
    Set<String> reserved = new HashSet<>();
    for (Optional<String> name :
        List.of(
            config.headers().flag(),
            config.headers().score(),
            config.headers().status(),
            config.headers().symbols())) {
      name.ifPresent(n -> reserved.add(n.toLowerCase(Locale.ROOT)));
    }
    this.reservedHeaders = Set.copyOf(reserved);
    for (Stage s : Stage.values()) {
      byStage.put(s, new ArrayList<>());
    }
    for (CheckSettings c : checks) {
      byStage.get(c.check().stage()).add(c);
    }
    byStage.replaceAll((s, l) -> List.copyOf(l));
    for (Stage s : Stage.values()) {
      List<CheckSettings> l = byStage.get(s);
      countersByStage.put(s, l.stream().map(stats::check).toList());
      boolean[] blocking = new boolean[l.size()];
      for (int i = 0; i < blocking.length; i++) {
        blocking[i] = l.get(i).check().blocking();
      }
      blockingByStage.put(s, blocking);
    }
  }

  /** Whether any check runs at this stage. */
  boolean hasChecks(Stage stage) {
    return !byStage.get(stage).isEmpty();
  }

  /** The message of a transaction, parsed once: the one the checks saw, or parsed now. */
  ParsedMessage parsed(TransactionCache transaction, RawMessage raw) {
    return RunContext.parsed(transaction, parser, raw);
  }

  /** Runs every check of the stage; returns when all finished or the deadline passed. */
  void run(
      Stage stage,
      String transactionId,
      Envelope envelope,
      Optional<String> recipient,
      RawMessage raw,
      Findings findings,
      TransactionCache transaction) {
    List<CheckSettings> checks = byStage.get(stage);
    if (checks.isEmpty()) {
      return;
    }
    List<StatsRecorder.CheckCounters> counters = countersByStage.get(stage);
    StatsRecorder.StageCounters stageCounters = stats.stage(stage);
    stageCounters.runs.increment();
    long stageStartNanos = System.nanoTime();
    try {
      runChecks(
          stage, transactionId, envelope, recipient, raw, findings, transaction, checks, counters);
    } finally {
      stageCounters.latency.record(System.nanoTime() - stageStartNanos);
    }
  }

  private void runChecks(
      Stage stage,
      String transactionId,
      Envelope envelope,
      Optional<String> recipient,
      RawMessage raw,
      Findings findings,
      TransactionCache transaction,
      List<CheckSettings> checks,
      List<StatsRecorder.CheckCounters> counters) {
    Instant start = clock.instant();
    Instant stageDeadline = start.plus(config.stageTimeout(stage));
    int n = checks.size();
    boolean[] blocking = blockingByStage.get(stage);
    Future<?>[] futures = new Future<?>[n];
    RunContext[] contexts = new RunContext[n];
    Instant[] deadlines = new Instant[n];
    for (int i = 0; i < n; i++) {
      CheckSettings c = checks.get(i);
      Instant deadline = stageDeadline;
      if (c.timeout().isPresent()) {
        Instant own = start.plus(c.timeout().get());
        if (own.isBefore(deadline)) {
          deadline = own;
        }
      }
      deadlines[i] = deadline;
      contexts[i] =
          new RunContext(
              c,
              stage,
              transactionId,
              envelope,
              recipient,
              raw,
              findings,
              i,
              reservedHeaders,
              transaction,
              deadline,
              clock,
              parser,
              counters.get(i),
              !blocking[i]);
    }
    // Checks that may block first, each on a virtual thread, so that their waits overlap the
    // computing checks, which then run here one after another.
    for (int i = 0; i < n; i++) {
      if (blocking[i]) {
        futures[i] = submit(checks.get(i), contexts[i], counters.get(i));
      }
    }
    for (int i = 0; i < n; i++) {
      if (!blocking[i]) {
        runHere(checks.get(i), contexts[i], counters.get(i), deadlines[i], findings, transactionId);
      }
    }
    boolean interrupted = false;
    for (int i = 0; i < n; i++) {
      Future<?> f = futures[i];
      if (f == null) {
        continue;
      }
      CheckSettings c = checks.get(i);
      try {
        long nanos = Duration.between(clock.instant(), deadlines[i]).toNanos();
        f.get(Math.max(0, nanos), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        f.cancel(true);
        contexts[i].close();
        counters.get(i).timeouts.increment();
        failure(findings, "CHECK_TIMEOUT_", c, config.onCheckTimeout(), null, transactionId);
      } catch (ExecutionException e) {
        contexts[i].close();
        counters.get(i).failures.increment();
        failure(findings, "CHECK_FAILED_", c, config.onCheckError(), e.getCause(), transactionId);
      } catch (InterruptedException e) {
        // The caller's thread is being stopped: abandon the stage, keep the flag for the caller.
        interrupted = true;
        for (int j = i; j < n; j++) {
          if (futures[j] != null) {
            futures[j].cancel(true);
          }
          contexts[j].close();
        }
        findings.markTempfail();
        break;
      } finally {
        contexts[i].close();
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private Future<?> submit(CheckSettings c, RunContext ctx, StatsRecorder.CheckCounters cc) {
    cc.runs.increment();
    try {
      return executor.submit(
          () -> {
            // Timed on the check's own thread: its real run time, also when it ends late.
            long t0 = System.nanoTime();
            try {
              c.check().run(ctx);
            } finally {
              cc.latency.record(System.nanoTime() - t0);
            }
            return null;
          });
    } catch (RejectedExecutionException e) {
      // The filter was closed under a session still in flight (a reload finished early).
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Runs a check that never blocks on this thread. Whatever it throws is isolated as on a virtual
   * thread; returning after its deadline makes it a timeout, its reports from after the deadline
   * already refused by its context.
   */
  private void runHere(
      CheckSettings c,
      RunContext ctx,
      StatsRecorder.CheckCounters cc,
      Instant deadline,
      Findings findings,
      String transactionId) {
    cc.runs.increment();
    if (!clock.instant().isBefore(deadline)) {
      // Checks before it used up the stage's time: not started, as a virtual thread would be cut.
      ctx.close();
      cc.timeouts.increment();
      failure(findings, "CHECK_TIMEOUT_", c, config.onCheckTimeout(), null, transactionId);
      return;
    }
    long t0 = System.nanoTime();
    Throwable thrown = null;
    try {
      c.check().run(ctx);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // for the caller, as the other path keeps it
      thrown = e;
    } catch (Throwable e) { // as ExecutionException carries anything a virtual thread threw
      thrown = e;
    } finally {
      cc.latency.record(System.nanoTime() - t0);
      ctx.close();
    }
    if (thrown != null) {
      cc.failures.increment();
      failure(findings, "CHECK_FAILED_", c, config.onCheckError(), thrown, transactionId);
    } else if (clock.instant().isAfter(deadline)) {
      cc.timeouts.increment();
      failure(findings, "CHECK_TIMEOUT_", c, config.onCheckTimeout(), null, transactionId);
    }
  }

  /**
   * Shows a DATA verdict to the enabled DATA checks that listen for it ({@code VerdictListener}).
   */
  void verdictReached(
      String transactionId, RawMessage raw, TransactionCache transaction, Verdict verdict) {
    for (CheckSettings c : byStage.get(Stage.DATA)) {
      if (c.check() instanceof VerdictListener l) {
        try {
          l.verdictReached(transactionId, parsed(transaction, raw), verdict);
        } catch (RuntimeException e) {
          LOG.warn("[{}] check {} failed on the verdict: {}", transactionId, c.check().name(), e);
        }
      }
    }
  }

  private void failure(
      Findings findings,
      String prefix,
      CheckSettings c,
      FailurePolicy policy,
      Throwable cause,
      String transactionId) {
    String name = c.check().name();
    String symbol = prefix + name.toUpperCase(Locale.ROOT);
    String reason = cause == null ? "deadline passed" : cause.getClass().getSimpleName();
    findings.add(symbol, config.failureScore(), List.of(reason));
    if (policy == FailurePolicy.TEMPFAIL) {
      findings.markTempfail();
    }
    if (cause == null) {
      LOG.warn("[{}] check {} overran its deadline; {}", transactionId, name, policy);
    } else if (loggedTraces.add(name)) {
      LOG.warn(
          "[{}] check {} failed; {} (stack trace logged once)", transactionId, name, policy, cause);
    } else {
      LOG.warn("[{}] check {} failed; {}: {}", transactionId, name, policy, cause.toString());
    }
  }
}
