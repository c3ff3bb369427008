package dev.mailfilter.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The stored form of nodes, changes and snapshots: one JSON object each (a journal line, a Redis
 * value, a stream entry), with snake_case keys as in the configuration file.
 */
final class Json {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

  private Json() {}

  static String write(Map<String, Object> tree) {
    try {
      return MAPPER.writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  /**
   * Parses one JSON object.
   *
   * @throws IllegalArgumentException when the text is not a JSON object
   */
  static Map<String, Object> read(String text) {
    try {
      Map<String, Object> m = MAPPER.readValue(text, MAP);
      if (m == null) {
        throw new IllegalArgumentException("expected a JSON object, got null");
      }
      return m;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a JSON object: " + e.getOriginalMessage(), e);
    }
  }

  static Map<String, Object> tenant(Tenant t) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("path", t.path().toString());
    m.put("settings", t.settings().values());
    t.brand().ifPresent(b -> m.put("brand", brand(b)));
    m.put("version", t.version());
    m.put("changed_at", t.changedAt().toString());
    m.put("changed_by", t.changedBy());
    return m;
  }

  static Tenant tenant(Map<String, Object> m) {
    return tenant(m, num(m, "version"));
  }

  /** A node from its stored body, whose version is kept beside it (a Redis hash field). */
  static Tenant tenant(Map<String, Object> m, long version) {
    return new Tenant(
        TenantPath.parse(str(m, "path")),
        Settings.of(map(m, "settings")),
        m.get("brand") == null ? Optional.empty() : Optional.of(brand(map(m, "brand"))),
        version,
        Instant.parse(str(m, "changed_at")),
        str(m, "changed_by"));
  }

  static Map<String, Object> brand(Brand b) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", b.name());
    m.put("support_address", b.supportAddress());
    b.logoUrl().ifPresent(u -> m.put("logo_url", u));
    m.put("colours", b.colours());
    m.put("host_names", b.hostNames());
    return m;
  }

  @SuppressWarnings("unchecked")
  static Brand brand(Map<String, Object> m) {
    return new Brand(
        str(m, "name"),
        str(m, "support_address"),
        Optional.ofNullable((String) m.get("logo_url")),
        (Map<String, String>) m.getOrDefault("colours", Map.of()),
        (List<String>) m.getOrDefault("host_names", List.of()));
  }

  static Map<String, Object> change(Change c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", c.version());
    m.put("at", c.at().toString());
    m.put("principal", c.principal());
    m.put("op", c.op().name());
    m.put("path", c.path().toString());
    c.after().ifPresent(t -> m.put("after", tenant(t)));
    return m;
  }

  static Change change(Map<String, Object> m) {
    return new Change(
        num(m, "version"),
        Instant.parse(str(m, "at")),
        str(m, "principal"),
        Change.Op.valueOf(str(m, "op")),
        TenantPath.parse(str(m, "path")),
        m.get("after") == null ? Optional.empty() : Optional.of(tenant(map(m, "after"))));
  }

  static Map<String, Object> snapshot(Snapshot s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", s.version());
    List<Object> ts = new ArrayList<>();
    for (Tenant t : s.tenants()) {
      ts.add(tenant(t));
    }
    m.put("tenants", ts);
    return m;
  }

  @SuppressWarnings("unchecked")
  static Snapshot snapshot(Map<String, Object> m) {
    List<Tenant> ts = new ArrayList<>();
    for (Object o : (List<Object>) m.getOrDefault("tenants", List.of())) {
      ts.add(tenant((Map<String, Object>) o));
    }
    return new Snapshot(num(m, "version"), ts);
  }

  private static String str(Map<String, Object> m, String key) {
    if (!(m.get(key) instanceof String s)) {
      throw new IllegalArgumentException(key + ": expected a string, got " + m.get(key));
    }
    return s;
  }

  private static long num(Map<String, Object> m, String key) {
    if (!(m.get(key) instanceof Number n)) {
      throw new IllegalArgumentException(key + ": expected a number, got " + m.get(key));
    }
    return n.longValue();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Map<String, Object> m, String key) {
    Object v = m.getOrDefault(key, Map.of());
    if (!(v instanceof Map)) {
      throw new IllegalArgumentException(key + ": expected an object, got " + v);
    }
    return (Map<String, Object>) v;
  }
}
