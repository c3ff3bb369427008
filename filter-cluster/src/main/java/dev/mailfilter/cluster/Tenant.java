package dev.mailfilter.cluster;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One node of the tenant tree as a store holds it: where it sits, its own settings, a reseller's
 * brand, its version and who changed it last.
 *
 * @param path where the node sits; its last segment gives the level and name
 * @param settings the node's own settings (inherited ones are not repeated)
 * @param brand a reseller's white label; empty for every other level
 * @param version the store version of the node's last change: an update or delete must name it
 *     (optimistic concurrency), and it grows with every change of the node
 * @param changedAt when the node last changed
 * @param changedBy the principal of the last change
 */
public record Tenant(
    TenantPath path,
    Settings settings,
    Optional<Brand> brand,
    long version,
    Instant changedAt,
    String changedBy) {

  /** Checks that only a reseller has a brand. */
  public Tenant {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(brand, "brand");
    Objects.requireNonNull(changedAt, "changedAt");
    Objects.requireNonNull(changedBy, "changedBy");
    if (path.isRoot()) {
      throw new IllegalArgumentException("the root is not a tenant");
    }
    if (brand.isPresent() && path.kind().orElseThrow() != TenantPath.Kind.RESELLER) {
      throw new IllegalArgumentException("only a reseller has a brand: " + path);
    }
  }

  /** The level of the node. */
  public TenantPath.Kind kind() {
    return path.kind().orElseThrow();
  }
}
