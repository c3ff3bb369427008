package dev.mailfilter.cluster;

import java.util.List;
import java.util.Optional;

/**
 * The tenant tree in a store: the embedded {@link FileTenantStore} of a single node, or Redis
 * shared by a cluster. Every write is validated with the core's configuration rules, versioned,
 * logged with its principal and published as a {@link Change}; outcomes other than success are
 * {@link WriteResult} values, not exceptions. An I/O failure of the store itself throws {@link
 * TenantStoreException}.
 *
 * <p>Versions: the store has one counter, raised by one for every change; a node's {@link
 * Tenant#version()} is the store version of its last change. An update or delete names the version
 * it read and gets {@link WriteResult.Stale} when the node changed meanwhile.
 *
 * <p>Deleting a node with children needs {@code withSubtree}: an API client must say that it means
 * a whole reseller, so that a stale or mistaken request cannot silently drop thousands of domains;
 * the delete is then one change that removes the node and everything below it.
 */
public interface TenantStore extends AutoCloseable {

  /**
   * The identity of this store's history, fixed when the store is created (a new one for a Redis
   * that lost its data): a node compares it with the tree it kept, so that it never applies one
   * store's changes to another store's tree.
   */
  String id();

  /**
   * Tells the store the identity of the history a caller already holds (a node's last good tree),
   * before its first contact: a shared store found without any identity then counts as one that
   * lost its data, an error, rather than as a new store to begin. No effect once the store knows an
   * identity, and none for a store that cannot lose its data alone.
   */
  default void expectIdentity(String id) {}

  /** The node at the path, if any. */
  Optional<Tenant> get(TenantPath path);

  /**
   * A page of the children of a node (or of the root: resellers and direct customers), ordered by
   * their written path.
   *
   * @param cursor empty for the first page, else the {@link TenantPage#next()} of the previous one
   * @param limit 1 to 1000
   * @throws IllegalArgumentException for a limit out of range or a cursor not from this listing
   */
  TenantPage children(TenantPath parent, Optional<String> cursor, int limit);

  /** Creates a node under an existing parent. */
  WriteResult create(TenantPath path, Settings settings, Optional<Brand> brand, String principal);

  /** Replaces a node's settings and brand, if its version is still {@code expectedVersion}. */
  WriteResult update(
      TenantPath path,
      long expectedVersion,
      Settings settings,
      Optional<Brand> brand,
      String principal);

  /**
   * Deletes a node, if its version is still {@code expectedVersion}; refused with {@link
   * WriteResult.Conflict} when it has children and {@code withSubtree} is false.
   */
  WriteResult delete(TenantPath path, long expectedVersion, boolean withSubtree, String principal);

  /**
   * The changes after a version, for a node catching up: all of them, or (from a shared store) a
   * batch of at most 10,000; call again from {@link ChangesSince.Changes#latest()}.
   */
  ChangesSince changesSince(long version);

  /**
   * {@link #changesSince(long)}, waiting up to {@code wait} for a change when there is none yet:
   * how a node follows the store.
   *
   * @throws InterruptedException when the waiting thread is interrupted
   */
  ChangesSince changesSince(long version, java.time.Duration wait) throws InterruptedException;

  /** The whole tree at one version. */
  Snapshot snapshot();

  /** The store's current version (0 when nothing was ever written). */
  long version();

  /**
   * The audit log: changes at or below {@code under}, after {@code afterVersion}, oldest first, at
   * most {@code limit}. Unlike the change log it is never trimmed.
   */
  List<Change> audit(TenantPath under, long afterVersion, int limit);

  /** Releases the store's files or connections. */
  @Override
  void close();
}
