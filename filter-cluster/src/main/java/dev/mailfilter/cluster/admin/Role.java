package dev.mailfilter.cluster.admin;

import dev.mailfilter.cluster.TenantPath;
import java.util.Locale;
import java.util.Optional;

/**
 * What a principal may do within its subtree. The principal's scope (a tree node of the role's
 * level) says where its subtree starts; the role says what it may do there.
 */
public enum Role {
  /** The provider: everything, the whole tree, and operator keys. */
  OPERATOR(Optional.empty()),
  /** A reseller's administrator: its reseller's brand and settings, its customers and below. */
  RESELLER_ADMIN(Optional.of(TenantPath.Kind.RESELLER)),
  /** A customer's administrator: its customer's settings, its domains and below. */
  CUSTOMER_ADMIN(Optional.of(TenantPath.Kind.CUSTOMER)),
  /** A domain's administrator, delegated by the customer: the domain's settings and its users. */
  DOMAIN_ADMIN(Optional.of(TenantPath.Kind.DOMAIN)),
  /** A mailbox's owner: its own quarantine settings and allow/block lists, nothing else. */
  USER(Optional.of(TenantPath.Kind.USER));

  private final Optional<TenantPath.Kind> level;

  Role(Optional<TenantPath.Kind> level) {
    this.level = level;
  }

  /** The level of the tree node a principal of this role is scoped to; empty: the root. */
  public Optional<TenantPath.Kind> level() {
    return level;
  }

  /** The name used in the API and the key file ({@code reseller_admin}). */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The role of a wire name. */
  static Optional<Role> ofWire(String name) {
    for (Role r : values()) {
      if (r.wireName().equals(name)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }
}
