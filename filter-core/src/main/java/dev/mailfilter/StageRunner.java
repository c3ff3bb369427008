package dev.mailfilter;

import dev.mailfilter.check.Stage;
import dev.mailfilter.check.VerdictListener;
import dev.mailfilter.config.CheckSettings;
import dev.mailfilter.config.FailurePolicy;
import dev.mailfilter.config.FilterConfig;
import dev.mailfilter.mime.MessageParser;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
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
 * Runs the checks of one stage in parallel on virtual threads under the stage's deadline. A check
 * that throws or overruns is isolated: reported as {@code CHECK_FAILED_<NAME>} or {@code
 * CHECK_TIMEOUT_<NAME>}, logged (with its stack trace the first time per check), and its late
 * reports are dropped.
 */
final class StageRunner {
  private static final Logger LOG = LoggerFactory.getLogger(StageRunner.class);

  private final FilterConfig config;
  private final Map<Stage, List<CheckSettings>> byStage = new EnumMap<>(Stage.class);
  private final Map<Stage, List<StatsRecorder.CheckCounters>> countersByStage =
      new EnumMap<>(Stage.class);
  private final StatsRecorder stats;
  private final ExecutorService executor;
  private final Clock clock;
  private final MessageParser parser;
  private final Set<String> loggedTraces = ConcurrentHashMap.newKeySet();

  StageRunner(
      FilterConfig config,
      List<CheckSettings> checks,
      ExecutorService executor,
      Clock clock,
      StatsRecorder stats) {
    this.config = config;
    this.stats = stats;
    this.executor = executor;
    this.clock = clock;
    this.parser = MessageParser.create(config.mimeLimits());
    for (Stage s : Stage.values()) {
      byStage.put(s, new ArrayList<>());
    }
    for (CheckSettings c : checks) {
      byStage.get(c.check().stage()).add(c);
    }
    byStage.replaceAll((s, l) -> List.copyOf(l));
    for (Stage s : Stage.values()) {
      countersByStage.put(s, byStage.get(s).stream().map(stats::check).toList());
    }
  }

  boolean hasChecks(Stage stage) {
    return !byStage.get(stage).isEmpty();
  }

  /** Runs every check of the stage; returns when all finished or the deadline passed. */
  void run(
      Stage stage,
      String transactionId,
      Envelope envelope,
      Optional<String> recipient,
      byte[] raw,
      Findings findings,
      Transaction transaction) {
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
      byte[] raw,
      Findings findings,
      Transaction transaction,
      List<CheckSettings> checks,
      List<StatsRecorder.CheckCounters> counters) {
    Instant start = clock.instant();
    Instant stageDeadline = start.plus(config.stageTimeout(stage));
    List<Future<?>> futures = new ArrayList<>(checks.size());
    List<RunContext> contexts = new ArrayList<>(checks.size());
    List<Instant> deadlines = new ArrayList<>(checks.size());
    for (int n = 0; n < checks.size(); n++) {
      CheckSettings c = checks.get(n);
      StatsRecorder.CheckCounters cc = counters.get(n);
      Instant deadline = stageDeadline;
      if (c.timeout().isPresent()) {
        Instant own = start.plus(c.timeout().get());
        if (own.isBefore(deadline)) {
          deadline = own;
        }
      }
      RunContext ctx =
          new RunContext(
              c,
              stage,
              transactionId,
              envelope,
              recipient,
              raw,
              findings,
              transaction,
              deadline,
              clock,
              parser,
              cc);
      contexts.add(ctx);
      deadlines.add(deadline);
      cc.runs.increment();
      try {
        futures.add(
            executor.submit(
                () -> {
                  // Timed on the check's own thread: its real run time, also when it ends late.
                  long t0 = System.nanoTime();
                  try {
                    c.check().run(ctx);
                  } finally {
                    cc.latency.record(System.nanoTime() - t0);
                  }
                  return null;
                }));
      } catch (RejectedExecutionException e) {
        // The filter was closed under a session still in flight (a reload finished early).
        futures.add(CompletableFuture.failedFuture(e));
      }
    }
    boolean interrupted = false;
    for (int i = 0; i < futures.size(); i++) {
      CheckSettings c = checks.get(i);
      Future<?> f = futures.get(i);
      try {
        long nanos = Duration.between(clock.instant(), deadlines.get(i)).toNanos();
        f.get(Math.max(0, nanos), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        f.cancel(true);
        contexts.get(i).close();
        counters.get(i).timeouts.increment();
        failure(findings, "CHECK_TIMEOUT_", c, config.onCheckTimeout(), null, transactionId);
      } catch (ExecutionException e) {
        contexts.get(i).close();
        counters.get(i).failures.increment();
        failure(findings, "CHECK_FAILED_", c, config.onCheckError(), e.getCause(), transactionId);
      } catch (InterruptedException e) {
        // The caller's thread is being stopped: abandon the stage, keep the flag for the caller.
        interrupted = true;
        for (int j = i; j < futures.size(); j++) {
          futures.get(j).cancel(true);
          contexts.get(j).close();
        }
        findings.markTempfail();
        break;
      } finally {
        contexts.get(i).close();
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Shows a DATA verdict to the enabled DATA checks that listen for it ({@code VerdictListener}).
   */
  void verdictReached(String transactionId, byte[] raw, Verdict verdict) {
    for (CheckSettings c : byStage.get(Stage.DATA)) {
      if (c.check() instanceof VerdictListener l) {
        try {
          l.verdictReached(transactionId, raw, verdict);
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
