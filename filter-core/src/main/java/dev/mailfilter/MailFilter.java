package dev.mailfilter;

import dev.mailfilter.api.Connection;
import dev.mailfilter.api.Decision;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.FilterSession;
import dev.mailfilter.api.FilterStats;
import dev.mailfilter.api.PolicyResolver;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.api.VerdictScope;
import dev.mailfilter.engine.Engine;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.CheckSettings;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The mail filter: built once from an immutable {@link FilterConfig}, thread-safe, shared by all
 * connections. Reloading means building a new one and swapping the reference ({@link
 * FilterReloader} does it when the configuration or the model file changes); sessions in flight
 * finish on the old one, whose {@link #close()} waits for them.
 *
 * <pre>{@code
 * MailFilter filter = MailFilter.builder().config(FilterConfig.load(path)).build();
 * Verdict v = filter.classify(raw, Envelope.of(clientIp, helo, sender, List.of(rcpt)));
 * }</pre>
 */
public final class MailFilter implements AutoCloseable {
  private final FilterConfig config;
  private final List<CheckSettings> checks;
  private final Engine engine;
  private final AtomicBoolean closed = new AtomicBoolean();

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
    this.engine =
        new Engine(config.engineSettings(), checks, b.policyResolver, config.tenants(), b.clock);
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
    return engine.stats();
  }

  /**
   * Opens a session for a new connection and runs the connect stage. The message gets one verdict
   * whatever its recipients ({@link VerdictScope#ONE_VERDICT_PER_MESSAGE}: the milter's case).
   * Close the session when the connection ends: {@link #close()} waits for open sessions.
   *
   * @throws IllegalStateException once this filter is closing or closed
   */
  public FilterSession open(Connection connection) {
    return engine.open(connection);
  }

  /** Sessions opened on this filter and not yet closed ({@link #classify} calls included). */
  public long sessionsInFlight() {
    return engine.sessionsInFlight();
  }

  /**
   * Opens a session whose recipients are grouped as the adapter needs: an SMTP server passes {@link
   * VerdictScope#ONE_GROUP_PER_TRANSACTION} and gets {@code 452 4.5.3} for a recipient of another
   * group than the transaction's first.
   */
  public FilterSession open(Connection connection, VerdictScope scope) {
    return engine.open(connection, scope);
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

  /**
   * Closes the filter once its sessions are done: refuses new ones at once ({@link #open} throws
   * {@link IllegalStateException}), waits for sessions in flight to close for up to {@code
   * reload.drain_timeout} (2 minutes by default), then stops the check threads, cutting the checks
   * of sessions still open (logged with their number), and closes the checks that hold resources
   * (the model commits what it autolearned). A second call returns at once.
   */
  @Override
  public void close() {
    close(config.section(ReloadSettings.SECTION).drainTimeout());
  }

  /**
   * {@link #close()} with an explicit wait for sessions in flight; {@link Duration#ZERO} cuts them
   * at once. An interrupt ends the wait early and stays set.
   */
  public void close(Duration drainTimeout) {
    Objects.requireNonNull(drainTimeout, "drainTimeout");
    if (closed.compareAndSet(false, true)) {
      engine.close(drainTimeout);
    }
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

    /**
     * Resolves the policy of each recipient; everyone gets the configuration's by default. Not
     * together with a configuration that has tenants or domains (they resolve policies then).
     */
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
