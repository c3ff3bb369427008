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
 * @param store {@code file:<directory>} for the embedded store, or a {@code redis://} or {@code
 *     redis-sentinel://host:port[,host:port]#master} address; empty: no cluster
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
            try {
              RedisURI.create(s);
            } catch (IllegalArgumentException e) {
              throw n.error("store", "not a Redis address: " + e.getMessage());
            }
          } else {
            throw n.error(
                "store",
                "expected file:<directory>, redis://host:port or"
                    + " redis-sentinel://host:port#master, got \""
                    + s
                    + "\"");
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
   * @throws IllegalStateException when no store is configured
   * @throws TenantStoreException when a file store cannot be opened
   */
  public TenantStore openStore() {
    String s = store.orElseThrow(() -> new IllegalStateException("cluster.store is not set"));
    if (s.startsWith("file:")) {
      return FileTenantStore.open(Path.of(s.substring(5)));
    }
    return RedisTenantStore.connect(
        new RedisTenantStore.Options(
            RedisURI.create(s),
            keyPrefix,
            replicasToAck,
            ackTimeout,
            commandTimeout,
            streamMaxLength));
  }
}
