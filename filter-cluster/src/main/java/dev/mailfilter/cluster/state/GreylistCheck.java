package dev.mailfilter.cluster.state;

import dev.mailfilter.api.Action;
import dev.mailfilter.api.Reply;
import dev.mailfilter.api.Stage;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.CheckSetup;
import dev.mailfilter.spi.SymbolDef;
import io.lettuce.core.ScriptOutputType;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Greylisting at RCPT TO, as postgrey does it: the first attempt of a triplet (client network,
 * sender, recipient) is refused with {@code 451 4.7.1} until {@link GreylistSettings#delay()} has
 * passed; a retry after that passes, and the triplet passes at once for {@link
 * GreylistSettings#lifetime()} after its last use; a client network whose {@link
 * GreylistSettings#autoAllowAfter()} triplets passed is not greylisted any more. Clients that
 * authenticated are never greylisted.
 *
 * <p>With Redis, the triplets are shared by all nodes (one Lua script per recipient, atomic, every
 * key with a TTL so memory stays bounded), so a retry may reach any node. Without Redis or while it
 * is unreachable, the node uses its own bounded map with the same rules: a client whose retry
 * reaches another node is greylisted once more there (a longer delay, never a lost message), and
 * nothing is accepted unchecked.
 */
public final class GreylistCheck implements Check {
  static final String GREYLISTED = "GREYLISTED";
  static final String PASSED = "GREYLIST_PASSED";
  static final String AUTO_ALLOWED = "GREYLIST_AUTO_ALLOWED";

  private static final List<SymbolDef> SYMBOLS =
      List.of(
          SymbolDef.of(GREYLISTED, 0.0, "first attempt of this triplet: answered 451 4.7.1"),
          SymbolDef.of(PASSED, 0.0, "the triplet was retried after the greylisting delay"),
          SymbolDef.of(AUTO_ALLOWED, 0.0, "the client network passed greylisting often enough"));

  /**
   * KEYS: triplet, client network. ARGV: now, delay, retry window, lifetime (ms), auto-allow count.
   * Answers {state, wait ms}: 0 greylisted, 1 passed, 2 client auto-allowed.
   */
  static final Script SCRIPT =
      Script.of(
          """
          local now = tonumber(ARGV[1])
          local delay = tonumber(ARGV[2])
          local window = tonumber(ARGV[3])
          local life = tonumber(ARGV[4])
          local n = tonumber(ARGV[5])
          if n > 0 then
            local c = tonumber(redis.call('GET', KEYS[2]) or '0')
            if c >= n then
              redis.call('PEXPIRE', KEYS[2], life)
              return {2, 0}
            end
          end
          local first = redis.call('HGET', KEYS[1], 'f')
          if not first then
            redis.call('HSET', KEYS[1], 'f', now)
            redis.call('PEXPIRE', KEYS[1], window)
            return {0, delay}
          end
          if redis.call('HEXISTS', KEYS[1], 'p') == 1 then
            redis.call('PEXPIRE', KEYS[1], life)
            return {1, 0}
          end
          local waited = now - tonumber(first)
          if waited < delay then
            return {0, delay - waited}
          end
          redis.call('HSET', KEYS[1], 'p', now)
          redis.call('PEXPIRE', KEYS[1], life)
          if n > 0 then
            redis.call('INCR', KEYS[2])
            redis.call('PEXPIRE', KEYS[2], life)
          end
          return {1, 0}
          """);

  /** What greylisting decided for one recipient. */
  public enum Outcome {
    /** Refused for now. */
    GREYLISTED,
    /** The triplet passed. */
    PASSED,
    /** The client network is allowed without greylisting. */
    AUTO_ALLOWED
  }

  /**
   * One decision.
   *
   * @param outcome what was decided
   * @param retryIn how long the client must still wait, zero unless greylisted
   * @param shared whether Redis decided (false: the node's local state)
   */
  public record Decision(Outcome outcome, Duration retryIn, boolean shared) {}

  private final GreylistSettings settings;
  private final Optional<SharedRedis> redis;
  // Off unless the configuration says enabled: true (the engine's default for a check is on).
  private boolean active = true;
  private final Clock clock;
  private final Local local;

  private GreylistCheck(GreylistSettings settings, Optional<SharedRedis> redis, Clock clock) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.redis = Objects.requireNonNull(redis, "redis");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.local = new Local(settings);
  }

  /** The check {@code checks.greylist}, its options under that key. */
  public static GreylistCheck create(CheckSetup setup) {
    boolean on = setup.options().bool("enabled", false);
    StateSettings state = on ? StateSettings.of(setup) : StateSettings.local();
    GreylistSettings s = GreylistSettings.parse(setup.options());
    GreylistCheck check =
        new GreylistCheck(
            s,
            state.shared() ? Optional.of(SharedRedis.shared(state)) : Optional.empty(),
            Clock.systemUTC());
    check.active = on;
    return check;
  }

  /** A check on this Redis (or only local state when empty), with this clock. */
  public static GreylistCheck of(
      GreylistSettings settings, Optional<SharedRedis> redis, Clock clock) {
    return new GreylistCheck(settings, redis, clock);
  }

  @Override
  public String name() {
    return "greylist";
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
    if (ctx.connection().authenticatedUser().isPresent() || ctx.recipient().isEmpty()) {
      return;
    }
    String network =
        Networks.network(
            ctx.connection().clientAddress(), settings.ipv4Prefix(), settings.ipv6Prefix());
    Decision d = decide(network, ctx.envelope().sender(), ctx.recipient().get(), ctx.remaining());
    String where = d.shared() ? "shared" : "local";
    switch (d.outcome()) {
      case GREYLISTED -> {
        long seconds = Math.max(1, (d.retryIn().toMillis() + 999) / 1000);
        ctx.addSymbol(GREYLISTED, where);
        ctx.forceAction(
            Action.GREYLIST,
            "greylisted " + network,
            Reply.of(451, "4.7.1", "Greylisted, please try again in " + seconds + " seconds"));
      }
      case PASSED -> ctx.addSymbol(PASSED, where);
      case AUTO_ALLOWED -> ctx.addSymbol(AUTO_ALLOWED, where);
    }
  }

  /**
   * Decides for one triplet, on Redis when it answers within {@code budget}, else locally.
   *
   * @throws InterruptedException when interrupted waiting for Redis
   */
  public Decision decide(String network, String sender, String recipient, Duration budget)
      throws InterruptedException {
    String triplet =
        Networks.digest(
            network + "\0" + Networks.normalized(sender) + "\0" + Networks.normalized(recipient));
    long now = clock.millis();
    if (redis.isPresent()) {
      SharedRedis r = redis.get();
      Optional<List<Long>> answer =
          r.eval(
              SCRIPT,
              ScriptOutputType.MULTI,
              List.of(r.key("gl:t:" + triplet), r.key("gl:c:" + network)),
              List.of(
                  Long.toString(now),
                  Long.toString(settings.delay().toMillis()),
                  Long.toString(settings.retryWindow().toMillis()),
                  Long.toString(settings.lifetime().toMillis()),
                  Integer.toString(settings.autoAllowAfter())),
              budget);
      if (answer.isPresent()) {
        List<Long> a = answer.get();
        return new Decision(
            Outcome.values()[a.get(0).intValue()], Duration.ofMillis(a.get(1)), true);
      }
    }
    return local.decide(triplet, network, now);
  }

  /** The same rules as the script, in this node's memory, bounded by least recent use. */
  static final class Local {
    private final GreylistSettings s;
    private final Map<String, long[]> triplets; // {first, passed (0: not yet), expires}
    private final Map<String, long[]> clients; // {passes, expires}

    Local(GreylistSettings s) {
      this.s = s;
      this.triplets = lru(s.localCapacity());
      this.clients = lru(Math.max(1, s.localCapacity() / 4));
    }

    private static <V> Map<String, V> lru(int capacity) {
      return new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
          return size() > capacity;
        }
      };
    }

    synchronized Decision decide(String triplet, String network, long now) {
      long life = s.lifetime().toMillis();
      long delay = s.delay().toMillis();
      int n = s.autoAllowAfter();
      long[] c = clients.get(network);
      if (c != null && c[1] <= now) {
        clients.remove(network);
        c = null;
      }
      if (n > 0 && c != null && c[0] >= n) {
        c[1] = now + life;
        return new Decision(Outcome.AUTO_ALLOWED, Duration.ZERO, false);
      }
      long[] t = triplets.get(triplet);
      if (t != null && t[2] <= now) {
        triplets.remove(triplet);
        t = null;
      }
      if (t == null) {
        triplets.put(triplet, new long[] {now, 0, now + s.retryWindow().toMillis()});
        return new Decision(Outcome.GREYLISTED, Duration.ofMillis(delay), false);
      }
      if (t[1] != 0) {
        t[2] = now + life;
        return new Decision(Outcome.PASSED, Duration.ZERO, false);
      }
      long waited = now - t[0];
      if (waited < delay) {
        return new Decision(Outcome.GREYLISTED, Duration.ofMillis(delay - waited), false);
      }
      t[1] = now;
      t[2] = now + life;
      if (n > 0) {
        long[] cc = c != null ? c : new long[2];
        cc[0]++;
        cc[1] = now + life;
        clients.put(network, cc);
      }
      return new Decision(Outcome.PASSED, Duration.ZERO, false);
    }
  }
}
