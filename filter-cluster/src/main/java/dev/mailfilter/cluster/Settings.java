package dev.mailfilter.cluster;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A node's own settings: the per-level keys of docs/tenants.md ({@code actions}, {@code
 * action_overrides}, {@code quarantine}, {@code result_headers}, {@code lists}, {@code scores},
 * {@code symbols_*}, {@code groups_*}, {@code group_factors}, {@code route}, and a domain's {@code
 * verify_recipients}) as the values YAML or JSON would give: strings, numbers, booleans, null,
 * lists and maps. Deeply immutable; integral numbers are kept as {@code Long} and others as {@code
 * Double}, so that settings read back from JSON or Redis compare equal. What the values mean is
 * checked by the core's configuration loader when a store accepts them, not here.
 */
public record Settings(Map<String, Object> values) {

  private static final Settings EMPTY = new Settings(Map.of());

  /** Copies the tree; throws {@link IllegalArgumentException} for a value YAML cannot hold. */
  public Settings {
    values = copyMap(values, "");
  }

  /** No settings of its own: everything inherited. */
  public static Settings empty() {
    return EMPTY;
  }

  /** Settings from a map tree. */
  public static Settings of(Map<String, ?> values) {
    @SuppressWarnings("unchecked")
    Map<String, Object> v = (Map<String, Object>) values;
    return new Settings(v);
  }

  private static Map<String, Object> copyMap(Map<?, ?> map, String path) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!(e.getKey() instanceof String key)) {
        throw new IllegalArgumentException(path + ": keys must be strings, got " + e.getKey());
      }
      String p = path.isEmpty() ? key : path + "." + key;
      out.put(key, copy(e.getValue(), p));
    }
    return Collections.unmodifiableMap(out);
  }

  private static Object copy(Object v, String path) {
    return switch (v) {
      case null -> null;
      case String s -> s;
      case Boolean b -> b;
      case Long l -> l;
      case Integer i -> i.longValue();
      case Short s -> s.longValue();
      case Byte b -> b.longValue();
      case BigInteger b -> b.longValueExact();
      case Double d -> d;
      case Float f -> f.doubleValue();
      case BigDecimal d -> d.doubleValue();
      case Map<?, ?> m -> copyMap(m, path);
      case List<?> l -> {
        List<Object> out = new ArrayList<>(l.size());
        for (int i = 0; i < l.size(); i++) {
          out.add(copy(l.get(i), path + "[" + i + "]"));
        }
        yield Collections.unmodifiableList(out);
      }
      default ->
          throw new IllegalArgumentException(
              path + ": not a YAML value: " + v.getClass().getSimpleName());
    };
  }
}
