package dev.mailfilter.cluster;

import java.time.Instant;
import java.util.Optional;

/**
 * One entry of a store's change log and audit log: every create, update and delete, in the order of
 * the store's versions.
 *
 * @param version the store version this change made (one per change, increasing, no gaps)
 * @param at when
 * @param principal who (the admin API's authenticated principal, or the command's operator)
 * @param op what
 * @param path the node
 * @param after the node after a create or update; empty for a delete, which removes the node and
 *     everything below it
 */
public record Change(
    long version, Instant at, String principal, Op op, TenantPath path, Optional<Tenant> after) {

  /** The kind of change. */
  public enum Op {
    CREATE,
    UPDATE,
    DELETE
  }
}
