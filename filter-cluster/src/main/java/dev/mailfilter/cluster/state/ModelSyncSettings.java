package dev.mailfilter.cluster.state;

import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.config.ConfigSection;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether a node takes part in the cluster's model (top-level section {@code model_sync}): with
 * {@code enabled: true} and a {@code shared_state} Redis, the node runs {@link ModelSync} (it may
 * be elected trainer, and it installs every published model version into its {@code model.path}
 * through the filter swap).
 *
 * @param enabled whether the node runs model sync at all (off by default: a single node trains its
 *     own model file)
 * @param node the node's name in the cluster, unique; empty: the host name
 * @param poll how often the node looks for new events and versions
 * @param lease how long a trainer that stopped keeps the lease; at least three polls
 */
public record ModelSyncSettings(
    boolean enabled, Optional<String> node, Duration poll, Duration lease) {

  /** The section {@code model_sync}. */
  public static final ConfigSection<ModelSyncSettings> SECTION =
      ConfigSection.of("model_sync", ModelSyncSettings::parse);

  public ModelSyncSettings {
    Objects.requireNonNull(node, "node");
    if (poll.isNegative() || poll.isZero()) {
      throw new IllegalArgumentException("poll must be positive: " + poll);
    }
    if (lease.compareTo(poll.multipliedBy(3)) < 0) {
      throw new IllegalArgumentException(
          "lease (" + lease + ") must outlast three polls (" + poll + ")");
    }
  }

  /** Off, polling every second, a lease of ten seconds. */
  public static ModelSyncSettings defaults() {
    return new ModelSyncSettings(
        false, Optional.empty(), Duration.ofSeconds(1), Duration.ofSeconds(10));
  }

  /** The node's name: the configured one, else the host name. */
  public String nodeName() {
    if (node.isPresent()) {
      return node.get();
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "node-" + ProcessHandle.current().pid();
    }
  }

  private static ModelSyncSettings parse(ConfigNode n) {
    ModelSyncSettings d = defaults();
    boolean enabled = n.bool("enabled", d.enabled);
    Optional<String> node = n.optionalString("node");
    if (node.isPresent() && node.get().isBlank()) {
      throw n.error("node", "must not be blank");
    }
    Duration poll = n.duration("poll", d.poll);
    Duration lease = n.duration("lease", d.lease);
    n.rejectUnread(List.of());
    try {
      return new ModelSyncSettings(enabled, node, poll, lease);
    } catch (IllegalArgumentException e) {
      throw n.error(e.getMessage().startsWith("poll") ? "poll" : "lease", e.getMessage());
    }
  }
}
