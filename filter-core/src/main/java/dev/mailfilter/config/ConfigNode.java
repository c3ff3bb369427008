package dev.mailfilter.config;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A mapping in the YAML configuration, with typed accessors that know their key path, so that a
 * wrong value is reported as {@code checks.gtube.score: expected a number, got "high"}.
 *
 * <p>Every accessor records that its key was read; after parsing, keys nobody read are refused as
 * unknown with a did-you-mean. A missing key and an explicit {@code null} both yield the default,
 * except where an accessor says otherwise ({@link #optionalNumber}).
 *
 * <p>Not thread-safe: a node lives only while one configuration is parsed.
 */
public final class ConfigNode {
  private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)");
  private static final Pattern SIZE =
      Pattern.compile("(\\d+)\\s*(B|KB|KiB|MB|MiB|GB|GiB|k|K|M|G)?");

  // Made on first use from the parent's: most nodes of a provider's file are never named.
  private String path;
  private final ConfigNode parent;
  private final String key;
  private final Map<String, Object> values;
  // Made on first use: a provider's file has tens of thousands of nodes, most of them empty.
  private Set<String> read;
  private Map<String, ConfigNode> children;
  private List<ConfigNode> listChildren;

  ConfigNode(String path, Map<String, Object> values) {
    this.path = path;
    this.parent = null;
    this.key = null;
    this.values = values;
  }

  private ConfigNode(ConfigNode parent, String key, Map<String, Object> values) {
    this.parent = parent;
    this.key = key;
    this.values = values;
  }

  /** An empty node at a path, for parsers given no section. */
  public static ConfigNode empty(String path) {
    return new ConfigNode(path, Map.of());
  }

  /** This node's dotted path, empty for the root. */
  public String path() {
    if (path == null) {
      path = parent.path(key);
    }
    return path;
  }

  /** The dotted path of a key in this node. */
  public String path(String key) {
    return path().isEmpty() ? key : path() + "." + key;
  }

  /** The keys present, in file order. Does not count as reading them. */
  public Set<String> keys() {
    return java.util.Collections.unmodifiableSet(values.keySet());
  }

  /** Whether the key holds a list (a YAML sequence). Does not count as reading it. */
  public boolean isList(String key) {
    return values.get(key) instanceof List;
  }

  /** Whether the key is present with a value other than null. */
  public boolean has(String key) {
    return values.get(key) != null;
  }

  /** A {@link ConfigException} for a key of this node, for checks a parser makes itself. */
  public ConfigException error(String key, String reason) {
    return new ConfigException(path(key), reason);
  }

  /** A string value; numbers and booleans are refused rather than silently converted. */
  public String string(String key, String defaultValue) {
    return optionalString(key).orElse(defaultValue);
  }

  /** A string value, empty when absent or null. */
  public Optional<String> optionalString(String key) {
    Object v = take(key);
    if (v == null) {
      return Optional.empty();
    }
    if (v instanceof String s) {
      return Optional.of(s);
    }
    throw error(key, "expected a string, got " + describe(v));
  }

  /** A number (integer or decimal). */
  public double number(String key, double defaultValue) {
    OptionalDouble v = optionalNumber(key);
    return v.isPresent() ? v.getAsDouble() : defaultValue;
  }

  /** A number, empty when absent or explicitly null (which is how thresholds are turned off). */
  public OptionalDouble optionalNumber(String key) {
    Object v = take(key);
    if (v == null) {
      return OptionalDouble.empty();
    }
    if (v instanceof Number n && !(v instanceof BigInteger)) {
      double d = n.doubleValue();
      if (!Double.isFinite(d)) {
        throw error(key, "expected a finite number, got " + describe(v));
      }
      return OptionalDouble.of(d);
    }
    throw error(key, "expected a number, got " + describe(v));
  }

  /** An integer within {@code [min, max]}. */
  public long integer(String key, long defaultValue, long min, long max) {
    Object v = take(key);
    if (v == null) {
      return defaultValue;
    }
    if (!(v instanceof Integer || v instanceof Long)) {
      throw error(key, "expected an integer, got " + describe(v));
    }
    long l = ((Number) v).longValue();
    if (l < min || l > max) {
      throw error(key, "expected an integer from " + min + " to " + max + ", got " + l);
    }
    return l;
  }

  /** A boolean ({@code true} or {@code false}). */
  public boolean bool(String key, boolean defaultValue) {
    Object v = take(key);
    if (v == null) {
      return defaultValue;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    throw error(key, "expected true or false, got " + describe(v));
  }

  /**
   * A non-negative duration: {@code 250ms}, {@code 5s}, {@code 1.5m}, {@code 2h}, {@code 1d}, or a
   * plain number of seconds.
   */
  public Duration duration(String key, Duration defaultValue) {
    Object v = take(key);
    if (v == null) {
      return defaultValue;
    }
    if (v instanceof Integer || v instanceof Long) {
      long seconds = ((Number) v).longValue();
      if (seconds < 0) {
        throw error(key, "expected a duration that is not negative, got " + seconds);
      }
      return Duration.ofSeconds(seconds);
    }
    if (v instanceof String s) {
      Matcher m = DURATION.matcher(s.strip());
      if (m.matches()) {
        double amount = Double.parseDouble(m.group(1));
        long unitMillis =
            switch (m.group(2)) {
              case "ms" -> 1;
              case "s" -> 1000;
              case "m" -> 60_000;
              case "h" -> 3_600_000;
              default -> 86_400_000;
            };
        double millis = amount * unitMillis;
        if (millis > Long.MAX_VALUE / 2) {
          throw error(key, "duration too long: " + s);
        }
        return Duration.ofMillis(Math.round(millis));
      }
    }
    throw error(key, "expected a duration like 250ms, 5s, 2m, 1h, got " + describe(v));
  }

  /** A size in bytes: a plain number or {@code 512KiB}, {@code 10MiB}, {@code 1GB}. */
  public long bytes(String key, long defaultValue) {
    Object v = take(key);
    if (v == null) {
      return defaultValue;
    }
    if ((v instanceof Integer || v instanceof Long) && ((Number) v).longValue() >= 0) {
      return ((Number) v).longValue();
    }
    if (v instanceof String s) {
      Matcher m = SIZE.matcher(s.strip());
      if (m.matches()) {
        long unit =
            switch (m.group(2) == null ? "B" : m.group(2)) {
              case "KB" -> 1000L;
              case "KiB", "k", "K" -> 1024L;
              case "MB" -> 1000_000L;
              case "MiB", "M" -> 1024L * 1024;
              case "GB" -> 1000_000_000L;
              case "GiB", "G" -> 1024L * 1024 * 1024;
              default -> 1L;
            };
        try {
          return Math.multiplyExact(Long.parseLong(m.group(1)), unit);
        } catch (ArithmeticException | NumberFormatException e) {
          throw error(key, "size too large: " + s);
        }
      }
    }
    throw error(key, "expected a size like 1048576, 512KiB or 10MiB, got " + describe(v));
  }

  /** A list of strings, empty when absent or null. */
  public List<String> strings(String key) {
    Object v = take(key);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List<?> list)) {
      throw error(key, "expected a list, got " + describe(v));
    }
    List<String> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      if (!(list.get(i) instanceof String s)) {
        throw new ConfigException(
            path(key) + "[" + i + "]", "expected a string, got " + describe(list.get(i)));
      }
      out.add(s);
    }
    return List.copyOf(out);
  }

  /** One of an enum's constants, spelled in lower case with underscores ({@code add_header}). */
  public <E extends Enum<E>> E enumValue(String key, Class<E> type, E defaultValue) {
    Optional<String> s = optionalString(key);
    if (s.isEmpty()) {
      return defaultValue;
    }
    for (E e : type.getEnumConstants()) {
      if (e.name().toLowerCase(Locale.ROOT).equals(s.get())) {
        return e;
      }
    }
    List<String> allowed = new ArrayList<>();
    for (E e : type.getEnumConstants()) {
      allowed.add(e.name().toLowerCase(Locale.ROOT));
    }
    throw error(key, "expected one of " + String.join(", ", allowed) + ", got \"" + s.get() + "\"");
  }

  /** A nested mapping; an empty node when absent or null. */
  public ConfigNode section(String key) {
    ConfigNode child = children == null ? null : children.get(key);
    if (child != null) {
      take(key);
      return child;
    }
    Object v = take(key);
    if (v != null && !(v instanceof Map)) {
      throw error(key, "expected a mapping of keys to values, got " + describe(v));
    }
    if (v == null || ((Map<?, ?>) v).isEmpty()) {
      // Nothing in it to refuse later: not kept, as most of a provider's domains are empty.
      return new ConfigNode(this, key, Map.of());
    }
    requireStringKeys(v, () -> path(key));
    child = new ConfigNode(this, key, readOnly(v));
    if (children == null) {
      children = new LinkedHashMap<>();
    }
    children.put(key, child);
    return child;
  }

  /** A list of mappings, such as a list of servers; empty when absent or null. */
  public List<ConfigNode> sections(String key) {
    Object v = take(key);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List<?> list)) {
      throw error(key, "expected a list, got " + describe(v));
    }
    List<ConfigNode> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String p = path(key) + "[" + i + "]";
      if (!(list.get(i) instanceof Map)) {
        throw new ConfigException(p, "expected a mapping, got " + describe(list.get(i)));
      }
      ConfigNode n = new ConfigNode(p, asStringMap(p, list.get(i)));
      out.add(n);
      if (listChildren == null) {
        listChildren = new ArrayList<>();
      }
      listChildren.add(n);
    }
    return List.copyOf(out);
  }

  /**
   * Refuses keys that no accessor read, here and in the nested sections that were read, naming the
   * closest known key.
   *
   * @param known extra names to suggest for this node's unknown keys (e.g. registered checks)
   */
  public void rejectUnread(Collection<String> known) {
    if (values.isEmpty()) {
      return; // no key of its own, so no child either
    }
    for (String key : values.keySet()) {
      if (read == null || !read.contains(key)) {
        Set<String> candidates = read == null ? new TreeSet<>() : new TreeSet<>(read);
        candidates.addAll(known);
        throw error(key, "unknown key" + DidYouMean.suggest(key, candidates));
      }
    }
    if (children != null) {
      for (ConfigNode child : children.values()) {
        child.rejectUnread(List.of());
      }
    }
    if (listChildren != null) {
      for (ConfigNode child : listChildren) {
        child.rejectUnread(List.of());
      }
    }
  }

  private Object take(String key) {
    if (read == null) {
      read = new HashSet<>();
    }
    read.add(key);
    return values.get(key);
  }

  /** The mapping {@code v} with its keys checked to be strings. */
  static Map<String, Object> asStringMap(String path, Object v) {
    requireStringKeys(v, () -> path);
    return readOnly(v);
  }

  private static void requireStringKeys(Object v, Supplier<String> path) {
    for (Object k : ((Map<?, ?>) v).keySet()) {
      if (!(k instanceof String)) {
        throw new ConfigException(
            path.get(), "keys must be strings, got " + describe(k) + " (quote it)");
      }
    }
  }

  /** A mapping whose keys are all strings: the parsed mapping itself, read only, no copy. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> readOnly(Object v) {
    return Collections.unmodifiableMap((Map<String, Object>) v);
  }

  static String describe(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof String s) {
      return "\"" + (s.length() > 60 ? s.substring(0, 60) + "..." : s) + "\"";
    }
    if (v instanceof Map) {
      return "a mapping";
    }
    if (v instanceof List) {
      return "a list";
    }
    return v.toString();
  }
}
