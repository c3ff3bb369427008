package dev.mailfilter.engine;

import dev.mailfilter.api.Connection;
import dev.mailfilter.api.Decision;
import dev.mailfilter.api.FilterSession;
import dev.mailfilter.api.FilterStats;
import dev.mailfilter.api.Policy;
import dev.mailfilter.api.PolicyResolver;
import dev.mailfilter.api.Scores;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.api.VerdictScope;
import dev.mailfilter.spi.CheckSettings;
import dev.mailfilter.spi.SymbolDef;
import dev.mailfilter.spi.VerdictObserver;
import dev.mailfilter.tenant.Recipient;
import dev.mailfilter.tenant.TenantDirectory;
import dev.mailfilter.tenant.TenantPolicy;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine behind one {@code MailFilter}: the checks and the threads they run on, the stage
 * runner, the counters and the verdict log. Opens the sessions.
 */
public final class Engine implements AutoCloseable {
  private static final Logger VERDICTS = LoggerFactory.getLogger("dev.mailfilter.verdict");

  private final EngineSettings settings;
  private final List<CheckSettings> checks;
  private final PolicyResolver policyResolver;
  private final Policy defaultPolicy;
  private final TenantPolicy defaultTenantPolicy;
  private final TenantDirectory tenants;
  private final Map<String, String> groupOf;
  private final ExecutorService executor;
  private final StageRunner runner;
  private final StatsRecorder stats;
  private final InFlight inFlight = new InFlight();
  private final Clock clock;
  private final List<VerdictObserver> observers;

  /**
   * An engine running these checks; a null resolver gives every recipient the default policy. Calls
   * each check's {@code prepare()}, and fails with what a check's preparation throws.
   */
  public Engine(
      EngineSettings settings,
      List<CheckSettings> checks,
      PolicyResolver policyResolver,
      Clock clock) {
    this(settings, checks, policyResolver, TenantDirectory.none(), clock);
  }

  /**
   * An engine with a tenant directory: when it has domains ({@link
   * TenantDirectory#relayControl()}), it decides relaying and the recipients' policies, and the
   * resolver must be null.
   */
  public Engine(
      EngineSettings settings,
      List<CheckSettings> checks,
      PolicyResolver policyResolver,
      TenantDirectory tenants,
      Clock clock) {
    if (policyResolver != null && tenants.relayControl()) {
      throw new IllegalArgumentException(
          "a policy resolver and configured tenants both choose recipients' policies: use one");
    }
    this.settings = settings;
    this.clock = clock;
    this.checks = List.copyOf(checks);
    this.defaultPolicy = new Policy("default", settings.thresholds());
    this.defaultTenantPolicy = TenantPolicy.of(defaultPolicy);
    this.tenants = tenants;
    Map<String, String> groups = new HashMap<>();
    for (CheckSettings c : this.checks) {
      for (SymbolDef d : c.check().symbols()) {
        groups.putIfAbsent(d.name(), c.check().name());
      }
    }
    this.groupOf = Map.copyOf(groups);
    List<VerdictObserver> obs = new ArrayList<>();
    for (CheckSettings c : this.checks) {
      if (c.check() instanceof VerdictObserver o) {
        obs.add(o);
      }
    }
    this.observers = List.copyOf(obs);
    this.policyResolver = policyResolver != null ? policyResolver : rcpt -> defaultPolicy;
    this.executor =
        Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("mailfilter-check-", 0).factory());
    this.stats = new StatsRecorder(this.checks);
    this.runner = new StageRunner(settings, this.checks, executor, clock, stats);
    try {
      for (CheckSettings c : this.checks) {
        c.check().prepare();
      }
    } catch (RuntimeException e) {
      executor.shutdownNow(); // no filter comes of it: nothing else will close the executor
      throw e;
    }
  }

  /**
   * Opens a session for a new connection and runs the connect stage.
   *
   * @throws IllegalStateException once {@link #close(Duration)} has begun
   */
  public FilterSession open(Connection connection) {
    return open(connection, VerdictScope.ONE_VERDICT_PER_MESSAGE);
  }

  /**
   * Opens a session whose recipients are grouped as the adapter needs.
   *
   * @throws IllegalStateException once {@link #close(Duration)} has begun
   */
  public FilterSession open(Connection connection, VerdictScope scope) {
    if (!inFlight.enter()) {
      throw new IllegalStateException("the filter is closed; open sessions on its replacement");
    }
    try {
      return new Session(this, connection, scope);
    } catch (RuntimeException | Error e) {
      inFlight.exit();
      throw e;
    }
  }

  /** Sessions opened and not yet closed. */
  public long sessionsInFlight() {
    return inFlight.open();
  }

  /** Called once by each session's close. */
  void sessionClosed() {
    inFlight.exit();
  }

  /** The counters since this engine was built. */
  public FilterStats stats() {
    return stats.snapshot();
  }

  /** Closes at once, cutting sessions in flight: {@link #close(Duration)} with no grace. */
  @Override
  public void close() {
    close(Duration.ZERO);
  }

  /**
   * Refuses new sessions, waits up to {@code grace} for those in flight to close, then stops the
   * check threads (cutting the checks of sessions still open, which then fail or time out as a
   * check would) and closes the checks that hold resources. An interrupt ends the wait early and
   * stays set.
   */
  public void close(Duration grace) {
    long left;
    try {
      left = inFlight.closeAndAwait(grace);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      left = inFlight.open();
    }
    if (left > 0) {
      LoggerFactory.getLogger(Engine.class)
          .warn(
              "closing the filter with {} session(s) still in flight after waiting {}: their"
                  + " checks are cut",
              left,
              grace);
    }
    executor.shutdownNow();
    for (CheckSettings c : checks) {
      if (c.check() instanceof AutoCloseable ac) {
        try {
          ac.close();
        } catch (Exception e) {
          LoggerFactory.getLogger(Engine.class)
              .warn("closing check {} failed", c.check().name(), e);
        }
      }
    }
  }

  EngineSettings settings() {
    return settings;
  }

  StageRunner runner() {
    return runner;
  }

  Clock clock() {
    return clock;
  }

  Policy defaultPolicy() {
    return defaultPolicy;
  }

  PolicyResolver policyResolver() {
    return policyResolver;
  }

  TenantPolicy defaultTenantPolicy() {
    return defaultTenantPolicy;
  }

  TenantDirectory tenants() {
    return tenants;
  }

  /** The group of a symbol: the name of the check that declares it; null when none does. */
  String groupOf(String symbol) {
    return groupOf.get(symbol);
  }

  String newId() {
    return Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36).toUpperCase(Locale.ROOT);
  }

  void logVerdict(
      String id,
      Optional<String> queueId,
      Connection c,
      String helo,
      String sender,
      List<String> rcpts,
      Verdict v,
      Optional<Findings.Forced> demand,
      long classifyNanos) {
    stats.verdict(v.action());
    if (VERDICTS.isInfoEnabled()) {
      VERDICTS.info(
          "id={}{} client={} helo={} from=<{}> rcpt={} action={} score={}/{} symbols={}{} time={}",
          id,
          queueId.map(q -> " queue=" + q).orElse(""),
          clientForLog(c),
          helo.isEmpty() ? "-" : helo,
          sender,
          rcpts.isEmpty() ? "-" : String.join(",", rcpts),
          v.action().configName(),
          Scores.format(v.score()),
          Double.isInfinite(v.required()) ? "-" : Scores.format(v.required()),
          symbolsForLog(v.symbols()),
          demandForLog(demand),
          millis(classifyNanos));
    }
    if (!observers.isEmpty()) {
      notify(
          new VerdictObserver.Outcome(
              id,
              queueId,
              c,
              helo,
              sender,
              rcpts,
              tenantsOf(rcpts),
              v.action(),
              v.score(),
              v.required(),
              v.symbols(),
              clock.instant(),
              false));
    }
  }

  /** The domain-level tenant of each recipient the directory knows, without repeats. */
  private List<String> tenantsOf(List<String> rcpts) {
    List<String> out = new ArrayList<>(1);
    for (String r : rcpts) {
      Optional<Recipient> known = tenants.resolve(r);
      if (known.isEmpty()) {
        continue;
      }
      // A user's tenant ends with its local part; the domain's is the one a tenant owns.
      String t = known.get().tenant();
      int at = t.lastIndexOf(known.get().domain());
      String domainLevel = at < 0 ? t : t.substring(0, at + known.get().domain().length());
      if (!out.contains(domainLevel)) {
        out.add(domainLevel);
      }
    }
    return out;
  }

  private void notify(VerdictObserver.Outcome o) {
    for (VerdictObserver obs : observers) {
      try {
        obs.observed(o);
      } catch (RuntimeException e) {
        LoggerFactory.getLogger(Engine.class)
            .warn("[{}] verdict observer {} failed: {}", o.transactionId(), obs, e.toString());
      }
    }
  }

  /**
   * Nanoseconds as milliseconds with three decimals, {@code 0.123ms}, without {@code String.format}
   * (its parse of the pattern would cost more than the rest of the line).
   */
  static String millis(long nanos) {
    long micros = Math.max(0, nanos) / 1000;
    long frac = micros % 1000;
    return (micros / 1000) + (frac < 10 ? ".00" : frac < 100 ? ".0" : ".") + frac + "ms";
  }

  void logRefusal(
      String id,
      Optional<String> queueId,
      Connection c,
      String helo,
      String sender,
      Decision.Refuse r,
      Optional<Findings.Forced> demand) {
    stats.refusal(r.action());
    if (VERDICTS.isInfoEnabled()) {
      VERDICTS.info(
          "id={}{} client={} helo={} from=<{}> action={} reply=\"{} {}\" symbols={}{}",
          id,
          queueId.map(q -> " queue=" + q).orElse(""),
          clientForLog(c),
          helo.isEmpty() ? "-" : helo,
          sender == null ? "" : sender,
          r.action().configName(),
          r.reply().code(),
          r.reply().enhanced(),
          symbolsForLog(r.symbols()),
          demandForLog(demand));
    }
    if (!observers.isEmpty()) {
      double score = 0;
      for (Symbol x : r.symbols()) {
        score += x.score();
      }
      notify(
          new VerdictObserver.Outcome(
              id,
              queueId,
              c,
              helo,
              sender == null ? "" : sender,
              List.of(),
              List.of(),
              r.action(),
              score,
              settings.thresholds().required(),
              r.symbols(),
              clock.instant(),
              true));
    }
  }

  /**
   * The client's address, then what is known of the connection: {@code proxy=} the load balancer
   * that relayed it, {@code tls=} protocol/cipher, {@code auth=} the SMTP AUTH identity. Each value
   * is validated free of spaces and control characters, so the line stays one greppable line.
   */
  static String clientForLog(Connection c) {
    String address = c.clientAddress().getHostAddress();
    if (c.proxy().isEmpty() && c.tlsInfo().isEmpty() && c.authenticatedUser().isEmpty()) {
      return address;
    }
    StringBuilder sb = new StringBuilder(address);
    c.proxy().ifPresent(p -> sb.append(" proxy=").append(p.getAddress().getHostAddress()));
    c.tlsInfo().ifPresent(t -> sb.append(" tls=").append(t));
    c.authenticatedUser().ifPresent(u -> sb.append(" auth=").append(u));
    return sb.toString();
  }

  /** {@code forced=check("reason")} when a check demanded the action, else nothing. */
  private static String demandForLog(Optional<Findings.Forced> demand) {
    return demand.map(d -> " forced=" + d.check() + "(\"" + oneLine(d.reason()) + "\")").orElse("");
  }

  /** The text with quotes and control characters (a CR or LF would forge a log line) replaced. */
  private static String oneLine(String text) {
    StringBuilder sb = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char ch = text.charAt(i);
      sb.append(ch == '"' ? '\'' : Character.isISOControl(ch) ? ' ' : ch);
    }
    return sb.toString();
  }

  private static String symbolsForLog(List<Symbol> symbols) {
    if (symbols.isEmpty()) {
      return "-";
    }
    StringBuilder sb = new StringBuilder();
    for (Symbol s : symbols) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(s.name()).append('(').append(Scores.format(s.score())).append(')');
    }
    return sb.toString();
  }
}
