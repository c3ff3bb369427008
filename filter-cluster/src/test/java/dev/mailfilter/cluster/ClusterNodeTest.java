package dev.mailfilter.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.api.Action;
import dev.mailfilter.testkit.Processes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node following the embedded store: the swap, the last good tree, a tree the core refuses. */
class ClusterNodeTest {
  @TempDir Path dir;

  static Path config(Path dir) throws Exception {
    Path f = dir.resolve("mailfilter.yaml");
    Files.writeString(f, "actions: {reject: 15}\n", StandardCharsets.UTF_8);
    return f;
  }

  static Settings json(String s) {
    return Settings.of(Json.read(s));
  }

  static long bakery(TenantStore store, String principal) {
    TenantPath acme = TenantPath.reseller("acme");
    TenantPath bakery = acme.child(TenantPath.Kind.CUSTOMER, "bakery");
    store.create(
        acme, json("{\"route\":{\"host\":\"relay.acme.example\"}}"), Optional.empty(), principal);
    store.create(bakery, Settings.empty(), Optional.empty(), principal);
    WriteResult r =
        store.create(
            bakery.child(TenantPath.Kind.DOMAIN, "bakery.example"),
            json("{\"actions\":{\"reject\":9},\"verify_recipients\":{\"callout\":true}}"),
            Optional.empty(),
            principal);
    return ((WriteResult.Written) r).storeVersion();
  }

  @Test
  void aChangeInTheStoreReachesTheRunningFilterThroughTheSwap() throws Exception {
    try (FileTenantStore store = FileTenantStore.open(dir.resolve("store"));
        ClusterNode node = ClusterNode.start(config(dir), dir.resolve("node"), store)) {
      assertThat(node.filters().current().config().tenants().resolve("a@bakery.example")).isEmpty();
      long v = bakery(store, "op");
      assertThat(node.awaitVersion(v, Duration.ofSeconds(10))).isTrue();
      var r = node.filters().current().config().tenants().resolve("a@bakery.example");
      assertThat(r).isPresent();
      assertThat(r.get().policy().policy().thresholds().threshold(Action.REJECT)).hasValue(9.0);
      assertThat(r.get().route().orElseThrow().host()).isEqualTo("relay.acme.example");
      // The node's own file still counts where the tree says nothing.
      assertThat(node.filters().current().config().thresholds().threshold(Action.REJECT))
          .hasValue(15.0);
    }
  }

  @Test
  void theKeptTreeFollowsTheRunningOneAndHoldsTheLastVersionOnceTheNodeIsClosed() throws Exception {
    Path kept = dir.resolve("node").resolve("snapshot.json");
    long last;
    try (FileTenantStore store = FileTenantStore.open(dir.resolve("store"));
        ClusterNode node = ClusterNode.start(config(dir), dir.resolve("node"), store)) {
      long v = bakery(store, "op");
      assertThat(node.awaitVersion(v, Duration.ofSeconds(10))).isTrue();
      // Written after the swap, off the path of the next change: it gets there.
      assertThat(Processes.await(Duration.ofSeconds(10), () -> keptVersion(kept) == v)).isTrue();
      TenantPath customer = TenantPath.reseller("acme").child(TenantPath.Kind.CUSTOMER, "bakery");
      for (int i = 0; i < 20; i++) {
        store.create(
            customer.child(TenantPath.Kind.DOMAIN, "d" + i + ".example"),
            Settings.empty(),
            Optional.empty(),
            "op");
      }
      last = store.version();
      assertThat(node.awaitVersion(last, Duration.ofSeconds(10))).isTrue();
    }
    // Closing writes what the running filter used last, so a restart starts from it.
    Snapshot s = Snapshot.fromJson(read(kept));
    assertThat(s.version()).isEqualTo(last);
    assertThat(s.tenants()).hasSize(23);
  }

  private static String read(Path f) throws java.io.IOException {
    return Files.readString(f, StandardCharsets.UTF_8);
  }

  /** The version of the kept tree, -1 while there is none (or it is being replaced). */
  private static long keptVersion(Path f) {
    try {
      return Snapshot.fromJson(read(f)).version();
    } catch (java.io.IOException | RuntimeException e) {
      return -1;
    }
  }

  @Test
  void aNodeStartsFromItsConfigurationFileAlone() throws Exception {
    Path f = dir.resolve("node.yaml");
    Files.writeString(
        f,
        "cluster:\n  store: file:"
            + dir.resolve("store")
            + "\n  state_dir: "
            + dir.resolve("state")
            + "\n",
        StandardCharsets.UTF_8);
    try (FileTenantStore store = FileTenantStore.open(dir.resolve("store"))) {
      bakery(store, "op");
    }
    try (ClusterNode node = ClusterNode.start(f)) {
      assertThat(node.awaitVersion(3, Duration.ofSeconds(10))).isTrue();
      assertThat(node.filters().current().config().tenants().resolve("a@bakery.example"))
          .isPresent();
    }
    assertThat(dir.resolve("state").resolve("snapshot.json")).exists();
  }

  @Test
  void aNodesFileMayConfigureTheSharedStateChecks() throws Exception {
    // The node builds its filter with the shared-state checks known, as every command does: a
    // file that sets checks.greylist is a valid node configuration, not an unknown check.
    Path f = dir.resolve("node.yaml");
    Files.writeString(
        f,
        "cluster:\n  store: file:"
            + dir.resolve("store")
            + "\n  state_dir: "
            + dir.resolve("state")
            + "\nchecks:\n  greylist:\n    enabled: false\n    delay: 1m\n",
        StandardCharsets.UTF_8);
    try (FileTenantStore store = FileTenantStore.open(dir.resolve("store"))) {
      bakery(store, "op");
    }
    try (ClusterNode node = ClusterNode.start(f)) {
      assertThat(node.awaitVersion(3, Duration.ofSeconds(10))).isTrue();
      assertThat(node.filters().current().config().tenants().resolve("a@bakery.example"))
          .isPresent();
    }
  }

  @Test
  void aBadStoreAddressIsRefusedWithItsKey() throws Exception {
    Path f = dir.resolve("node.yaml");
    Files.writeString(f, "cluster:\n  store: mysql://x\n", StandardCharsets.UTF_8);
    assertThatThrownBy(() -> ClusterNode.start(f))
        .isInstanceOf(dev.mailfilter.config.ConfigException.class)
        .hasMessageContaining("cluster.store");
  }

  @Test
  void aRestartedNodeFiltersWithItsLastGoodTreeAtOnceAndCatchesUp() throws Exception {
    Path config = config(dir);
    try (FileTenantStore store = FileTenantStore.open(dir.resolve("store"))) {
      long v;
      try (ClusterNode node = ClusterNode.start(config, dir.resolve("node"), store)) {
        v = bakery(store, "op");
        assertThat(node.awaitVersion(v, Duration.ofSeconds(10))).isTrue();
      }
      TenantPath more = TenantPath.customer("more");
      store.create(more, Settings.empty(), Optional.empty(), "op");
      WriteResult w =
          store.create(
              more.child(TenantPath.Kind.DOMAIN, "more.example"),
              Settings.empty(),
              Optional.empty(),
              "op");
      try (ClusterNode node = ClusterNode.start(config, dir.resolve("node"), store)) {
        assertThat(node.version()).isGreaterThanOrEqualTo(v);
        assertThat(node.filters().current().config().tenants().resolve("x@bakery.example"))
            .isPresent();
        assertThat(
                node.awaitVersion(((WriteResult.Written) w).storeVersion(), Duration.ofSeconds(10)))
            .isTrue();
        assertThat(node.filters().current().config().tenants().resolve("x@more.example"))
            .isPresent();
      }
    }
  }

  @Test
  void aTreeTheCoreRefusesAsAWholeIsNotAppliedAndTheRunningFilterStays() throws Exception {
    try (FileTenantStore store = FileTenantStore.open(dir.resolve("store"));
        ClusterNode node = ClusterNode.start(config(dir), dir.resolve("node"), store)) {
      long v = bakery(store, "op");
      assertThat(node.awaitVersion(v, Duration.ofSeconds(10))).isTrue();
      // The domain's callout leans on the reseller's route: without it the tree does not load.
      Tenant acme = store.get(TenantPath.reseller("acme")).orElseThrow();
      WriteResult w =
          store.update(acme.path(), acme.version(), Settings.empty(), Optional.empty(), "op");
      long bad = ((WriteResult.Written) w).storeVersion();
      assertThat(node.awaitVersion(bad, Duration.ofSeconds(2))).isFalse();
      assertThat(node.version()).isEqualTo(v);
      assertThat(node.filters().current().config().tenants().resolve("a@bakery.example"))
          .isPresent();
      // The next change that makes the tree whole again is applied.
      acme = store.get(TenantPath.reseller("acme")).orElseThrow();
      w =
          store.update(
              acme.path(),
              acme.version(),
              json("{\"route\":{\"host\":\"relay2.acme.example\"}}"),
              Optional.empty(),
              "op");
      assertThat(
              node.awaitVersion(((WriteResult.Written) w).storeVersion(), Duration.ofSeconds(10)))
          .isTrue();
      assertThat(
              node.filters()
                  .current()
                  .config()
                  .tenants()
                  .resolve("a@bakery.example")
                  .orElseThrow()
                  .route()
                  .orElseThrow()
                  .host())
          .isEqualTo("relay2.acme.example");
    }
  }
}
