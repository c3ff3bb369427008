package dev.mailfilter;

import dev.mailfilter.check.Check;
import dev.mailfilter.config.CheckSettings;
import dev.mailfilter.config.FilterConfig;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mail filter: built once from an immutable {@link FilterConfig}, thread-safe, shared by all
 * connections. Reloading means building a new one and swapping the reference; sessions in flight
 * finish on the old one, which is closed once they are done.
 *
 * <pre>{@code
 * MailFilter filter = MailFilter.builder().config(FilterConfig.load(path)).build();
 * Verdict v = filter.classify(raw, Envelope.of(clientIp, helo, sender, List.of(rcpt)));
 * }</pre>
 */
public final class MailFilter implements AutoCloseable {
  private static final Logger VERDICTS = LoggerFactory.getLogger("dev.mailfilter.verdict");

  private final FilterConfig config;
  private final List<CheckSettings> checks;
  private final PolicyResolver policyResolver;
  private final Policy defaultPolicy;
  private final ExecutorService executor;
  private final StageRunner runner;
  private final StatsRecorder stats;

  private MailFilter(Builder b) {
    this.config = b.config;
    List<CheckSettings> all = new ArrayList<>(config.checks());
    all.addAll(b.extraChecks);
    Set<String> names = new HashSet<>();
    for (CheckSettings c : all) {
      if (!names.add(c.check().name())) {
        throw new IllegalArgumentException("two checks named " + c.check().name());
      }
    }
    this.checks = List.copyOf(all);
    this.defaultPolicy = new Policy("default", config.thresholds());
    this.policyResolver = b.policyResolver != null ? b.policyResolver : rcpt -> defaultPolicy;
    this.executor =
        Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("mailfilter-check-", 0).factory());
    this.stats = new StatsRecorder(checks);
    this.runner = new StageRunner(config, checks, executor, b.clock, stats);
    for (CheckSettings c : checks) {
      c.check().prepare();
    }
  }

  /** A builder, with the built-in configuration unless told otherwise. */
  public static Builder builder() {
    return new Builder();
  }

  /** A filter with the built-in configuration. */
  public static MailFilter withDefaults() {
    return builder().build();
  }

  /** The configuration this filter was built from. */
  public FilterConfig config() {
    return config;
  }

  /** The checks this filter runs, with their scores. */
  public List<CheckSettings> checks() {
    return checks;
  }

  /**
   * The counters since this filter was built: per stage and check the runs, failures, timeouts,
   * symbol hits and latency histogram, and the verdicts and early refusals by action. Cheap enough
   * to call every few seconds; counters are read while others keep counting, so figures of one
   * snapshot may be a message apart.
   */
  public FilterStats stats() {
    return stats.snapshot();
  }

  /** Opens a session for a new connection and runs the connect stage. */
  public FilterSession open(Connection connection) {
    return new Session(this, connection);
  }

  /**
   * Classifies one message with its envelope in one call: runs every stage in order and stops at
   * the first refusal, which becomes the verdict. Recipients that are refused are left out; when
   * all are refused, the last refusal is the verdict.
   */
  public Verdict classify(byte[] raw, Envelope envelope) {
    Objects.requireNonNull(raw, "raw");
    Objects.requireNonNull(envelope, "envelope");
    try (FilterSession s = open(envelope.connection())) {
      Decision d = s.connectDecision();
      if (!d.refused()) {
        d = s.helo(envelope.helo());
      }
      if (!d.refused()) {
        d = s.mailFrom(envelope.sender(), envelope.mailParameters());
      }
      if (!d.refused()) {
        Decision last = d;
        int accepted = 0;
        for (String r : envelope.recipients()) {
          Decision rd = s.rcptTo(r);
          if (rd.refused()) {
            last = rd;
          } else {
            accepted++;
          }
        }
        if (accepted > 0 || envelope.recipients().isEmpty()) {
          return s.endOfData(raw);
        }
        d = last;
      }
      Decision.Refuse r = (Decision.Refuse) d;
      double score = r.symbols().stream().mapToDouble(Symbol::score).sum();
      return new Verdict(
          r.action(), score, config.thresholds().required(), r.symbols(), List.of(), r.reply());
    }
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
          LoggerFactory.getLogger(MailFilter.class)
              .warn("closing check {} failed", c.check().name(), e);
        }
      }
    }
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

  String newId() {
    return id(ThreadLocalRandom.current().nextLong() >>> 1);
  }

  private static final char[] BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".toCharArray();

  /** {@code Long.toString(n, 36).toUpperCase(Locale.ROOT)} for n >= 0, in one step. */
  static String id(long n) {
    char[] buf = new char[13]; // 36^13 > 2^63
    int p = buf.length;
    do {
      buf[--p] = BASE36[(int) (n % 36)];
      n /= 36;
    } while (n != 0);
    return new String(buf, p, buf.length - p);
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

  /** Builds a {@link MailFilter}. */
  public static final class Builder {
    private FilterConfig config = FilterConfig.defaults();
    private final List<CheckSettings> extraChecks = new ArrayList<>();
    private PolicyResolver policyResolver;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** The configuration; the built-in one by default. */
    public Builder config(FilterConfig config) {
      this.config = Objects.requireNonNull(config, "config");
      return this;
    }

    /** Adds a check made in code, with its default scores, next to the configured ones. */
    public Builder addCheck(Check check) {
      return addCheck(CheckSettings.withDefaults(check));
    }

    /** Adds a check made in code with explicit scores and time limit. */
    public Builder addCheck(CheckSettings check) {
      extraChecks.add(Objects.requireNonNull(check, "check"));
      return this;
    }

    /** Resolves the policy of each recipient; everyone gets the configuration's by default. */
    public Builder policyResolver(PolicyResolver resolver) {
      this.policyResolver = Objects.requireNonNull(resolver, "resolver");
      return this;
    }

    /** The clock for deadlines; the system clock by default. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The filter. */
    public MailFilter build() {
      return new MailFilter(this);
    }
  }
}
