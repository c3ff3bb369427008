package dev.mailfilter.cluster.state;

import dev.mailfilter.cluster.RedisSettings;
import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.config.ConfigSection;
import dev.mailfilter.spi.CheckSetup;
import io.lettuce.core.RedisURI;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How the state shared by a cluster's nodes is kept (top-level section {@code shared_state}): in
 * the node's one Redis (the top-level {@code redis} section, which the tenant store uses too), and
 * how long a check may wait for it. Without a Redis ({@link #local()}), the shared-state checks
 * keep their state in the node's memory, as they do while Redis is unreachable.
 *
 * @param server the Redis (a server, or the primary that Sentinels name), empty for local state
 * @param prefix put before every key, so that several clusters can share one Redis
 * @param timeout the longest one call may take, further bounded by the check's own deadline
 * @param retryAfter how long a node keeps to its local state after Redis failed it, before it tries
 *     Redis again (so that a dead Redis costs a session nothing, not a timeout per call)
 */
public record StateSettings(
    Optional<RedisURI> server, String prefix, Duration timeout, Duration retryAfter) {

  /** The section {@code shared_state}. */
  public static final ConfigSection<StateSettings> SECTION =
      ConfigSection.of("shared_state", StateSettings::parse);

  /** Checks the values. */
  public StateSettings {
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(prefix, "prefix");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    Objects.requireNonNull(retryAfter, "retryAfter");
  }

  /** No shared store: every node keeps its own state. */
  public static StateSettings local() {
    return new StateSettings(
        Optional.empty(), "mf:", Duration.ofMillis(200), Duration.ofSeconds(1));
  }

  /** One Redis server, for tests and small setups. */
  public static StateSettings redis(String uri) {
    return local().withServer(Optional.of(RedisURI.create(uri)));
  }

  /** The primary named {@code master} by these Sentinels. */
  public static StateSettings sentinel(String master, List<InetSocketAddress> sentinels) {
    if (sentinels.isEmpty()) {
      throw new IllegalArgumentException(
          "Sentinel master " + master + " needs at least one Sentinel address");
    }
    RedisURI.Builder b =
        RedisURI.Builder.sentinel(
            sentinels.get(0).getHostString(), sentinels.get(0).getPort(), master);
    for (InetSocketAddress a : sentinels.subList(1, sentinels.size())) {
      b.withSentinel(a.getHostString(), a.getPort());
    }
    return local().withServer(Optional.of(b.build()));
  }

  /**
   * The shared state of a loaded configuration: its {@code shared_state} section with the Redis of
   * its {@code redis} section (both must be sections of {@code config}).
   */
  public static StateSettings of(dev.mailfilter.FilterConfig config) {
    return config.section(SECTION).withServer(config.section(RedisSettings.SECTION).uri());
  }

  /**
   * The settings a shared-state check runs with: the {@code shared_state} section with the Redis of
   * the {@code redis} section.
   */
  public static StateSettings of(CheckSetup setup) {
    return setup.section(SECTION).withServer(setup.section(RedisSettings.SECTION).uri());
  }

  /** These settings with another Redis. */
  public StateSettings withServer(Optional<RedisURI> value) {
    return new StateSettings(value, prefix, timeout, retryAfter);
  }

  /** These settings with another key prefix. */
  public StateSettings withPrefix(String value) {
    return new StateSettings(server, value, timeout, retryAfter);
  }

  /** These settings with another call timeout and retry delay. */
  public StateSettings withTimeouts(Duration callTimeout, Duration retry) {
    return new StateSettings(server, prefix, callTimeout, retry);
  }

  /** Whether a shared store is configured at all. */
  public boolean shared() {
    return server.isPresent();
  }

  private static StateSettings parse(ConfigNode n) {
    // One Redis for the tenant store and the shared state: the old keys are an error naming the
    // replacement, not ignored (a node would silently keep its greylisting to itself).
    for (String[] moved :
        new String[][] {
          {"redis", "redis.uri"},
          {"sentinel_master", "redis.sentinel_master"},
          {"sentinels", "redis.sentinels"}
        }) {
      if (n.has(moved[0])) {
        throw n.error(
            moved[0],
            "moved to the top-level redis: section ("
                + moved[1]
                + "), which the tenant store (cluster.store: redis) uses too");
      }
    }
    String prefix = n.string("prefix", "mf:");
    Duration timeout = n.duration("timeout", Duration.ofMillis(200));
    Duration retry = n.duration("retry_after", Duration.ofSeconds(1));
    n.rejectUnread(List.of());
    try {
      return new StateSettings(Optional.empty(), prefix, timeout, retry);
    } catch (IllegalArgumentException e) {
      throw n.error("timeout", e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "StateSettings[server="
        + server.map(RedisURI::toString).orElse("none")
        + ", prefix="
        + prefix
        + ", timeout="
        + timeout
        + ", retryAfter="
        + retryAfter
        + "]";
  }
}
