package dev.mailfilter.cluster.state;

import dev.mailfilter.api.Action;
import dev.mailfilter.api.Reply;
import dev.mailfilter.api.Stage;
import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.CheckSetup;
import dev.mailfilter.spi.SymbolDef;
import io.lettuce.core.ScriptOutputType;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Rate limits at RCPT TO: token buckets per client IP address, sender, recipient domain and tenant,
 * each recipient taking one token from each configured bucket. When one bucket is empty none is
 * charged and the recipient is answered {@code 451 4.7.0} (or, with {@code on_limit: symbol}, only
 * {@code RATELIMITED} is added for the score).
 *
 * <p>With Redis, the buckets are shared by all nodes: one Lua script checks and charges every
 * bucket of a recipient atomically, and each bucket's key expires when it would be full again.
 * Without Redis or while it is unreachable, each node keeps its own buckets (bounded, least
 * recently used dropped): the cluster then admits up to the number of nodes times the rate.
 */
public final class RateLimitCheck implements Check {
  static final String RATELIMITED = "RATELIMITED";

  private static final List<SymbolDef> SYMBOLS =
      List.of(SymbolDef.of(RATELIMITED, 5.0, "a rate limit is exceeded; the option names which"));

  /** What a bucket counts. */
  public enum Kind {
    /** The client's IP address. */
    IP,
    /** The envelope sender, lower case ({@code <>} for the null sender). */
    SENDER,
    /** The recipient's domain. */
    RECIPIENT_DOMAIN,
    /** The recipient's tenant, as the tenant function names it. */
    TENANT;

    String configName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** What to do over the limit. */
  public enum OnLimit {
    /** Answer 451 4.7.0 to the recipient. */
    TEMPFAIL,
    /** Only add the symbol. */
    SYMBOL
  }

  /**
   * KEYS: the buckets. ARGV: now (ms), cost, then rate and burst of each bucket. Answers {0, 0}
   * when every bucket had the tokens (all charged), else {index of the first empty bucket, ms until
   * it has them} (none charged).
   */
  static final Script SCRIPT =
      Script.of(
          """
          local now = tonumber(ARGV[1])
          local cost = tonumber(ARGV[2])
          local b = {}
          for i = 1, #KEYS do
            local rate = tonumber(ARGV[1 + 2 * i])
            local burst = tonumber(ARGV[2 + 2 * i])
            local v = redis.call('HMGET', KEYS[i], 't', 'a')
            local t = tonumber(v[1])
            local at = tonumber(v[2])
            if not t or not at then
              t = burst
              at = now
            end
            if now > at then
              t = math.min(burst, t + (now - at) * rate)
              at = now
            end
            b[i] = {t, at, rate, burst}
          end
          local denied = 0
          local wait = 0
          for i = 1, #KEYS do
            if b[i][1] < cost then
              denied = i
              wait = math.ceil((cost - b[i][1]) / b[i][3])
              break
            end
          end
          for i = 1, #KEYS do
            local t = b[i][1]
            if denied == 0 then
              t = t - cost
            end
            redis.call('HSET', KEYS[i], 't', string.format('%.0f', t), 'a', string.format('%.0f', b[i][2]))
            redis.call('PEXPIRE', KEYS[i], math.ceil((b[i][4] - t) / b[i][3]) + 1000)
          end
          return {denied, wait}
          """);

  /**
   * The outcome for one recipient.
   *
   * @param limited the bucket that was empty, if one was
   * @param retryIn how long until it has a token again
   * @param shared whether Redis decided (false: the node's local buckets)
   */
  public record Decision(Optional<Kind> limited, Duration retryIn, boolean shared) {}

  private final Map<Kind, TokenBucket> buckets;
  private final OnLimit onLimit;
  private final Optional<SharedRedis> redis;
  // Off unless the configuration says enabled: true (the engine's default for a check is on).
  private boolean active = true;
  private final Function<String, Optional<String>> tenantOf;
  private final Clock clock;
  private final Map<String, TokenBucket.State> local;

  private RateLimitCheck(
      Map<Kind, TokenBucket> buckets,
      OnLimit onLimit,
      Optional<SharedRedis> redis,
      Function<String, Optional<String>> tenantOf,
      Clock clock,
      int localCapacity) {
    this.buckets = new EnumMap<>(buckets);
    this.onLimit = Objects.requireNonNull(onLimit, "onLimit");
    this.redis = Objects.requireNonNull(redis, "redis");
    this.tenantOf = Objects.requireNonNull(tenantOf, "tenantOf");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.local =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, TokenBucket.State> eldest) {
            // Dropping a bucket forgets its use: the least harmful way to bound memory.
            return size() > localCapacity;
          }
        };
  }

  /**
   * The check {@code checks.ratelimit}. Its tenant bucket needs to know recipients' tenants, which
   * only an embedder can tell: from configuration alone, the {@code tenant} bucket counts the
   * recipient's domain's part after the last {@code @} as its own tenant (like {@code
   * recipient_domain}) unless {@link #of} is given a tenant function.
   */
  public static RateLimitCheck create(CheckSetup setup) {
    boolean on = setup.options().bool("enabled", false);
    StateSettings state = on ? StateSettings.of(setup) : StateSettings.local();
    ConfigNode n = setup.options();
    Map<Kind, TokenBucket> buckets = new EnumMap<>(Kind.class);
    for (Kind k : Kind.values()) {
      if (n.has(k.configName())) {
        ConfigNode b = n.section(k.configName());
        double rate = b.number("rate", 0);
        Duration per = b.duration("per", Duration.ofMinutes(1));
        long burst = b.integer("burst", Math.max(1, Math.round(rate)), 1, TokenBucket.MAX_BURST);
        try {
          buckets.put(k, TokenBucket.of(rate, per, burst));
        } catch (IllegalArgumentException e) {
          throw b.error("rate", e.getMessage());
        }
      }
    }
    OnLimit onLimit = n.enumValue("on_limit", OnLimit.class, OnLimit.TEMPFAIL);
    int cap = (int) n.integer("local_capacity", 100_000, 1, 100_000_000);
    RateLimitCheck check =
        new RateLimitCheck(
            buckets,
            onLimit,
            state.shared() ? Optional.of(SharedRedis.shared(state)) : Optional.empty(),
            rcpt -> Optional.of(Networks.domain(rcpt)),
            Clock.systemUTC(),
            cap);
    check.active = on;
    return check;
  }

  /** A check with these buckets on this Redis (or local buckets only when empty). */
  public static RateLimitCheck of(
      Map<Kind, TokenBucket> buckets,
      OnLimit onLimit,
      Optional<SharedRedis> redis,
      Function<String, Optional<String>> tenantOf,
      Clock clock) {
    return new RateLimitCheck(buckets, onLimit, redis, tenantOf, clock, 100_000);
  }

  @Override
  public String name() {
    return "ratelimit";
  }

  @Override
  public Stage stage() {
    return Stage.RCPT;
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
    if (ctx.recipient().isEmpty()) {
      return;
    }
    Decision d =
        decide(
            ctx.connection().clientAddress().getHostAddress(),
            ctx.envelope().sender(),
            ctx.recipient().get(),
            ctx.remaining());
    if (d.limited().isEmpty()) {
      return;
    }
    String kind = d.limited().get().configName();
    ctx.addSymbol(RATELIMITED, kind, d.shared() ? "shared" : "local");
    if (onLimit == OnLimit.TEMPFAIL) {
      long seconds = Math.max(1, (d.retryIn().toMillis() + 999) / 1000);
      ctx.forceAction(
          Action.TEMPFAIL,
          "rate limit " + kind,
          Reply.of(
              451,
              "4.7.0",
              "Rate limit exceeded (" + kind + "), please try again in " + seconds + " seconds"));
    }
  }

  /**
   * Takes one token from each configured bucket of this recipient, on Redis when it answers within
   * {@code budget}, else locally.
   *
   * @throws InterruptedException when interrupted waiting for Redis
   */
  public Decision decide(String clientIp, String sender, String recipient, Duration budget)
      throws InterruptedException {
    List<Kind> kinds = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    for (Map.Entry<Kind, TokenBucket> e : buckets.entrySet()) {
      Optional<String> id =
          switch (e.getKey()) {
            case IP -> Optional.of(clientIp);
            case SENDER -> Optional.of(sender.isEmpty() ? "<>" : sender.toLowerCase(Locale.ROOT));
            case RECIPIENT_DOMAIN -> Optional.of(Networks.domain(recipient));
            case TENANT -> tenantOf.apply(recipient);
          };
      if (id.isPresent()) {
        kinds.add(e.getKey());
        keys.add("rl:" + e.getKey().configName() + ":" + Networks.digest(id.get()));
      }
    }
    if (keys.isEmpty()) {
      return new Decision(Optional.empty(), Duration.ZERO, redis.isPresent());
    }
    long now = clock.millis();
    if (redis.isPresent()) {
      SharedRedis r = redis.get();
      List<String> args = new ArrayList<>();
      args.add(Long.toString(now));
      args.add(Long.toString(TokenBucket.UNIT));
      for (Kind k : kinds) {
        args.add(Long.toString(buckets.get(k).ratePerMs()));
        args.add(Long.toString(buckets.get(k).burst()));
      }
      Optional<List<Long>> a =
          r.eval(SCRIPT, ScriptOutputType.MULTI, keys.stream().map(r::key).toList(), args, budget);
      if (a.isPresent()) {
        int denied = a.get().get(0).intValue();
        return new Decision(
            denied == 0 ? Optional.empty() : Optional.of(kinds.get(denied - 1)),
            Duration.ofMillis(a.get().get(1)),
            true);
      }
    }
    return decideLocally(kinds, keys, now);
  }

  private synchronized Decision decideLocally(List<Kind> kinds, List<String> keys, long now) {
    List<TokenBucket.State> refilled = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      TokenBucket b = buckets.get(kinds.get(i));
      TokenBucket.State s = local.get(keys.get(i));
      refilled.add(b.refill(s == null ? b.fresh(now) : s, now));
    }
    for (int i = 0; i < keys.size(); i++) {
      TokenBucket b = buckets.get(kinds.get(i));
      if (refilled.get(i).tokens() < TokenBucket.UNIT) {
        for (int j = 0; j < keys.size(); j++) {
          local.put(keys.get(j), refilled.get(j));
        }
        return new Decision(
            Optional.of(kinds.get(i)),
            Duration.ofMillis(b.waitMillis(refilled.get(i), TokenBucket.UNIT)),
            false);
      }
    }
    for (int i = 0; i < keys.size(); i++) {
      TokenBucket.State s = refilled.get(i);
      local.put(keys.get(i), new TokenBucket.State(s.tokens() - TokenBucket.UNIT, s.at()));
    }
    return new Decision(Optional.empty(), Duration.ZERO, false);
  }
}
