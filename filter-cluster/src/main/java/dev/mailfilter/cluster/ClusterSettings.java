package dev.mailfilter.cluster;

import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.config.ConfigSection;
import io.lettuce.core.RedisURI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The {@code cluster} section of a node's configuration file: where the tenant store is and where
 * the node keeps its last good tree. Keys and defaults in docs/configuration.md.
 *
 * @param store {@code file:<directory>} for the embedded store, or {@code redis} for the Redis of
 *     the top-level {@code redis} section ({@link RedisSettings}); empty: no cluster
 * @param stateDir where the node keeps its last good tree
 * @param keyPrefix Redis key prefix
 * @param replicasToAck replicas that must have a change before it is acknowledged
 * @param ackTimeout how long a change waits for them
 * @param commandTimeout how long a Redis command may take before the store counts as down
 * @param streamMaxLength about how many changes the Redis stream keeps
 */
public record ClusterSettings(
    Optional<String> store,
    Path stateDir,
    String keyPrefix,
    int replicasToAck,
    Duration ackTimeout,
    Duration commandTimeout,
    long streamMaxLength) {

  /** The section, to register with {@code FilterConfig.load(path, List.of(SECTION))}. */
  public static final ConfigSection<ClusterSettings> SECTION =
      ConfigSection.of("cluster", ClusterSettings::parse);

  private static ClusterSettings parse(ConfigNode n) {
    Optional<String> store = n.optionalString("store").map(String::strip);
    store.ifPresent(
        s -> {
          if (s.startsWith("file:")) {
            if (s.length() == 5) {
              throw n.error(
                  "store", "file: needs a directory, e.g. file:/var/lib/mailfilter/tenants");
            }
          } else if (s.startsWith("redis://")
              || s.startsWith("rediss://")
              || s.startsWith("redis-sentinel://")) {
            // One Redis configuration for the tree and the shared state: an address here would
            // be a second one, which the shared state would not use.
            throw n.error(
                "store",
                "a Redis address is no longer given here: write \"store: redis\" and the address"
                    + " in the top-level redis: section (uri: "
                    + s
                    + ", or sentinel_master and sentinels), which shared_state uses too");
          } else if (!s.equals("redis")) {
            throw n.error(
                "store",
                "expected file:<directory> or redis (the redis: section), got \"" + s + "\"");
          }
        });
    return new ClusterSettings(
        store,
        Path.of(n.string("state_dir", "/var/lib/mailfilter/cluster")),
        n.string("key_prefix", "mailfilter:"),
        (int) n.integer("replicas_to_ack", 0, 0, 16),
        n.duration("ack_timeout", Duration.ofSeconds(2)),
        n.duration("command_timeout", Duration.ofSeconds(5)),
        n.integer("stream_max_length", 100_000, 100, 100_000_000));
  }

  /**
   * Opens the configured store.
   *
   * @param redis the {@code redis} section of the same file, for {@code store: redis}
   * @throws IllegalStateException when no store is configured
   * @throws dev.mailfilter.config.ConfigException for {@code store: redis} without a {@code redis}
   *     section
   * @throws TenantStoreException when a file store cannot be opened
   */
  public TenantStore openStore(RedisSettings redis) {
    String s = store.orElseThrow(() -> new IllegalStateException("cluster.store is not set"));
    if (s.startsWith("file:")) {
      return FileTenantStore.open(Path.of(s.substring(5)));
    }
    RedisURI uri =
        redis
            .uri()
            .orElseThrow(
                () ->
                    new dev.mailfilter.config.ConfigException(
                        "cluster.store",
                        "store: redis needs the top-level redis: section (uri, or"
                            + " sentinel_master and sentinels)"));
    return RedisTenantStore.connect(
        new RedisTenantStore.Options(
            uri, keyPrefix, replicasToAck, ackTimeout, commandTimeout, streamMaxLength));
  }
}
