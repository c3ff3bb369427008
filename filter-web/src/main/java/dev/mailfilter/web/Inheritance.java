package dev.mailfilter.web;

import dev.mailfilter.cluster.Settings;
import dev.mailfilter.cluster.TenantPath;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where each effective setting of a node comes from, as docs/tenants.md resolves them: per key (a
 * leaf of the settings tree, {@code actions.reject}), the most specific level that sets it wins;
 * allow and block lists ({@code lists.*}) add up down the tree, so each level's entries are shown.
 */
final class Inheritance {
  /**
   * One effective value.
   *
   * @param key the dotted key ({@code actions.add_header})
   * @param value the value as text (JSON-like)
   * @param from the level that sets it
   * @param addsUp whether the key adds up down the tree (a list), so other rows of it also hold
   */
  record Row(String key, String value, TenantPath from, boolean addsUp) {}

  private Inheritance() {}

  /** The effective rows of the last level, given each level's own settings from the top down. */
  static List<Row> resolve(List<Map.Entry<TenantPath, Settings>> levels) {
    Map<String, List<Row>> byKey = new TreeMap<>();
    for (Map.Entry<TenantPath, Settings> level : levels) {
      Map<String, Object> leaves = new LinkedHashMap<>();
      flatten("", level.getValue().values(), leaves);
      leaves.forEach(
          (key, value) -> {
            boolean addsUp = key.startsWith("lists.");
            Row row = new Row(key, text(value), level.getKey(), addsUp);
            List<Row> rows = byKey.computeIfAbsent(key, k -> new ArrayList<>());
            if (!addsUp) {
              rows.clear(); // the more specific level wins
            }
            rows.add(row);
          });
    }
    List<Row> out = new ArrayList<>();
    byKey.values().forEach(out::addAll);
    return out;
  }

  private static void flatten(String prefix, Map<String, Object> map, Map<String, Object> out) {
    map.forEach(
        (k, v) -> {
          String key = prefix.isEmpty() ? k : prefix + "." + k;
          if (v instanceof Map<?, ?> m && !m.isEmpty()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> sub = (Map<String, Object>) m;
            flatten(key, sub, out);
          } else {
            out.put(key, v);
          }
        });
  }

  static String text(Object v) {
    return switch (v) {
      case null -> "null (off)";
      case String s -> s;
      case List<?> l -> l.stream().map(Inheritance::text).toList().toString();
      default -> String.valueOf(v);
    };
  }
}
