package dev.mailfilter.cluster;

import dev.mailfilter.FilterConfig;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole tenant tree at one store version, as a node applies it: {@link #tenantsSection()} is
 * the core's {@code tenants} configuration section, so the tree reaches the filter through the
 * normal configuration path ({@link FilterConfig}, its {@code TenantDirectory}, a {@code
 * MailFilter}) and is validated by it once more as a whole.
 *
 * @param version the store version the tree is at
 * @param tenants every node, ordered by written path (so parents before their children)
 */
public record Snapshot(long version, List<Tenant> tenants) {

  /** Sorts the nodes by path (a node's tree model gives them sorted: then only checks). */
  public Snapshot {
    boolean sorted = true;
    for (int i = 1; i < tenants.size() && sorted; i++) {
      sorted = tenants.get(i - 1).path().compareTo(tenants.get(i).path()) < 0;
    }
    tenants =
        sorted
            ? List.copyOf(tenants)
            : tenants.stream().sorted((a, b) -> a.path().compareTo(b.path())).toList();
  }

  /**
   * The {@code tenants} section of the core's configuration, as map trees; empty when the tree has
   * no domain, because the core refuses a tree without domains (every recipient would be refused)
   * and a node then runs with the domains of its own configuration file, if any.
   */
  public Map<String, Object> tenantsSection() {
    if (tenants.stream().noneMatch(t -> t.kind() == TenantPath.Kind.DOMAIN)) {
      return Map.of();
    }
    Map<String, Object> root = new LinkedHashMap<>();
    Map<TenantPath, Map<String, Object>> nodes = new HashMap<>();
    nodes.put(TenantPath.root(), root);
    for (Tenant t : tenants) {
      Map<String, Object> parent = nodes.get(t.path().parent());
      if (parent == null) {
        throw new IllegalStateException("snapshot without the parent of " + t.path());
      }
      Map<String, Object> node = new LinkedHashMap<>(t.settings().values());
      child(parent, childKey(t.kind())).put(t.path().name(), node);
      nodes.put(t.path(), node);
    }
    return root;
  }

  /**
   * Lays the tree over a configuration builder (which may already hold the node's own file).
   *
   * @return the builder
   */
  public FilterConfig.Builder applyTo(FilterConfig.Builder builder) {
    Map<String, Object> section = tenantsSection();
    if (!section.isEmpty()) {
      builder.set("tenants", section);
    }
    return builder;
  }

  /**
   * The configuration of the tree over the built-in defaults.
   *
   * @throws dev.mailfilter.config.ConfigException when the tree as a whole is not valid
   */
  public FilterConfig config() {
    return applyTo(FilterConfig.builder()).build();
  }

  /**
   * The snapshot as one JSON object (the form of {@link FileTenantStore}'s {@code snapshot.json}):
   * what {@code mailfilter backup} archives; {@link #fromJson} reads it back.
   */
  public String toJson() {
    return Json.write(Json.snapshot(this));
  }

  /**
   * Reads {@link #toJson()}'s form.
   *
   * @throws IllegalArgumentException when the text is not a snapshot
   */
  public static Snapshot fromJson(String json) {
    try {
      return Json.snapshot(Json.read(json));
    } catch (ClassCastException | NullPointerException e) {
      throw new IllegalArgumentException("not a tenant snapshot: " + e.getMessage(), e);
    }
  }

  static String childKey(TenantPath.Kind kind) {
    return switch (kind) {
      case RESELLER -> "resellers";
      case CUSTOMER -> "customers";
      case DOMAIN -> "domains";
      case USER -> "users";
    };
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> child(Map<String, Object> parent, String key) {
    return (Map<String, Object>) parent.computeIfAbsent(key, k -> new LinkedHashMap<>());
  }
}
