package dev.mailfilter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.cli.CommandTestSupport.Result;
import dev.mailfilter.cluster.Change;
import dev.mailfilter.cluster.ChangesSince;
import dev.mailfilter.cluster.RedisTenantStore;
import dev.mailfilter.cluster.Settings;
import dev.mailfilter.cluster.TenantPath;
import dev.mailfilter.cluster.TenantStore;
import dev.mailfilter.cluster.WriteResult;
import dev.mailfilter.testkit.RedisServer;
import io.lettuce.core.RedisURI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tenant tree of a shared store through backup and restore, with real {@code redis-server}s:
 * from one Redis to a fresh one, refused onto a populated one without {@code --force}, and with it
 * published as changes that a node following the store reads.
 */
class BackupRedisTest {
  @TempDir Path tmp;

  private static TenantStore connect(RedisServer r) {
    return RedisTenantStore.connect(
        RedisTenantStore.Options.of(RedisURI.create("127.0.0.1", r.port())));
  }

  private static String uri(RedisServer r) {
    return "redis://127.0.0.1:" + r.port();
  }

  private static List<String> tree(TenantStore s) {
    return s.snapshot().tenants().stream()
        .map(t -> t.path() + " " + t.settings().values() + " " + t.brand())
        .toList();
  }

  @Test
  void treeGoesFromOneRedisToAFreshOneAndARestoreIsPublishedAsChanges() throws Exception {
    try (RedisServer source = RedisServer.primary(Files.createDirectories(tmp.resolve("r1")));
        RedisServer target = RedisServer.primary(Files.createDirectories(tmp.resolve("r2")))) {
      List<String> before;
      try (TenantStore s = connect(source)) {
        TenantPath customer = TenantPath.customer("direct");
        for (WriteResult w :
            List.of(
                s.create(customer, Settings.empty(), Optional.empty(), "op"),
                s.create(
                    customer.child(TenantPath.Kind.DOMAIN, "direct.example"),
                    Settings.of(Map.of("actions", Map.of("reject", 12))),
                    Optional.empty(),
                    "op"))) {
          assertThat(w).isInstanceOf(WriteResult.Written.class);
        }
        before = tree(s);
      }
      Path config = tmp.resolve("mailfilter.yaml");
      Files.writeString(config, "smtp:\n  host_name: gw.example\n");
      Path archive = tmp.resolve("b.tar");
      Result b =
          CommandTestSupport.run(
              "backup",
              "--config",
              config.toString(),
              "-o",
              archive.toString(),
              "--tenant-store",
              uri(source));
      assertThat(b.code()).as(b.err()).isZero();
      assertThat(b.out()).contains("the tenant tree at version 2");

      Result r =
          CommandTestSupport.run(
              "restore",
              archive.toString(),
              "--config",
              tmp.resolve("n1.yaml").toString(),
              "--tenant-store",
              uri(target));
      assertThat(r.code()).as(r.err()).isZero();
      try (TenantStore t = connect(target)) {
        assertThat(tree(t)).isEqualTo(before);
        long version = t.version();

        Result refused =
            CommandTestSupport.run(
                "restore",
                archive.toString(),
                "--config",
                tmp.resolve("n2.yaml").toString(),
                "--tenant-store",
                uri(target));
        assertThat(refused.code()).isEqualTo(2);
        assertThat(refused.err()).contains("is at version " + version).hasLineCount(1);
        assertThat(tmp.resolve("n2.yaml")).doesNotExist();

        Result forced =
            CommandTestSupport.run(
                "restore",
                archive.toString(),
                "--config",
                tmp.resolve("n3.yaml").toString(),
                "--tenant-store",
                uri(target),
                "--force");
        assertThat(forced.code()).as(forced.err()).isZero();
        assertThat(tree(t)).isEqualTo(before);
        // What a following node reads: the restore as ordinary changes after its version.
        ChangesSince.Changes c = (ChangesSince.Changes) t.changesSince(version);
        assertThat(c.changes())
            .extracting(Change::op)
            .containsExactly(Change.Op.DELETE, Change.Op.CREATE, Change.Op.CREATE);
        assertThat(c.changes()).allMatch(ch -> ch.principal().equals("mailfilter-restore"));
      }
    }
  }
}
