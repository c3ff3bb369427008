package dev.mailfilter.cluster.state;

import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.config.ConfigSection;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the state shared by a cluster's nodes lives (top-level section {@code shared_state}): one
 * Redis server by URI, or the primary that Sentinels name, and how long a check may wait for it.
 * Without a server ({@link #local()}), the shared-state checks keep their state in the node's
 * memory, as they do while Redis is unreachable.
 *
 * @param uri a Redis URI ({@code redis://host:port/db}), when no Sentinel is configured
 * @param sentinelMaster the name Sentinels monitor the primary under, when Sentinels are used
 * @param sentinels the Sentinels' addresses, non-empty with {@code sentinelMaster}
 * @param prefix put before every key, so that several clusters can share one Redis
 * @param timeout the longest one call may take, further bounded by the check's own deadline
 * @param retryAfter how long a node keeps to its local state after Redis failed it, before it tries
 *     Redis again (so that a dead Redis costs a session nothing, not a timeout per call)
 */
public record StateSettings(
    Optional<String> uri,
    Optional<String> sentinelMaster,
    List<InetSocketAddress> sentinels,
    String prefix,
    Duration timeout,
    Duration retryAfter) {

  /** The section {@code shared_state}. */
  public static final ConfigSection<StateSettings> SECTION =
      ConfigSection.of("shared_state", StateSettings::parse);

  public StateSettings {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(sentinelMaster, "sentinelMaster");
    sentinels = List.copyOf(sentinels);
    Objects.requireNonNull(prefix, "prefix");
    if (uri.isPresent() && sentinelMaster.isPresent()) {
      throw new IllegalArgumentException("give either a Redis URI or a Sentinel master, not both");
    }
    if (sentinelMaster.isPresent() && sentinels.isEmpty()) {
      throw new IllegalArgumentException(
          "Sentinel master " + sentinelMaster.get() + " needs at least one Sentinel address");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    Objects.requireNonNull(retryAfter, "retryAfter");
  }

  /** No shared store: every node keeps its own state. */
  public static StateSettings local() {
    return new StateSettings(
        Optional.empty(),
        Optional.empty(),
        List.of(),
        "mf:",
        Duration.ofMillis(200),
        Duration.ofSeconds(1));
  }

  /** One Redis server, for tests and small setups. */
  public static StateSettings redis(String uri) {
    return local().withUri(uri);
  }

  /** The primary named {@code master} by these Sentinels. */
  public static StateSettings sentinel(String master, List<InetSocketAddress> sentinels) {
    StateSettings l = local();
    return new StateSettings(
        Optional.empty(), Optional.of(master), sentinels, l.prefix, l.timeout, l.retryAfter);
  }

  /** These settings with another URI. */
  public StateSettings withUri(String value) {
    return new StateSettings(
        Optional.of(value), Optional.empty(), List.of(), prefix, timeout, retryAfter);
  }

  /** These settings with another key prefix. */
  public StateSettings withPrefix(String value) {
    return new StateSettings(uri, sentinelMaster, sentinels, value, timeout, retryAfter);
  }

  /** These settings with another call timeout and retry delay. */
  public StateSettings withTimeouts(Duration callTimeout, Duration retry) {
    return new StateSettings(uri, sentinelMaster, sentinels, prefix, callTimeout, retry);
  }

  /** Whether a shared store is configured at all. */
  public boolean shared() {
    return uri.isPresent() || sentinelMaster.isPresent();
  }

  private static StateSettings parse(ConfigNode n) {
    Optional<String> uri = n.optionalString("redis");
    Optional<String> master = n.optionalString("sentinel_master");
    List<InetSocketAddress> sentinels = new ArrayList<>();
    for (String s : n.strings("sentinels")) {
      int colon = s.lastIndexOf(':');
      if (colon <= 0) {
        throw n.error("sentinels", "expected host:port, got " + s);
      }
      try {
        int port = Integer.parseInt(s.substring(colon + 1));
        if (port < 1 || port > 65535) {
          throw n.error("sentinels", "port out of range in " + s);
        }
        sentinels.add(InetSocketAddress.createUnresolved(s.substring(0, colon), port));
      } catch (NumberFormatException e) {
        throw n.error("sentinels", "expected host:port, got " + s);
      }
    }
    String prefix = n.string("prefix", "mf:");
    Duration timeout = n.duration("timeout", Duration.ofMillis(200));
    Duration retry = n.duration("retry_after", Duration.ofSeconds(1));
    n.rejectUnread(List.of());
    if (uri.isPresent()
        && !(uri.get().startsWith("redis://") || uri.get().startsWith("rediss://"))) {
      throw n.error("redis", "expected a redis:// or rediss:// URI, got " + uri.get());
    }
    try {
      return new StateSettings(uri, master, sentinels, prefix, timeout, retry);
    } catch (IllegalArgumentException e) {
      throw n.error(master.isPresent() ? "sentinel_master" : "timeout", e.getMessage());
    }
  }
}
