package dev.mailfilter.web.quarantine;

import dev.mailfilter.cluster.TenantPath;
import dev.mailfilter.cluster.TenantStore;
import dev.mailfilter.cluster.admin.AdminApi;
import dev.mailfilter.cluster.admin.ApiException;
import dev.mailfilter.cluster.admin.Principal;
import dev.mailfilter.cluster.admin.Role;
import dev.mailfilter.smtp.QuarantineEntry;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Who sees which held message, by the admin API's own rules ({@link AdminApi#authorise}): an entry
 * belongs to the tree node of its tenant path (the first recipient's: {@code
 * acme/bakery/bakery.example/boss}); an administrator sees the entries of its subtree, a user those
 * with its own address among the recipients. Everything else is a 404, as in the API.
 */
final class QuarantineScope {
  private final TenantStore store;

  QuarantineScope(TenantStore store) {
    this.store = store;
  }

  /** The gateway's tenant path of a tree node: its names joined by {@code /}. */
  static String tenantString(TenantPath p) {
    return p.segments().stream().map(TenantPath.Segment::name).collect(Collectors.joining("/"));
  }

  /** A user's mail address: its local part at its domain. */
  static Optional<String> address(Principal p) {
    if (p.role() != Role.USER) {
      return Optional.empty();
    }
    return Optional.of(
        p.scope().name(TenantPath.Kind.USER).orElseThrow()
            + "@"
            + p.scope().name(TenantPath.Kind.DOMAIN).orElseThrow());
  }

  /** The tenant path prefix whose index the principal's listing reads. */
  static String listPrefix(Principal p) {
    return switch (p.role()) {
      case OPERATOR -> "";
      case USER -> tenantString(p.scope().parent());
      default -> tenantString(p.scope());
    };
  }

  /** Whether the principal may see the entry. */
  boolean visible(Principal p, QuarantineEntry e) {
    if (p.role() == Role.USER) {
      return e.hasRecipient(address(p).orElseThrow());
    }
    String prefix = listPrefix(p);
    boolean inPrefix =
        prefix.isEmpty() || e.tenant().equals(prefix) || e.tenant().startsWith(prefix + "/");
    if (!inPrefix) {
      return false;
    }
    // The same rule as the API on the entry's own node, where the tree knows it.
    Optional<TenantPath> node = node(e);
    if (node.isEmpty()) {
      return p.role() == Role.OPERATOR; // a flat domain outside the tree
    }
    try {
      AdminApi.authorise(p, node.get(), AdminApi.Action.READ);
      return true;
    } catch (ApiException outside) {
      return false;
    }
  }

  /** The recipients a release by this principal goes to: a user's own address only; else all. */
  static List<String> releaseTo(Principal p) {
    return address(p).map(List::of).orElse(List.of());
  }

  /**
   * The tree node of an entry's tenant path. A path of three names is a reseller's domain or a
   * direct customer's user; the tree says which.
   */
  Optional<TenantPath> node(QuarantineEntry e) {
    String[] n = e.tenant().isEmpty() ? new String[0] : e.tenant().split("/", -1);
    try {
      List<TenantPath> candidates =
          switch (n.length) {
            case 4 ->
                List.of(
                    TenantPath.reseller(n[0])
                        .child(TenantPath.Kind.CUSTOMER, n[1])
                        .child(TenantPath.Kind.DOMAIN, n[2])
                        .child(TenantPath.Kind.USER, n[3]));
            case 3 ->
                List.of(
                    TenantPath.reseller(n[0])
                        .child(TenantPath.Kind.CUSTOMER, n[1])
                        .child(TenantPath.Kind.DOMAIN, n[2]),
                    TenantPath.customer(n[0])
                        .child(TenantPath.Kind.DOMAIN, n[1])
                        .child(TenantPath.Kind.USER, n[2]));
            case 2 -> List.of(TenantPath.customer(n[0]).child(TenantPath.Kind.DOMAIN, n[1]));
            default -> List.of();
          };
      for (TenantPath c : candidates) {
        if (store.get(c).isPresent()) {
          return Optional.of(c);
        }
      }
    } catch (IllegalArgumentException notATreeName) {
      // a name the tree cannot hold: not in the tree
    }
    return Optional.empty();
  }

  /** The entry's domain node, if the tree has it. */
  Optional<TenantPath> domainNode(QuarantineEntry e) {
    return node(e)
        .map(p -> p.kind().orElseThrow() == TenantPath.Kind.USER ? p.parent() : p)
        .filter(p -> p.kind().orElseThrow() == TenantPath.Kind.DOMAIN);
  }

  /** A recipient's user node under the entry's domain, if the tree has it. */
  Optional<TenantPath> userNode(QuarantineEntry e, String recipient) {
    int at = recipient.lastIndexOf('@');
    if (at < 1) {
      return Optional.empty();
    }
    String local = recipient.substring(0, at).toLowerCase(Locale.ROOT);
    String domain = recipient.substring(at + 1).toLowerCase(Locale.ROOT);
    return domainNode(e)
        .filter(d -> d.name().equals(domain))
        .flatMap(
            d -> {
              try {
                TenantPath u = d.child(TenantPath.Kind.USER, local);
                return store.get(u).map(t -> u);
              } catch (IllegalArgumentException notAName) {
                return Optional.empty();
              }
            });
  }

  /** The admin API's path of a tree node ({@code /v1/resellers/acme/customers/bakery}). */
  static String apiPath(TenantPath p) {
    StringBuilder b = new StringBuilder("/v1");
    for (TenantPath.Segment s : p.segments()) {
      b.append(
              switch (s.kind()) {
                case RESELLER -> "/resellers/";
                case CUSTOMER -> "/customers/";
                case DOMAIN -> "/domains/";
                case USER -> "/users/";
              })
          .append(URLEncoder.encode(s.name(), StandardCharsets.UTF_8));
    }
    return b.toString();
  }
}
