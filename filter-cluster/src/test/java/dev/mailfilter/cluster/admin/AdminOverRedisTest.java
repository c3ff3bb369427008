package dev.mailfilter.cluster.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.cluster.RedisTenantStore;
import dev.mailfilter.testkit.RedisServer;
import io.lettuce.core.RedisURI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API over the Redis store (a real redis-server): it serves, and answers 503 when Redis dies.
 */
class AdminOverRedisTest {
  @TempDir Path dir;

  @Test
  void servesTheTreeFromRedisAndAnswers503WhenRedisIsDown() throws Exception {
    try (RedisServer redis = RedisServer.primary(dir.resolve("redis"))) {
      RedisTenantStore store =
          RedisTenantStore.connect(
              RedisTenantStore.Options.of(RedisURI.create("redis://127.0.0.1:" + redis.port())));
      try (AdminFixture f = new AdminFixture(store, AdminServer.DEFAULT_MAX_BODY, true)) {
        String acme = f.key(Role.RESELLER_ADMIN, AdminFixture.ACME);
        assertThat(
                f.send("POST", "/v1/resellers/acme/customers", acme, "{\"name\":\"shop\"}", null)
                    .status())
            .isEqualTo(201);
        assertThat(f.send("GET", "/v1/resellers/other", acme, null, null).status()).isEqualTo(404);
        redis.kill();
        AdminFixture.Answer down = f.send("GET", "/v1/resellers/acme", acme, null, null);
        assertThat(down.status()).isEqualTo(503);
        assertThat(down.json().path("error").asText()).isEqualTo("store_unavailable");
      }
    }
  }
}
