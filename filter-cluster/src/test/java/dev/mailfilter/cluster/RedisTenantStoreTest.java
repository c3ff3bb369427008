package dev.mailfilter.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.testkit.RedisServer;
import io.lettuce.core.RedisURI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The contract against a real redis-server; each test has its own key prefix. */
class RedisTenantStoreTest extends TenantStoreContract {
  private static final AtomicInteger TEST = new AtomicInteger();
  private static Path dir;
  private static RedisServer server;
  private String prefix;

  @BeforeAll
  static void startRedis() throws Exception {
    dir = Files.createTempDirectory("redis-store");
    server = RedisServer.primary(dir);
  }

  @AfterAll
  static void stopRedis() {
    if (server != null) {
      server.close();
    }
  }

  static RedisTenantStore.Options options(String prefix) {
    return RedisTenantStore.Options.of(RedisURI.create("127.0.0.1", server.port()))
        .withPrefix(prefix);
  }

  @Override
  TenantStore openStore() {
    prefix = "t" + TEST.incrementAndGet() + ":";
    return RedisTenantStore.connect(options(prefix));
  }

  @Override
  TenantStore reopen(TenantStore store) {
    store.close();
    return RedisTenantStore.connect(options(prefix));
  }

  @Test
  void aFollowerBlockedOnTheStreamWakesWithTheNextChange() throws Exception {
    bakeryTree();
    long v = store.version();
    try (RedisTenantStore other = RedisTenantStore.connect(options(prefix))) {
      Thread writer =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      Thread.sleep(300);
                    } catch (InterruptedException e) {
                      return;
                    }
                    store.create(
                        TenantPath.customer("late"), Settings.empty(), Optional.empty(), "op");
                  });
      ChangesSince c = other.changesSince(v, Duration.ofSeconds(10));
      writer.join();
      assertThat(((ChangesSince.Changes) c).changes())
          .extracting(Change::path)
          .containsExactly(TenantPath.customer("late"));
      assertThat(
              ((ChangesSince.Changes) other.changesSince(v + 1, Duration.ofMillis(50))).changes())
          .isEmpty();
    }
  }

  @Test
  void aFollowerBehindATrimmedStreamIsToldToLoadASnapshot() {
    store.close();
    store = RedisTenantStore.connect(options(prefix).withStreamMaxLength(100));
    written(store.create(TenantPath.customer("c"), Settings.empty(), Optional.empty(), "op"));
    Tenant c = store.get(TenantPath.customer("c")).orElseThrow();
    for (int i = 0; i < 400; i++) {
      c = written(store.update(c.path(), c.version(), Settings.empty(), Optional.empty(), "op"));
    }
    assertThat(store.changesSince(0)).isInstanceOf(ChangesSince.Trimmed.class);
    assertThat(store.changesSince(c.version() - 1)).isInstanceOf(ChangesSince.Changes.class);
    assertThat(store.snapshot().version()).isEqualTo(401);
    assertThat(store.audit(TenantPath.root(), 0, 10_000)).hasSize(401);
  }

  @Test
  void aWriterWhoseRedisCameBackEmptyIsRefusedWithContextInsteadOfNotFound() throws Exception {
    // A Redis of its own: restarted without persistence, as an old primary back on its port.
    RedisServer own = RedisServer.primary(dir.resolve("empty-" + prefix.replace(":", "")));
    try (RedisTenantStore writer =
        RedisTenantStore.connect(
            RedisTenantStore.Options.of(RedisURI.create("127.0.0.1", own.port())))) {
      written(writer.create(TenantPath.customer("c"), Settings.empty(), Optional.empty(), "op"));
      String id = writer.id();
      own.close();
      own = own.restart();
      TenantPath d = TenantPath.customer("c").child(TenantPath.Kind.DOMAIN, "d.example");
      TenantStoreException e = null;
      for (int i = 0; i < 100 && e == null; i++) {
        try {
          WriteResult w = writer.create(d, Settings.empty(), Optional.empty(), "op");
          throw new AssertionError("a write to the emptied store answered " + w);
        } catch (TenantStoreException x) {
          if (x.getMessage().contains("holds no tenant store")) {
            e = x;
          } else {
            Thread.sleep(100); // not reconnected yet
          }
        }
      }
      assertThat(e).isNotNull();
      assertThat(e.getMessage()).contains("lost its data").contains(id);
      assertThatThrownBy(() -> writer.get(TenantPath.customer("c")))
          .isInstanceOf(TenantStoreException.class)
          .hasMessageContaining("holds no tenant store");
      assertThatThrownBy(() -> writer.changesSince(1))
          .isInstanceOf(TenantStoreException.class)
          .hasMessageContaining("holds no tenant store");
      assertThatThrownBy(writer::snapshot)
          .isInstanceOf(TenantStoreException.class)
          .hasMessageContaining("holds no tenant store");
      // A store started afresh on purpose (a new process) begins a new history.
      try (RedisTenantStore fresh =
          RedisTenantStore.connect(
              RedisTenantStore.Options.of(RedisURI.create("127.0.0.1", own.port())))) {
        written(fresh.create(TenantPath.customer("c"), Settings.empty(), Optional.empty(), "op"));
      }
    } finally {
      own.close();
    }
  }
}
