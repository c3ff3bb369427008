package dev.mailfilter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.mailfilter.config.YamlTree;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md's key table documents every key of the shipped defaults once, with the
 * defaults file's value, and names no key the parser refuses.
 */
class ConfigurationDocTest {
  private static final Path DOC = Path.of("../docs/configuration.md");
  private static final Set<String> GENERIC_CHECK_KEYS =
      Set.of("enabled", "score", "scores", "timeout");

  /** A row of the key table: the key, then the first code span of the default column, if any. */
  private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)` \\| ([^|]*)\\|");

  private static final Pattern CODE = Pattern.compile("`([^`]*)`");

  /** Documented key to the YAML text of its default (null when the row gives none). */
  private static Map<String, String> documented;

  private static List<String> duplicates;
  private static Map<String, Object> defaults;

  @BeforeAll
  static void readTableAndDefaults() throws IOException {
    documented = new LinkedHashMap<>();
    duplicates = new ArrayList<>();
    boolean inKeys = false;
    for (String line : Files.readAllLines(DOC, StandardCharsets.UTF_8)) {
      if (line.startsWith("## ")) {
        inKeys = line.equals("## Keys");
        continue;
      }
      Matcher m = ROW.matcher(line);
      if (!inKeys || !m.find()) {
        continue;
      }
      Matcher code = CODE.matcher(m.group(2));
      String value = code.find() ? code.group(1) : null;
      if (documented.containsKey(m.group(1))) {
        duplicates.add(m.group(1));
      }
      documented.put(m.group(1), value);
    }
    try (InputStream in = FilterConfig.class.getResourceAsStream("default-config.yaml")) {
      defaults = YamlTree.read(new String(in.readAllBytes(), StandardCharsets.UTF_8), "defaults");
    }
  }

  @Test
  void everyDefaultKeyHasARow() {
    List<String> leaves = new ArrayList<>();
    flatten("", defaults, leaves);
    assertThat(leaves).hasSizeGreaterThan(30);
    for (String key : leaves) {
      String[] parts = key.split("\\.");
      String generic =
          parts[0].equals("checks") && GENERIC_CHECK_KEYS.contains(parts[2])
              ? "checks.<name>." + parts[2]
              : key;
      assertThat(documented).as("row for %s in %s", key, DOC).containsKey(generic);
    }
  }

  @Test
  void noKeyIsListedTwice() {
    assertThat(duplicates).as("keys with two rows in %s", DOC).isEmpty();
  }

  @Test
  void documentedDefaultsAreTheDefaultsFilesValues() {
    int compared = 0;
    for (Map.Entry<String, String> e : documented.entrySet()) {
      Object actual = leaf(defaults, e.getKey());
      if (actual == NOT_A_LEAF) {
        continue;
      }
      assertThat(e.getValue()).as("default of %s in %s", e.getKey(), DOC).isNotNull();
      assertThat(yaml(e.getValue()))
          .as("default of %s in %s: `%s`", e.getKey(), DOC, e.getValue())
          .isEqualTo(actual);
      compared++;
    }
    assertThat(compared).isGreaterThan(30);
  }

  @Test
  void everyDocumentedKeyIsAcceptedWithItsDocumentedDefault() {
    for (Map.Entry<String, String> e : documented.entrySet()) {
      if (e.getKey().contains("<")) {
        continue; // checks.<name>.score and the like: a pattern, not a key
      }
      Object value = e.getValue() == null ? null : yaml(e.getValue());
      assertThatCode(() -> FilterConfig.builder().set(e.getKey(), value).build())
          .as("%s: %s as documented in %s", e.getKey(), value, DOC)
          .doesNotThrowAnyException();
    }
  }

  private static final Object NOT_A_LEAF = new Object();

  @SuppressWarnings("unchecked")
  private static Object leaf(Map<String, Object> tree, String key) {
    Object node = tree;
    for (String part : key.split("\\.")) {
      if (!(node instanceof Map<?, ?> m) || !m.containsKey(part)) {
        return NOT_A_LEAF;
      }
      node = ((Map<String, Object>) m).get(part);
    }
    return node instanceof Map ? NOT_A_LEAF : node;
  }

  /** What YAML makes of a documented value, as the defaults file would give it. */
  private static Object yaml(String text) {
    return YamlTree.read("v: " + text, "docs/configuration.md").get("v");
  }

  @SuppressWarnings("unchecked")
  private static void flatten(String prefix, Map<String, Object> node, List<String> out) {
    for (Map.Entry<String, Object> e : node.entrySet()) {
      String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      if (e.getValue() instanceof Map<?, ?> m) {
        flatten(path, (Map<String, Object>) m, out);
      } else {
        out.add(path);
      }
    }
  }
}
