package dev.mailfilter.cluster;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.config.ConfigException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a node's settings with the core's own configuration loader: the node is placed in a {@code
 * tenants} tree under its real ancestors (with their settings, so that an inherited route counts)
 * and the tree is loaded; the loader's error is mapped back to the key path inside the node.
 * Placeholders below a reseller or customer stand in for the domain the core wants in every tree.
 */
final class Validator {
  private static final Set<String> CHILD_KEYS =
      Set.of("resellers", "customers", "domains", "users");
  private static final String PLACEHOLDER_CUSTOMER = "validation-placeholder";
  private static final String PLACEHOLDER_DOMAIN = "validation-placeholder.invalid";

  private Validator() {}

  /**
   * Empty when valid.
   *
   * @param ancestors the node's existing ancestors, top first, with their current settings
   */
  static Optional<WriteResult.Invalid> check(
      TenantPath path, Settings settings, List<Tenant> ancestors) {
    for (String key : settings.values().keySet()) {
      if (CHILD_KEYS.contains(key)) {
        return Optional.of(
            new WriteResult.Invalid(
                path, key, "children are nodes of their own, created under this one"));
      }
    }
    Map<String, Object> root = new LinkedHashMap<>();
    Map<String, Object> node = root;
    StringBuilder prefix = new StringBuilder("tenants");
    for (int i = 0; i < path.segments().size(); i++) {
      TenantPath.Segment s = path.segments().get(i);
      Map<String, Object> next =
          new LinkedHashMap<>(
              i < ancestors.size() ? ancestors.get(i).settings().values() : settings.values());
      Map<String, Object> children = new LinkedHashMap<>();
      children.put(s.name(), next);
      String key = Snapshot.childKey(s.kind());
      node.put(key, children);
      prefix.append('.').append(key).append('.').append(s.name());
      node = next;
    }
    switch (path.kind().orElseThrow()) {
      case RESELLER ->
          node.put(
              "customers",
              Map.of(
                  PLACEHOLDER_CUSTOMER, Map.of("domains", Map.of(PLACEHOLDER_DOMAIN, Map.of()))));
      case CUSTOMER -> node.put("domains", Map.of(PLACEHOLDER_DOMAIN, Map.of()));
      case DOMAIN, USER -> {}
    }
    try {
      FilterConfig.builder().set("tenants", root).build();
      return Optional.empty();
    } catch (ConfigException e) {
      String p = prefix.toString();
      String field =
          e.path().startsWith(p + ".")
              ? e.path().substring(p.length() + 1)
              : e.path().equals(p) ? "" : e.path();
      return Optional.of(new WriteResult.Invalid(path, field, e.reason()));
    }
  }
}
