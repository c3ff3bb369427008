package dev.mailfilter.cluster.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.testkit.RedisServer;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real redis-server on loopback and the {@link SharedRedis} a node would hold on it, available
 * before the test starts.
 *
 * @param server the server (a test may kill it)
 * @param redis the connection
 */
record LocalRedis(RedisServer server, SharedRedis redis) implements AutoCloseable {
  /** Starts a primary in {@code dir}/redis and connects with these timeouts. */
  static LocalRedis start(Path dir, Duration callTimeout, Duration retry) throws Exception {
    RedisServer server = RedisServer.primary(dir.resolve("redis"));
    SharedRedis redis =
        SharedRedis.connect(
            StateSettings.redis("redis://127.0.0.1:" + server.port())
                .withTimeouts(callTimeout, retry));
    assertThat(redis.awaitAvailable(Duration.ofSeconds(10))).isTrue();
    return new LocalRedis(server, redis);
  }

  @Override
  public void close() {
    redis.close();
    server.close();
  }
}
