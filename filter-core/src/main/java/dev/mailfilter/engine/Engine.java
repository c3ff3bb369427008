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
import dev.mailfilter.tenant.TenantDirectory;
import dev.mailfilter.tenant.TenantPolicy;
import java.time.Clock;
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

  /**
   * An engine running these checks; a null resolver gives every recipient the default policy. Calls
   * each check's {@code prepare()}.
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
    this.policyResolver = policyResolver != null ? policyResolver : rcpt -> defaultPolicy;
    this.executor =
        Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("mailfilter-check-", 0).factory());
    this.stats = new StatsRecorder(this.checks);
    this.runner = new StageRunner(settings, this.checks, executor, clock, stats);
    for (CheckSettings c : this.checks) {
      c.check().prepare();
    }
  }

  /** Opens a session for a new connection and runs the connect stage. */
  public FilterSession open(Connection connection) {
    return open(connection, VerdictScope.ONE_VERDICT_PER_MESSAGE);
  }

  /** Opens a session whose recipients are grouped as the adapter needs. */
  public FilterSession open(Connection connection, VerdictScope scope) {
    return new Session(this, connection, scope);
  }

  /** The counters since this engine was built. */
  public FilterStats stats() {
    return stats.snapshot();
  }

  /** Stops the check threads and closes checks that hold resources. */
  @Override
  public void close() {
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
      Connection c,
      String helo,
      String sender,
      List<String> rcpts,
      Verdict v,
      Optional<Findings.Forced> demand) {
    stats.verdict(v.action());
    if (VERDICTS.isInfoEnabled()) {
      VERDICTS.info(
          "id={} client={} helo={} from=<{}> rcpt={} action={} score={}/{} symbols={}{}",
          id,
          c.clientAddress().getHostAddress(),
          helo.isEmpty() ? "-" : helo,
          sender,
          rcpts.isEmpty() ? "-" : String.join(",", rcpts),
          v.action().configName(),
          Scores.format(v.score()),
          Double.isInfinite(v.required()) ? "-" : Scores.format(v.required()),
          symbolsForLog(v.symbols()),
          demandForLog(demand));
    }
  }

  void logRefusal(
      String id,
      Connection c,
      String helo,
      String sender,
      Decision.Refuse r,
      Optional<Findings.Forced> demand) {
    stats.refusal(r.action());
    if (VERDICTS.isInfoEnabled()) {
      VERDICTS.info(
          "id={} client={} helo={} from=<{}> action={} reply=\"{} {}\" symbols={}{}",
          id,
          c.clientAddress().getHostAddress(),
          helo.isEmpty() ? "-" : helo,
          sender == null ? "" : sender,
          r.action().configName(),
          r.reply().code(),
          r.reply().enhanced(),
          symbolsForLog(r.symbols()),
          demandForLog(demand));
    }
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
