package dev.mailfilter.cluster;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The tenant tree in memory with the rules of a write: what a store checks before it persists a
 * change, and how a change is applied (by the store after persisting it, by replay at start, by a
 * node following the log). Not thread-safe: the owner serialises access.
 */
final class TreeModel {
  // Sorted by path, so that a snapshot of a large tree at every change needs no sort.
  private final NavigableMap<TenantPath, Tenant> nodes = new TreeMap<>();
  private final Map<TenantPath, NavigableSet<String>> children = new HashMap<>();
  private final Map<String, TenantPath> domains = new HashMap<>();
  private final Deque<Change> recent = new ArrayDeque<>();
  private final int keepChanges;
  private long version;
  private long oldest;

  /**
   * @param keepChanges how many recent changes to keep for {@link #changesSince}
   */
  TreeModel(int keepChanges) {
    this.keepChanges = keepChanges;
  }

  long version() {
    return version;
  }

  Optional<Tenant> get(TenantPath path) {
    return Optional.ofNullable(nodes.get(path));
  }

  int size() {
    return nodes.size();
  }

  TenantPage children(TenantPath parent, Optional<String> cursor, int limit) {
    if (limit < 1 || limit > 1000) {
      throw new IllegalArgumentException("limit must be 1 to 1000, got " + limit);
    }
    NavigableSet<String> kids = children.getOrDefault(parent, new TreeSet<>());
    NavigableSet<String> from = kids;
    if (cursor.isPresent()) {
      String c = cursor.get();
      try {
        c = new TenantPath.Segment(kindOf(c), nameOf(c)).toString();
      } catch (IllegalArgumentException | StringIndexOutOfBoundsException e) {
        throw new IllegalArgumentException(
            "not a cursor of this listing: \"" + cursor.get() + "\"", e);
      }
      from = kids.tailSet(c, false);
    }
    List<Tenant> items = new ArrayList<>();
    Optional<String> next = Optional.empty();
    for (String seg : from) {
      if (items.size() == limit) {
        next = Optional.of(items.getLast().path().segments().getLast().toString());
        break;
      }
      items.add(nodes.get(parent.child(kindOf(seg), nameOf(seg))));
    }
    return new TenantPage(items, next);
  }

  private static TenantPath.Kind kindOf(String segment) {
    return TenantPath.Kind.valueOf(
        segment.substring(0, segment.indexOf(':')).toUpperCase(java.util.Locale.ROOT));
  }

  private static String nameOf(String segment) {
    return segment.substring(segment.indexOf(':') + 1);
  }

  /** The change a create would make, or why it cannot be made. */
  Object prepareCreate(
      TenantPath path, Settings settings, Optional<Brand> brand, String principal, Instant now) {
    if (path.isRoot()) {
      return new WriteResult.Conflict(path, "the root exists always");
    }
    if (nodes.containsKey(path)) {
      return new WriteResult.Conflict(path, "exists already");
    }
    if (!path.parent().isRoot() && !nodes.containsKey(path.parent())) {
      return new WriteResult.NotFound(path.parent());
    }
    if (path.kind().orElseThrow() == TenantPath.Kind.DOMAIN) {
      TenantPath other = domains.get(path.name());
      if (other != null) {
        return new WriteResult.Conflict(
            path, "domain " + path.name() + " is configured at " + other);
      }
    }
    Optional<WriteResult> bad = check(path, settings, brand);
    if (bad.isPresent()) {
      return bad.get();
    }
    long v = version + 1;
    return new Change(
        v,
        now,
        principal,
        Change.Op.CREATE,
        path,
        Optional.of(new Tenant(path, settings, brand, v, now, principal)));
  }

  Object prepareUpdate(
      TenantPath path,
      long expected,
      Settings settings,
      Optional<Brand> brand,
      String principal,
      Instant now) {
    Tenant current = nodes.get(path);
    if (current == null) {
      return new WriteResult.NotFound(path);
    }
    if (current.version() != expected) {
      return new WriteResult.Stale(path, expected, current.version());
    }
    Optional<WriteResult> bad = check(path, settings, brand);
    if (bad.isPresent()) {
      return bad.get();
    }
    long v = version + 1;
    return new Change(
        v,
        now,
        principal,
        Change.Op.UPDATE,
        path,
        Optional.of(new Tenant(path, settings, brand, v, now, principal)));
  }

  Object prepareDelete(
      TenantPath path, long expected, boolean withSubtree, String principal, Instant now) {
    Tenant current = nodes.get(path);
    if (current == null) {
      return new WriteResult.NotFound(path);
    }
    if (current.version() != expected) {
      return new WriteResult.Stale(path, expected, current.version());
    }
    NavigableSet<String> kids = children.get(path);
    if (!withSubtree && kids != null && !kids.isEmpty()) {
      return new WriteResult.Conflict(
          path, "has " + kids.size() + " children; delete them first or delete with the subtree");
    }
    return new Change(version + 1, now, principal, Change.Op.DELETE, path, Optional.empty());
  }

  /** What a successful write answers, once {@code change} is applied. */
  WriteResult.Written written(Change change, Tenant before) {
    Tenant t =
        change
            .after()
            .orElseGet(
                () ->
                    new Tenant(
                        before.path(),
                        before.settings(),
                        before.brand(),
                        change.version(),
                        change.at(),
                        change.principal()));
    return new WriteResult.Written(t, change.version());
  }

  private Optional<WriteResult> check(TenantPath path, Settings settings, Optional<Brand> brand) {
    if (brand.isPresent() && path.kind().orElseThrow() != TenantPath.Kind.RESELLER) {
      return Optional.of(new WriteResult.Invalid(path, "brand", "only a reseller has a brand"));
    }
    List<Tenant> ancestors = new ArrayList<>();
    for (int i = 1; i < path.segments().size(); i++) {
      ancestors.add(nodes.get(new TenantPath(path.segments().subList(0, i))));
    }
    return Validator.check(path, settings, ancestors).map(WriteResult.class::cast);
  }

  /**
   * Applies a change in order.
   *
   * @throws IllegalStateException when the change is not the next version
   */
  void apply(Change change) {
    if (change.version() != version + 1) {
      throw new IllegalStateException(
          "change " + change.version() + " does not follow version " + version);
    }
    switch (change.op()) {
      case CREATE, UPDATE -> put(change.after().orElseThrow());
      case DELETE -> remove(change.path());
    }
    version = change.version();
    recent.addLast(change);
    while (recent.size() > keepChanges) {
      oldest = recent.removeFirst().version();
    }
  }

  /** Replaces the whole tree, as after loading a snapshot; the change log starts at its version. */
  void reset(Snapshot snapshot) {
    nodes.clear();
    children.clear();
    domains.clear();
    recent.clear();
    for (Tenant t : snapshot.tenants()) {
      put(t);
    }
    version = snapshot.version();
    oldest = snapshot.version();
  }

  ChangesSince changesSince(long since) {
    if (since < oldest || since > version) {
      return new ChangesSince.Trimmed(oldest);
    }
    List<Change> out = new ArrayList<>();
    if (since < version) {
      for (Change c : recent) {
        if (c.version() > since) {
          out.add(c);
        }
      }
    }
    return new ChangesSince.Changes(out, out.isEmpty() ? since : out.getLast().version());
  }

  Snapshot snapshot() {
    return new Snapshot(version, List.copyOf(nodes.values()));
  }

  Collection<Tenant> all() {
    return nodes.values();
  }

  private void put(Tenant t) {
    nodes.put(t.path(), t);
    children
        .computeIfAbsent(t.path().parent(), k -> new TreeSet<>())
        .add(t.path().segments().getLast().toString());
    if (t.kind() == TenantPath.Kind.DOMAIN) {
      domains.put(t.path().name(), t.path());
    }
  }

  private void remove(TenantPath path) {
    NavigableSet<String> kids = children.remove(path);
    if (kids != null) {
      for (String k : kids) {
        remove(path.child(kindOf(k), nameOf(k)));
      }
    }
    Tenant t = nodes.remove(path);
    if (t != null && t.kind() == TenantPath.Kind.DOMAIN) {
      domains.remove(path.name());
    }
    NavigableSet<String> siblings = children.get(path.parent());
    if (siblings != null) {
      siblings.remove(path.segments().getLast().toString());
      if (siblings.isEmpty()) {
        children.remove(path.parent());
      }
    }
  }
}
