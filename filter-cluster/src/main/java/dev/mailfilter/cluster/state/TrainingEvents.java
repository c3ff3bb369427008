package dev.mailfilter.cluster.state;

import dev.mailfilter.learn.Label;
import io.lettuce.core.XAddArgs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Publishes users' "this is spam" and "this is not spam" from any node to the cluster's trainer:
 * each event is one entry of a Redis stream ({@code train:events}) holding the label, the node and
 * the raw message. The stream is capped (about {@link #MAX_EVENTS} entries, the oldest trimmed) so
 * that a trainer that is down for long cannot make Redis run out of memory; events trimmed before a
 * trainer applied them are lost, as a user's report to an unreachable server would be.
 *
 * <p>{@link ModelSync} on every node elects one trainer, which applies the events and publishes
 * each new model version for all nodes.
 */
public final class TrainingEvents {
  /** The largest reported message the commands and the admin API take (4 MiB). */
  public static final int MAX_MESSAGE_BYTES = 4 << 20;

  /** The stream's approximate cap. */
  public static final long MAX_EVENTS = 100_000;

  static final String STREAM = "train:events";

  private final SharedRedis redis;
  private final String node;
  private final int maxMessageBytes;

  private TrainingEvents(SharedRedis redis, String node, int maxMessageBytes) {
    this.redis = Objects.requireNonNull(redis, "redis");
    this.node = Objects.requireNonNull(node, "node");
    if (maxMessageBytes < 1) {
      throw new IllegalArgumentException("maxMessageBytes must be positive: " + maxMessageBytes);
    }
    this.maxMessageBytes = maxMessageBytes;
  }

  /**
   * A publisher for this node.
   *
   * @param node the node's name, recorded with each event for logs
   * @param maxMessageBytes the largest message accepted (the model reads no more of one anyway)
   */
  public static TrainingEvents on(SharedRedis redis, String node, int maxMessageBytes) {
    return new TrainingEvents(redis, node, maxMessageBytes);
  }

  /**
   * Publishes one training event.
   *
   * @return the stream entry's id, or empty when Redis did not take it within {@code wait} (the
   *     caller tells the user to try again)
   * @throws IllegalArgumentException for a message larger than the configured maximum
   * @throws InterruptedException when interrupted while waiting
   */
  @SuppressWarnings("exports") // Label's package is exported to the cluster and the command only
  public Optional<String> publish(byte[] rawMessage, Label label, Duration wait)
      throws InterruptedException {
    if (rawMessage.length > maxMessageBytes) {
      throw new IllegalArgumentException(
          "message of " + rawMessage.length + " bytes is over the limit of " + maxMessageBytes);
    }
    Map<String, byte[]> body =
        Map.of(
            "label", label.name().getBytes(StandardCharsets.US_ASCII),
            "node", node.getBytes(StandardCharsets.UTF_8),
            "msg", rawMessage);
    return redis.callBytes(
        c ->
            c.xadd(
                redis.key(STREAM), XAddArgs.Builder.maxlen(MAX_EVENTS).approximateTrimming(), body),
        wait);
  }
}
