package dev.mailfilter.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** README's configuration table documents every key of the shipped defaults. */
class ReadmeConfigTableTest {
  private static final Set<String> GENERIC_CHECK_KEYS =
      Set.of("enabled", "score", "scores", "timeout");

  @Test
  void everyDefaultKeyHasAReadmeRow() throws IOException {
    String readme = Files.readString(Path.of("../README.md"), StandardCharsets.UTF_8);
    Map<String, Object> tree;
    try (InputStream in = FilterConfig.class.getResourceAsStream("default-config.yaml")) {
      tree =
          FilterConfig.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8), "defaults");
    }
    List<String> leaves = new ArrayList<>();
    flatten("", tree, leaves);
    assertThat(leaves).hasSizeGreaterThan(30);
    for (String key : leaves) {
      String[] parts = key.split("\\.");
      String documented =
          parts[0].equals("checks") && GENERIC_CHECK_KEYS.contains(parts[2])
              ? "checks.<name>." + parts[2]
              : key;
      assertThat(readme).as("README row for %s", key).contains("| `" + documented + "` |");
    }
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
