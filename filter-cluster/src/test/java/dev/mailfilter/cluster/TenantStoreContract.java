package dev.mailfilter.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.api.Action;
import dev.mailfilter.tenant.Recipient;
import dev.mailfilter.tenant.TenantDirectory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link TenantStore} must do. An implementation's test extends this class and opens a
 * fresh, empty store in {@link #openStore()}; {@link #reopen(TenantStore)} closes and opens the
 * same store again, to show that writes survive.
 */
abstract class TenantStoreContract {
  static final TenantPath ACME = TenantPath.reseller("acme");
  static final TenantPath BAKERY = ACME.child(TenantPath.Kind.CUSTOMER, "bakery");
  static final TenantPath BAKERY_DOMAIN = BAKERY.child(TenantPath.Kind.DOMAIN, "bakery.example");
  static final TenantPath BOSS = BAKERY_DOMAIN.child(TenantPath.Kind.USER, "boss");
  static final Brand BRAND =
      new Brand(
          "Acme Mail Shield",
          "support@acme.example",
          Optional.of("https://acme.example/logo.svg"),
          Map.of("primary", "#112233"),
          List.of("mail.acme.example"));

  protected TenantStore store;

  /** A fresh, empty store. */
  abstract TenantStore openStore() throws Exception;

  /** Closes the store and opens the same one again. */
  abstract TenantStore reopen(TenantStore store) throws Exception;

  @BeforeEach
  void setUp() throws Exception {
    store = openStore();
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  static Settings settings(String json) {
    return Settings.of(Json.read(json));
  }

  Tenant written(WriteResult r) {
    assertThat(r).isInstanceOf(WriteResult.Written.class);
    return ((WriteResult.Written) r).tenant();
  }

  void bakeryTree() {
    written(
        store.create(
            ACME, settings("{\"actions\":{\"reject\":20}}"), Optional.of(BRAND), "operator"));
    written(store.create(BAKERY, settings("{\"quarantine\":false}"), Optional.empty(), "acme"));
    written(
        store.create(
            BAKERY_DOMAIN,
            settings("{\"route\":{\"host\":\"mx.bakery.example\",\"port\":2525}}"),
            Optional.empty(),
            "acme"));
    written(
        store.create(
            BOSS, settings("{\"actions\":{\"reject\":8}}"), Optional.empty(), "bakery-admin"));
  }

  @Test
  void createdNodeIsReadBackWithItsSettingsBrandVersionAndPrincipal() {
    Tenant t =
        written(
            store.create(
                ACME, settings("{\"actions\":{\"reject\":20}}"), Optional.of(BRAND), "operator"));
    assertThat(t.version()).isEqualTo(1);
    assertThat(t.changedBy()).isEqualTo("operator");
    Tenant read = store.get(ACME).orElseThrow();
    assertThat(read).isEqualTo(t);
    assertThat(read.settings().values()).isEqualTo(Map.of("actions", Map.of("reject", 20L)));
    assertThat(read.brand()).contains(BRAND);
    assertThat(store.version()).isEqualTo(1);
  }

  @Test
  void writesSurviveReopeningWithTheSameIdentity() throws Exception {
    String id = store.id();
    assertThat(id).isNotBlank();
    bakeryTree();
    Snapshot before = store.snapshot();
    store = reopen(store);
    assertThat(store.snapshot()).isEqualTo(before);
    assertThat(store.version()).isEqualTo(4);
    assertThat(store.id()).isEqualTo(id);
    Tenant boss = store.get(BOSS).orElseThrow();
    written(store.update(BOSS, boss.version(), Settings.empty(), Optional.empty(), "x"));
    assertThat(store.version()).isEqualTo(5);
  }

  @Test
  void createUnderAMissingParentIsNotFound() {
    assertThat(store.create(BAKERY, Settings.empty(), Optional.empty(), "operator"))
        .isEqualTo(new WriteResult.NotFound(ACME));
    assertThat(store.version()).isZero();
  }

  @Test
  void createOfAnExistingNodeIsAConflict() {
    bakeryTree();
    assertThat(store.create(BAKERY, Settings.empty(), Optional.empty(), "acme"))
        .isInstanceOf(WriteResult.Conflict.class);
  }

  @Test
  void aDomainConfiguredElsewhereIsAConflictInAnyCase() {
    bakeryTree();
    TenantPath direct = TenantPath.customer("direct");
    written(store.create(direct, Settings.empty(), Optional.empty(), "operator"));
    WriteResult r =
        store.create(
            direct.child(TenantPath.Kind.DOMAIN, "Bakery.Example."),
            Settings.empty(),
            Optional.empty(),
            "operator");
    assertThat(r).isInstanceOf(WriteResult.Conflict.class);
    assertThat(((WriteResult.Conflict) r).reason()).contains(BAKERY_DOMAIN.toString());
  }

  @Test
  void updateWithTheCurrentVersionReplacesSettingsAndRaisesTheVersion() {
    bakeryTree();
    Tenant bakery = store.get(BAKERY).orElseThrow();
    Tenant after =
        written(
            store.update(
                BAKERY,
                bakery.version(),
                settings("{\"actions\":{\"add_header\":4}}"),
                Optional.empty(),
                "acme-2"));
    assertThat(after.version()).isEqualTo(5);
    assertThat(store.get(BAKERY).orElseThrow().settings().values())
        .isEqualTo(Map.of("actions", Map.of("add_header", 4L)));
    assertThat(store.get(BAKERY).orElseThrow().changedBy()).isEqualTo("acme-2");
  }

  @Test
  void updateWithAStaleVersionIsStaleAndChangesNothing() {
    bakeryTree();
    Tenant bakery = store.get(BAKERY).orElseThrow();
    written(store.update(BAKERY, bakery.version(), Settings.empty(), Optional.empty(), "a"));
    WriteResult r =
        store.update(
            BAKERY, bakery.version(), settings("{\"quarantine\":true}"), Optional.empty(), "b");
    assertThat(r).isEqualTo(new WriteResult.Stale(BAKERY, bakery.version(), 5));
    assertThat(store.get(BAKERY).orElseThrow().settings()).isEqualTo(Settings.empty());
    assertThat(store.version()).isEqualTo(5);
  }

  @Test
  void updateOfAMissingNodeIsNotFound() {
    assertThat(store.update(ACME, 1, Settings.empty(), Optional.empty(), "a"))
        .isEqualTo(new WriteResult.NotFound(ACME));
  }

  @Test
  void invalidSettingsAreRefusedWithTheFieldPathInsideTheNode() {
    bakeryTree();
    Tenant bakery = store.get(BAKERY).orElseThrow();
    WriteResult r =
        store.update(
            BAKERY,
            bakery.version(),
            settings("{\"actions\":{\"reject\":\"high\"}}"),
            Optional.empty(),
            "acme");
    assertThat(r).isInstanceOf(WriteResult.Invalid.class);
    WriteResult.Invalid bad = (WriteResult.Invalid) r;
    assertThat(bad.field()).isEqualTo("actions.reject");
    assertThat(bad.reason()).isNotBlank();
    assertThat(store.version()).isEqualTo(4);
  }

  @Test
  void anUnknownKeyIsRefusedWithItsName() {
    WriteResult r =
        store.create(ACME, settings("{\"acitons\":{\"reject\":1}}"), Optional.empty(), "op");
    assertThat(r).isInstanceOf(WriteResult.Invalid.class);
    assertThat(((WriteResult.Invalid) r).field()).isEqualTo("acitons");
    assertThat(((WriteResult.Invalid) r).reason()).contains("actions");
  }

  @Test
  void aRouteAtTheUserLevelIsRefused() {
    bakeryTree();
    WriteResult r =
        store.create(
            BAKERY_DOMAIN.child(TenantPath.Kind.USER, "anna"),
            settings("{\"route\":{\"host\":\"x.example\"}}"),
            Optional.empty(),
            "a");
    assertThat(r).isInstanceOf(WriteResult.Invalid.class);
    assertThat(((WriteResult.Invalid) r).field()).startsWith("route");
  }

  @Test
  void aCalloutMayLeanOnTheRouteOfAnAncestor() {
    written(
        store.create(
            ACME,
            settings("{\"route\":{\"host\":\"relay.acme.example\"}}"),
            Optional.empty(),
            "o"));
    written(store.create(BAKERY, Settings.empty(), Optional.empty(), "o"));
    written(
        store.create(
            BAKERY_DOMAIN,
            settings("{\"verify_recipients\":{\"callout\":true}}"),
            Optional.empty(),
            "o"));
  }

  @Test
  void childrenAreNotSettings() {
    WriteResult r =
        store.create(
            ACME, settings("{\"customers\":{\"bakery\":{}}}"), Optional.empty(), "operator");
    assertThat(r).isInstanceOf(WriteResult.Invalid.class);
    assertThat(((WriteResult.Invalid) r).field()).isEqualTo("customers");
  }

  @Test
  void onlyAResellerHasABrand() {
    written(store.create(ACME, Settings.empty(), Optional.empty(), "o"));
    WriteResult r = store.create(BAKERY, Settings.empty(), Optional.of(BRAND), "o");
    assertThat(r).isInstanceOf(WriteResult.Invalid.class);
    assertThat(((WriteResult.Invalid) r).field()).isEqualTo("brand");
  }

  @Test
  void deleteOfANodeWithChildrenIsRefusedWithoutTheSubtree() {
    bakeryTree();
    Tenant acme = store.get(ACME).orElseThrow();
    assertThat(store.delete(ACME, acme.version(), false, "op"))
        .isInstanceOf(WriteResult.Conflict.class);
    assertThat(store.get(BOSS)).isPresent();
  }

  @Test
  void deleteWithTheSubtreeRemovesEverythingBelowAndFreesItsDomains() {
    bakeryTree();
    Tenant acme = store.get(ACME).orElseThrow();
    written(store.delete(ACME, acme.version(), true, "op"));
    assertThat(store.get(ACME)).isEmpty();
    assertThat(store.get(BOSS)).isEmpty();
    assertThat(store.snapshot().tenants()).isEmpty();
    written(store.create(TenantPath.customer("direct"), Settings.empty(), Optional.empty(), "op"));
    written(
        store.create(
            TenantPath.customer("direct").child(TenantPath.Kind.DOMAIN, "bakery.example"),
            Settings.empty(),
            Optional.empty(),
            "op"));
  }

  @Test
  void deleteWithAStaleVersionIsStale() {
    bakeryTree();
    assertThat(store.delete(BOSS, 1, false, "op")).isInstanceOf(WriteResult.Stale.class);
    assertThat(store.get(BOSS)).isPresent();
  }

  @Test
  void childrenArePagedInOrderWithACursor() {
    written(store.create(ACME, Settings.empty(), Optional.empty(), "op"));
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      String name = String.format(java.util.Locale.ROOT, "c%02d", 24 - i);
      names.add(name);
      written(
          store.create(
              ACME.child(TenantPath.Kind.CUSTOMER, name),
              Settings.empty(),
              Optional.empty(),
              "op"));
    }
    names.sort(null);
    List<String> seen = new ArrayList<>();
    Optional<String> cursor = Optional.empty();
    int pages = 0;
    do {
      TenantPage page = store.children(ACME, cursor, 10);
      assertThat(page.items()).hasSizeLessThanOrEqualTo(10);
      page.items().forEach(t -> seen.add(t.path().name()));
      cursor = page.next();
      pages++;
    } while (cursor.isPresent());
    assertThat(pages).isEqualTo(3);
    assertThat(seen).isEqualTo(names);
    assertThat(store.children(TenantPath.root(), Optional.empty(), 10).items())
        .extracting(Tenant::path)
        .containsExactly(ACME);
    assertThat(store.children(BAKERY, Optional.empty(), 10).items()).isEmpty();
  }

  @Test
  void aBadLimitOrCursorIsRefused() {
    assertThatThrownBy(() -> store.children(ACME, Optional.empty(), 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.children(ACME, Optional.of("nonsense"), 10))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void changesSinceAVersionAreTheLaterChangesInOrder() {
    bakeryTree();
    Tenant boss = store.get(BOSS).orElseThrow();
    written(store.delete(BOSS, boss.version(), false, "bakery-admin"));
    ChangesSince.Changes c = (ChangesSince.Changes) store.changesSince(2);
    assertThat(c.latest()).isEqualTo(5);
    assertThat(c.changes()).extracting(Change::version).containsExactly(3L, 4L, 5L);
    assertThat(c.changes())
        .extracting(Change::op)
        .containsExactly(Change.Op.CREATE, Change.Op.CREATE, Change.Op.DELETE);
    assertThat(c.changes().get(0).after()).contains(store.get(BAKERY_DOMAIN).orElseThrow());
    assertThat(((ChangesSince.Changes) store.changesSince(5)).changes()).isEmpty();
  }

  @Test
  void replayingTheChangeLogOverAnOldSnapshotGivesTheCurrentSnapshot() {
    bakeryTree();
    Snapshot old = store.snapshot();
    Tenant boss = store.get(BOSS).orElseThrow();
    written(store.update(BOSS, boss.version(), Settings.empty(), Optional.empty(), "x"));
    written(
        store.create(
            BAKERY_DOMAIN.child(TenantPath.Kind.USER, "anna"),
            Settings.empty(),
            Optional.empty(),
            "x"));
    Tenant bakery = store.get(BAKERY).orElseThrow();
    written(store.delete(BAKERY, bakery.version(), true, "x"));
    TreeModel local = new TreeModel(100);
    local.reset(old);
    ChangesSince.Changes c = (ChangesSince.Changes) store.changesSince(old.version());
    c.changes().forEach(local::apply);
    assertThat(local.snapshot()).isEqualTo(store.snapshot());
  }

  @Test
  void theAuditLogRecordsEveryChangeWithItsPrincipalWithinASubtree() {
    bakeryTree();
    written(store.create(TenantPath.customer("direct"), Settings.empty(), Optional.empty(), "op"));
    List<Change> all = store.audit(TenantPath.root(), 0, 100);
    assertThat(all)
        .extracting(Change::principal)
        .containsExactly("operator", "acme", "acme", "bakery-admin", "op");
    assertThat(store.audit(BAKERY, 0, 100))
        .extracting(Change::path)
        .containsExactly(BAKERY, BAKERY_DOMAIN, BOSS);
    assertThat(store.audit(TenantPath.root(), 3, 1))
        .extracting(Change::version)
        .containsExactly(4L);
  }

  @Test
  void theSnapshotBecomesTheCoresTenantDirectory() {
    bakeryTree();
    Snapshot snapshot = store.snapshot();
    assertThat(snapshot.version()).isEqualTo(4);
    TenantDirectory dir = snapshot.config().tenants();
    Recipient boss = dir.resolve("boss@bakery.example").orElseThrow();
    assertThat(boss.policy().policy().thresholds().threshold(Action.REJECT)).hasValue(8.0);
    assertThat(boss.route().orElseThrow().host()).isEqualTo("mx.bakery.example");
    assertThat(boss.route().orElseThrow().port()).isEqualTo(2525);
    Recipient other = dir.resolve("anna@bakery.example").orElseThrow();
    assertThat(other.policy().policy().thresholds().threshold(Action.REJECT)).hasValue(20.0);
    assertThat(dir.resolve("x@elsewhere.example")).isEmpty();
  }

  @Test
  void concurrentUpdatesWithOneVersionHaveExactlyOneWinner() throws Exception {
    bakeryTree();
    long v = store.get(BAKERY).orElseThrow().version();
    int n = 8;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<WriteResult>> results = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int k = i;
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  return store.update(
                      BAKERY,
                      v,
                      settings("{\"actions\":{\"add_header\":" + (k + 1) + "}}"),
                      Optional.empty(),
                      "admin-" + k);
                }));
      }
      start.countDown();
      int written = 0;
      int stale = 0;
      for (Future<WriteResult> f : results) {
        WriteResult r = f.get();
        if (r instanceof WriteResult.Written) {
          written++;
        } else if (r instanceof WriteResult.Stale) {
          stale++;
        }
      }
      assertThat(written).isEqualTo(1);
      assertThat(stale).isEqualTo(n - 1);
      assertThat(store.version()).isEqualTo(5);
    } finally {
      pool.shutdownNow();
    }
  }
}
