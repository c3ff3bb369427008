package dev.mailfilter.web;

import dev.mailfilter.cluster.TenantPath;
import dev.mailfilter.cluster.TenantPath.Kind;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Tree nodes as the admin API's paths ({@code /v1/resellers/acme/customers/bakery}) and as the
 * panel's ({@code /tenants/resellers/acme/customers/bakery}): the same segments, so that a page's
 * address says which API resource it shows.
 */
final class TreePaths {
  private TreePaths() {}

  /** The collection name of a level in paths: {@code resellers}, {@code customers}... */
  static String collection(Kind kind) {
    return kind.name().toLowerCase(Locale.ROOT) + "s";
  }

  /** The levels a node's children may have. */
  static List<Kind> childKinds(TenantPath node) {
    if (node.isRoot()) {
      return List.of(Kind.RESELLER, Kind.CUSTOMER);
    }
    return switch (node.kind().orElseThrow()) {
      case RESELLER -> List.of(Kind.CUSTOMER);
      case CUSTOMER -> List.of(Kind.DOMAIN);
      case DOMAIN -> List.of(Kind.USER);
      case USER -> List.of();
    };
  }

  /** The path of a node below a prefix, its names percent-encoded: {@code /resellers/acme}. */
  static String relative(TenantPath node) {
    StringBuilder b = new StringBuilder();
    for (TenantPath.Segment s : node.segments()) {
      b.append('/').append(collection(s.kind())).append('/').append(encode(s.name()));
    }
    return b.toString();
  }

  /** The admin API's resource of a node. */
  static String api(TenantPath node) {
    return "/v1" + relative(node);
  }

  /** The admin API's collection of a node's children of a level. */
  static String apiChildren(TenantPath node, Kind kind) {
    return api(node) + "/" + collection(kind);
  }

  /** The panel's page of a node. */
  static String page(TenantPath node) {
    return TenantsPage.PATH + relative(node);
  }

  /**
   * The node of the panel's path below {@code /tenants} (decoded segments: {@code
   * resellers/acme/customers/bakery}), and what follows it ({@code brand}, {@code settings}...);
   * empty when the path names no node.
   */
  static Optional<Parsed> parse(String rest) {
    String[] parts = rest.isEmpty() ? new String[0] : rest.split("/", -1);
    TenantPath p = TenantPath.root();
    int i = 0;
    try {
      while (i + 1 < parts.length) {
        Kind kind = kindOf(parts[i]);
        if (kind == null) {
          break;
        }
        p = p.child(kind, parts[i + 1]);
        i += 2;
      }
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    if (i < parts.length - 1) {
      return Optional.empty();
    }
    return Optional.of(new Parsed(p, i < parts.length ? parts[i] : ""));
  }

  /** A node and the action after it ({@code ""} for the node's own page). */
  record Parsed(TenantPath node, String action) {}

  private static Kind kindOf(String collection) {
    for (Kind k : Kind.values()) {
      if (collection(k).equals(collection)) {
        return k;
      }
    }
    return null;
  }

  private static String encode(String name) {
    return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** A level's name for people: reseller, customer, domain, user. */
  static String label(Kind kind) {
    return kind.name().toLowerCase(Locale.ROOT);
  }
}
