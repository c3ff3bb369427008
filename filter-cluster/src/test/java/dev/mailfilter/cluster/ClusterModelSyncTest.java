package dev.mailfilter.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.cluster.state.SharedRedis;
import dev.mailfilter.cluster.state.StateSettings;
import dev.mailfilter.cluster.state.TrainingEvents;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.learn.Label;
import dev.mailfilter.testkit.Processes;
import dev.mailfilter.testkit.RedisServer;
import io.lettuce.core.RedisURI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model's training loop across nodes on a real redis-server: a user's feedback published on
 * node A is learned by the elected trainer, published as one new model version, and every node's
 * filter uses that version after the swap.
 */
class ClusterModelSyncTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;

  static final byte[] SPAM =
      ("From: Deals <deals@offers.example>\r\nTo: boss@bakery.example\r\nSubject: cheap pills\r\n"
              + "\r\nBuy cheap pills now, limited offer, click here today.\r\n")
          .getBytes(StandardCharsets.US_ASCII);
  static final byte[] HAM =
      ("From: Anna <anna@bakery.example>\r\nTo: boss@bakery.example\r\nSubject: minutes\r\n"
              + "\r\nThe minutes of yesterday's meeting are attached, see you on Monday.\r\n")
          .getBytes(StandardCharsets.US_ASCII);

  /** A node's configuration: its own model file, model sync on, the shared Redis. */
  static Path nodeConfig(Path dir, String node, int redisPort) throws Exception {
    Files.createDirectories(dir.resolve(node));
    Path f = dir.resolve(node).resolve("mailfilter.yaml");
    Files.writeString(
        f,
        """
        reload: {watch_interval: 0}
        model: {path: %s, required: false, min_ham: 1, min_spam: 1}
        redis: {uri: "redis://127.0.0.1:%d"}
        model_sync: {enabled: true, node: %s, poll: 50ms, lease: 600ms}
        """
            .formatted(dir.resolve(node).resolve("model.bin"), redisPort, node),
        StandardCharsets.UTF_8);
    return f;
  }

  static Optional<String> bayes(ClusterNode node, byte[] message) {
    Verdict v =
        node.filters()
            .classify(
                message,
                Envelope.of(
                    InetAddresses.forString("192.0.2.1"),
                    "mail.example.org",
                    "deals@offers.example",
                    List.of()));
    return v.symbols().stream().map(s -> s.name()).filter(n -> n.startsWith("BAYES_")).findFirst();
  }

  @Test
  void feedbackOnNodeAIsUsedAsTheNextModelVersionOnNodesAAndB() throws Exception {
    try (RedisServer redis = RedisServer.primary(dir.resolve("redis"));
        RedisTenantStore storeA =
            RedisTenantStore.connect(
                RedisTenantStore.Options.of(RedisURI.create("127.0.0.1", redis.port())));
        RedisTenantStore storeB =
            RedisTenantStore.connect(
                RedisTenantStore.Options.of(RedisURI.create("127.0.0.1", redis.port())));
        SharedRedis shared =
            SharedRedis.connect(StateSettings.redis("redis://127.0.0.1:" + redis.port()));
        ClusterNode a =
            ClusterNode.start(nodeConfig(dir, "a", redis.port()), dir.resolve("a/state"), storeA);
        ClusterNode b =
            ClusterNode.start(nodeConfig(dir, "b", redis.port()), dir.resolve("b/state"), storeB)) {
      assertThat(a.modelVersion()).contains(0L);
      assertThat(bayes(a, SPAM)).isEmpty(); // no model yet: no BAYES_ symbol
      TrainingEvents onA = TrainingEvents.on(shared, "a", 1 << 20);
      assertThat(onA.publish(SPAM, Label.SPAM, Duration.ofSeconds(5))).isPresent();
      assertThat(onA.publish(HAM, Label.HAM, Duration.ofSeconds(5))).isPresent();

      assertThat(
              Processes.await(
                  WAIT,
                  () ->
                      a.modelVersion().orElseThrow() >= 1
                          && a.modelVersion().equals(b.modelVersion())
                          && bayes(a, HAM).isPresent()
                          && bayes(b, HAM).isPresent()))
          .as("both nodes on one model version that has learned both messages")
          .isTrue();
      long n = a.modelVersion().orElseThrow();
      for (ClusterNode node : List.of(a, b)) {
        assertThat(bayes(node, SPAM).orElseThrow()).isGreaterThan(bayes(node, HAM).orElseThrow());
      }

      // One more report on node A: version N+1 on both nodes, the same bytes on disk.
      byte[] more =
          ("From: Deals <deals@offers.example>\r\nTo: boss@bakery.example\r\nSubject: pills\r\n"
                  + "\r\nCheap pills, click here, limited offer.\r\n")
              .getBytes(StandardCharsets.US_ASCII);
      assertThat(onA.publish(more, Label.SPAM, Duration.ofSeconds(5))).isPresent();
      assertThat(
              Processes.await(
                  WAIT,
                  () ->
                      a.modelVersion().orElseThrow() == n + 1
                          && b.modelVersion().orElseThrow() == n + 1))
          .as("version %d on both nodes", n + 1)
          .isTrue();
      assertThat(Files.readAllBytes(dir.resolve("a/model.bin")))
          .isEqualTo(Files.readAllBytes(dir.resolve("b/model.bin")));
    }
  }

  @Test
  void modelSyncWithoutASharedRedisIsRefusedNamingTheKey() throws Exception {
    Path f = dir.resolve("mailfilter.yaml");
    Files.writeString(
        f,
        "model: {path: "
            + dir.resolve("model.bin")
            + ", required: false}\nmodel_sync: {enabled: true}\n",
        StandardCharsets.UTF_8);
    try (FileTenantStore store = FileTenantStore.open(dir.resolve("tree"))) {
      assertThatThrownBy(() -> ClusterNode.start(f, dir.resolve("state"), store))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("model_sync.enabled")
          .hasMessageContaining("redis.uri");
    }
  }
}
