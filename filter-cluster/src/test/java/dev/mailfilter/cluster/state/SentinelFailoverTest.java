package dev.mailfilter.cluster.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.testkit.Processes;
import dev.mailfilter.testkit.RedisServer;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Through Sentinel: the checks find the primary, fall back to local state while it is dead, and use
 * the promoted replica, which has the greylisting state replicated to it, once Sentinel switched.
 */
class SentinelFailoverTest {
  @Test
  void greylistingFollowsTheSentinelFailoverToTheReplica(@TempDir Path dir) throws Exception {
    try (RedisServer primary = RedisServer.primary(dir.resolve("p"));
        RedisServer replica = RedisServer.replicaOf(dir.resolve("r"), primary.port());
        RedisServer sentinel = RedisServer.sentinel(dir.resolve("s"), "mf", primary.port(), 1)) {
      assertThat(Processes.await(Duration.ofSeconds(15), () -> replica.log().contains("sync")))
          .isTrue();
      StateSettings settings =
          StateSettings.sentinel("mf", List.of(new InetSocketAddress("127.0.0.1", sentinel.port())))
              .withTimeouts(Duration.ofMillis(500), Duration.ofMillis(200));
      try (SharedRedis redis = SharedRedis.connect(settings)) {
        assertThat(redis.awaitAvailable(Duration.ofSeconds(10))).isTrue();
        TestClock clock = new TestClock();
        GreylistCheck check =
            GreylistCheck.of(
                GreylistSettings.defaults().withDelay(Duration.ofMinutes(5)),
                Optional.of(redis),
                clock);
        Duration budget = Duration.ofSeconds(1);
        GreylistCheck.Decision first = check.decide("192.0.2.0/24", "s@y", "r@x", budget);
        assertThat(first.shared()).isTrue();
        // Let the replica receive the triplet before its primary dies.
        // WAIT within the call timeout (a longer one would count as Redis failing).
        assertThat(
                Processes.await(
                    Duration.ofSeconds(10),
                    () -> {
                      try {
                        return redis
                            .call(c -> c.waitForReplication(1, 300), budget)
                            .orElse(0L)
                            .equals(1L);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                      }
                    }))
            .as("replica log: %s", replica.log())
            .isTrue();
        assertThat(redis.call(c -> c.info("server"), budget).orElseThrow())
            .contains("tcp_port:" + primary.port());

        primary.kill();
        // Meanwhile every call is answered, from local state when Redis cannot answer.
        AtomicReference<GreylistCheck.Decision> last = new AtomicReference<>();
        boolean backOnRedis =
            Processes.await(
                Duration.ofSeconds(60),
                () -> {
                  try {
                    last.set(check.decide("198.51.100.0/24", "a@b", "c@d", budget));
                    return last.get().shared();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                  }
                });
        assertThat(backOnRedis).as("sentinel log: %s", sentinel.log()).isTrue();
        String info = redis.call(c -> c.info("server"), budget).orElseThrow();
        assertThat(info)
            .as("now on the replica; sentinel log: %s", sentinel.log())
            .contains("tcp_port:" + replica.port());
        // The promoted replica knows the first attempt: after the delay the retry passes there.
        clock.advance(Duration.ofMinutes(5));
        GreylistCheck.Decision retry = check.decide("192.0.2.0/24", "s@y", "r@x", budget);
        assertThat(retry.shared()).isTrue();
        assertThat(retry.outcome()).isEqualTo(GreylistCheck.Outcome.PASSED);
      }
    }
  }
}
