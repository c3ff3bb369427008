package dev.mailfilter.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Redis fixture: a primary, its replica and a Sentinel start for real, answer and stop. */
class RedisServerTest {
  @Test
  void primaryReplicaAndSentinelAnswerAndStopByPid(@TempDir Path dir) throws Exception {
    try (RedisServer primary = RedisServer.primary(dir.resolve("p"));
        RedisServer replica = RedisServer.replicaOf(dir.resolve("r"), primary.port());
        RedisServer sentinel = RedisServer.sentinel(dir.resolve("s"), "mf", primary.port(), 1)) {
      assertThat(List.of(primary, replica, sentinel)).allMatch(RedisServer::ping);
      assertThat(primary.port()).isNotEqualTo(replica.port()).isNotEqualTo(sentinel.port());
      assertThat(Processes.await(Duration.ofSeconds(10), () -> replica.log().contains("sync")))
          .as("replica log: %s", replica.log())
          .isTrue();
      replica.kill();
      assertThat(replica.ping()).isFalse();
      assertThat(primary.ping()).isTrue();
    }
  }
}
