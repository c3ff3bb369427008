package dev.mailfilter.cluster.state;

import dev.mailfilter.api.Action;
import dev.mailfilter.api.Stage;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.mime.ParsedMessage;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.CheckSetup;
import dev.mailfilter.spi.SymbolDef;
import dev.mailfilter.spi.VerdictListener;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Reputation of the client IP address and the sender's domain from the verdicts of past messages,
 * counted by all nodes in Redis: at DATA, a source with at least {@code min_count} counted messages
 * gets {@code REPUTATION_*_BAD} weighted by how much more spam than ham it sent, or {@code
 * REPUTATION_*_GOOD} the other way round. After each verdict the counts of its source go up by one.
 *
 * <p>Bounded: each source's counts expire {@code decay} after its last message, and once a source
 * has {@code max_count} messages both counts are halved, so old verdicts weigh less than recent
 * ones. A verdict is counted by the score without this check's own symbols, so that a reputation
 * does not confirm itself. Verdicts that refused the message for now (tempfail, greylisting) are
 * not counted.
 *
 * <p>Without Redis or while it is unreachable there is no reputation: no symbols, and verdicts are
 * not counted (a node's own counts would disagree with the cluster's once Redis is back).
 */
public final class ReputationCheck implements Check, VerdictListener {
  static final String IP_BAD = "REPUTATION_IP_BAD";
  static final String IP_GOOD = "REPUTATION_IP_GOOD";
  static final String DOMAIN_BAD = "REPUTATION_DOMAIN_BAD";
  static final String DOMAIN_GOOD = "REPUTATION_DOMAIN_GOOD";
  private static final Set<String> OWN = Set.of(IP_BAD, IP_GOOD, DOMAIN_BAD, DOMAIN_GOOD);

  private static final List<SymbolDef> SYMBOLS =
      List.of(
          SymbolDef.of(IP_BAD, 3.0, "the client address sent mostly spam"),
          SymbolDef.of(IP_GOOD, -1.0, "the client address sent mostly ham"),
          SymbolDef.of(DOMAIN_BAD, 2.0, "the sender's domain sent mostly spam"),
          SymbolDef.of(DOMAIN_GOOD, -1.0, "the sender's domain sent mostly ham"));

  /** KEYS: the sources. Answers {spam, ham} of each. */
  static final Script READ =
      Script.of(
          """
          local r = {}
          for i = 1, #KEYS do
            local v = redis.call('HMGET', KEYS[i], 's', 'h')
            r[2 * i - 1] = tonumber(v[1] or '0')
            r[2 * i] = tonumber(v[2] or '0')
          end
          return r
          """);

  /** KEYS: the sources. ARGV: field ('s' or 'h'), TTL (ms), the count at which both halve. */
  static final Script COUNT =
      Script.of(
          """
          for i = 1, #KEYS do
            local n = redis.call('HINCRBY', KEYS[i], ARGV[1], 1)
            local v = redis.call('HMGET', KEYS[i], 's', 'h')
            local s = tonumber(v[1] or '0')
            local h = tonumber(v[2] or '0')
            if s + h >= tonumber(ARGV[3]) then
              redis.call('HSET', KEYS[i], 's', math.floor(s / 2), 'h', math.floor(h / 2))
            end
            redis.call('PEXPIRE', KEYS[i], ARGV[2])
          end
          return 1
          """);

  /**
   * The settings.
   *
   * @param minCount how many counted messages a source needs before it has a reputation
   * @param maxCount at this many, both counts of a source are halved
   * @param decay how long a source's counts are kept after its last message
   */
  public record Settings(long minCount, long maxCount, Duration decay) {
    public Settings {
      if (minCount < 1 || maxCount <= minCount) {
        throw new IllegalArgumentException(
            "need 1 <= min_count < max_count, got " + minCount + ", " + maxCount);
      }
      Objects.requireNonNull(decay, "decay");
    }

    /** At least 5 messages, halved at 1000, kept 30 days. */
    public static Settings defaults() {
      return new Settings(5, 1000, Duration.ofDays(30));
    }
  }

  private record Sources(List<String> keys) {}

  private final Settings settings;
  private final Optional<SharedRedis> redis;
  // Off unless the configuration says enabled: true (the engine's default for a check is on).
  private boolean active = true;
  // The sources of messages whose verdict is still to come, by transaction: the verdict listener
  // sees no envelope. Bounded for transactions whose verdict never comes.
  private final Map<String, Sources> pending =
      new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Sources> eldest) {
          return size() > 10_000;
        }
      };

  private ReputationCheck(Settings settings, Optional<SharedRedis> redis) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.redis = Objects.requireNonNull(redis, "redis");
  }

  /** The check {@code checks.reputation}. */
  public static ReputationCheck create(CheckSetup setup) {
    boolean on = setup.options().bool("enabled", false);
    StateSettings state = on ? StateSettings.of(setup) : StateSettings.local();
    ConfigNode n = setup.options();
    Settings d = Settings.defaults();
    long min = n.integer("min_count", d.minCount(), 1, 1_000_000);
    long max = n.integer("max_count", d.maxCount(), 2, 1_000_000_000);
    Duration decay = n.duration("decay", d.decay());
    Settings s;
    try {
      s = new Settings(min, max, decay);
    } catch (IllegalArgumentException e) {
      throw n.error("max_count", e.getMessage());
    }
    ReputationCheck check =
        new ReputationCheck(
            s, state.shared() ? Optional.of(SharedRedis.shared(state)) : Optional.empty());
    check.active = on;
    return check;
  }

  /** A check on this Redis (none: it never reports anything). */
  public static ReputationCheck of(Settings settings, Optional<SharedRedis> redis) {
    return new ReputationCheck(settings, redis);
  }

  @Override
  public String name() {
    return "reputation";
  }

  @Override
  public Stage stage() {
    return Stage.DATA;
  }

  @Override
  public List<SymbolDef> symbols() {
    return SYMBOLS;
  }

  @Override
  public boolean blocking() {
    return active;
  }

  @Override
  public void run(CheckContext ctx) throws InterruptedException {
    if (!active) {
      return;
    }
    if (redis.isEmpty()) {
      return;
    }
    SharedRedis r = redis.get();
    List<String> keys = new ArrayList<>();
    keys.add(r.key("rep:ip:" + Networks.network(ctx.connection().clientAddress(), 32, 64)));
    String domain = Networks.domain(ctx.envelope().sender());
    if (!domain.isEmpty()) {
      keys.add(r.key("rep:dom:" + domain));
    }
    synchronized (pending) {
      pending.put(ctx.transactionId(), new Sources(keys));
    }
    Optional<List<Long>> counts =
        r.eval(READ, ScriptOutputType.MULTI, keys, List.of(), ctx.remaining());
    if (counts.isEmpty()) {
      return;
    }
    List<Long> c = counts.get();
    report(ctx, c.get(0), c.get(1), IP_BAD, IP_GOOD);
    if (c.size() == 4) {
      report(ctx, c.get(2), c.get(3), DOMAIN_BAD, DOMAIN_GOOD);
    }
  }

  private void report(CheckContext ctx, long spam, long ham, String bad, String good) {
    long total = spam + ham;
    if (total < settings.minCount()) {
      return;
    }
    double ratio = (double) (spam - ham) / total;
    String counts = spam + " spam, " + ham + " ham";
    if (ratio > 0) {
      ctx.addWeighted(bad, ratio, counts);
    } else if (ratio < 0) {
      ctx.addWeighted(good, -ratio, counts);
    }
  }

  @Override
  public void verdictReached(String transactionId, ParsedMessage message, Verdict verdict) {
    Sources sources;
    synchronized (pending) {
      sources = pending.remove(transactionId);
    }
    if (sources == null || redis.isEmpty()) {
      return;
    }
    if (verdict.action() == Action.TEMPFAIL
        || verdict.action() == Action.GREYLIST
        || verdict.action() == Action.SOFT_REJECT) {
      return;
    }
    double own = 0;
    for (Symbol s : verdict.symbols()) {
      if (OWN.contains(s.name())) {
        own += s.score();
      }
    }
    boolean spam = verdict.score() - own >= verdict.required();
    redis
        .get()
        .send(
            COUNT,
            sources.keys(),
            List.of(
                spam ? "s" : "h",
                Long.toString(settings.decay().toMillis()),
                Long.toString(settings.maxCount())));
  }
}
