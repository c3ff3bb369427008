package dev.mailfilter.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The order of paths is the order of their written form ({@code reseller:a/customer:b}), which the
 * store's listings and cursors use; a snapshot lists parents before their children.
 */
class TenantPathOrderTest {
  private static final String[] NAMES = {"a", "a.b", "a-b", "a_b", "ab", "b", "a0", "z", "A"};

  private static TenantPath random(Random r) {
    TenantPath p =
        r.nextBoolean()
            ? TenantPath.reseller(NAMES[r.nextInt(NAMES.length)])
            : TenantPath.customer(NAMES[r.nextInt(NAMES.length)]);
    int depth = r.nextInt(4);
    for (int i = 0; i < depth; i++) {
      TenantPath.Kind next =
          switch (p.kind().orElseThrow()) {
            case RESELLER -> TenantPath.Kind.CUSTOMER;
            case CUSTOMER -> TenantPath.Kind.DOMAIN;
            case DOMAIN, USER -> TenantPath.Kind.USER;
          };
      if (next == TenantPath.Kind.USER && p.kind().orElseThrow() == TenantPath.Kind.USER) {
        break;
      }
      String name = NAMES[r.nextInt(NAMES.length)];
      p = p.child(next, next == TenantPath.Kind.DOMAIN ? name + ".example" : name);
    }
    return p;
  }

  @Test
  void comparesAsTheWrittenFormForRandomPaths() {
    long seed = 15L;
    Random r = new Random(seed);
    for (int i = 0; i < 20_000; i++) {
      TenantPath a = random(r);
      TenantPath b = r.nextInt(10) == 0 ? TenantPath.parse(a.toString()) : random(r);
      assertThat(Integer.signum(a.compareTo(b)))
          .as("seed %d: %s against %s", seed, a, b)
          .isEqualTo(Integer.signum(a.toString().compareTo(b.toString())));
    }
  }

  @Test
  void aNameThatExtendsAnotherSortsAsWritten() {
    TenantPath shortWithChild = TenantPath.customer("a").child(TenantPath.Kind.DOMAIN, "x.example");
    TenantPath longer = TenantPath.customer("a.b");
    // "customer:a.b" < "customer:a/domain:x.example", since '.' < '/'.
    assertThat(longer.compareTo(shortWithChild)).isNegative();
    assertThat(shortWithChild.compareTo(longer)).isPositive();
    assertThat(TenantPath.customer("a").compareTo(shortWithChild)).isNegative();
    assertThat(TenantPath.root().compareTo(TenantPath.customer("a"))).isNegative();
  }

  @Test
  void aSnapshotListsNodesInPathOrderWhateverOrderItIsGiven() {
    Random r = new Random(7);
    List<Tenant> tenants = new ArrayList<>();
    List<TenantPath> seen = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      TenantPath p = random(r);
      if (!seen.contains(p)) {
        seen.add(p);
        tenants.add(
            new Tenant(p, Settings.empty(), Optional.empty(), 1, java.time.Instant.EPOCH, "t"));
      }
    }
    List<TenantPath> expected =
        seen.stream().sorted((x, y) -> x.toString().compareTo(y.toString())).toList();
    assertThat(new Snapshot(1, tenants).tenants()).extracting(Tenant::path).isEqualTo(expected);
    List<Tenant> sorted = new Snapshot(1, tenants).tenants();
    assertThat(new Snapshot(1, sorted).tenants()).extracting(Tenant::path).isEqualTo(expected);
  }
}
