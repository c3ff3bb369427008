package dev.mailfilter.cluster;

/**
 * The outcome of a create, update or delete. Only {@link Written} changed the store; the others say
 * why nothing was changed, each mapping to one HTTP status of the admin API.
 */
public sealed interface WriteResult {

  /**
   * The change was stored and published.
   *
   * @param tenant the node after the change (for a delete: as it was, with the delete's version)
   * @param storeVersion the version of the whole store after the change
   */
  record Written(Tenant tenant, long storeVersion) implements WriteResult {}

  /** The expected version is not the node's current one: someone changed it meanwhile (409). */
  record Stale(TenantPath path, long expected, long current) implements WriteResult {}

  /** The node, or for a create its parent, does not exist (404). */
  record NotFound(TenantPath path) implements WriteResult {}

  /**
   * The change contradicts the tree (409): the node exists already, a domain is configured
   * elsewhere, children stand in the way of a delete.
   */
  record Conflict(TenantPath path, String reason) implements WriteResult {}

  /**
   * The settings or brand are invalid (the admin API answers 400 with the field's path), by the
   * core's own configuration rules.
   *
   * @param field the dotted path of the offending key within the node's settings ({@code
   *     actions.reject}), {@code brand.<field>} for the brand, or empty for the node as a whole
   * @param reason why, as the configuration loader says it
   */
  record Invalid(TenantPath path, String field, String reason) implements WriteResult {}
}
