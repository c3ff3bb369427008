package dev.mailfilter.config;

import java.util.LinkedHashMap;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/** YAML text to a configuration tree: parsing with safe limits, deep merge, the root node. */
public final class YamlTree {
  private YamlTree() {}

  /** The root node of a tree, for reading it key by key. */
  public static ConfigNode root(Map<String, Object> tree) {
    return new ConfigNode("", tree);
  }

  private static LoadSettings settings(String label, boolean marks) {
    return LoadSettings.builder()
        .setLabel(label)
        .setUseMarks(marks)
        .setAllowDuplicateKeys(false)
        .setMaxAliasesForCollections(50)
        .setCodePointLimit(16 * 1024 * 1024)
        .build();
  }

  /**
   * Parses YAML text into a tree of string-keyed mappings, refusing duplicate keys and alias bombs.
   *
   * @param label the file name or description for error messages
   * @throws ConfigException when the text is not YAML or not a mapping
   */
  public static Map<String, Object> read(String yaml, String label) {
    Object doc;
    try {
      // Without marks (line and column on every token and node): a quarter less garbage on a
      // provider's 50,000-domain file. A file that fails is parsed again with them for the message.
      doc = load(yaml, label);
    } catch (YamlEngineException withoutMarks) {
      try {
        new Load(settings(label, true)).loadFromString(yaml);
      } catch (MarkedYamlEngineException e) {
        String where =
            e.getProblemMark()
                .map(m -> "line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1) + ": ")
                .orElse("");
        throw new ConfigException("", label + ": " + where + "not valid YAML: " + e.getProblem());
      } catch (YamlEngineException e) {
        throw new ConfigException("", label + ": not valid YAML: " + e.getMessage());
      }
      throw new ConfigException("", label + ": not valid YAML: " + withoutMarks.getMessage());
    }
    if (doc == null) {
      return Map.of();
    }
    if (!(doc instanceof Map)) {
      throw new ConfigException(
          "", label + ": expected a mapping of sections, got " + ConfigNode.describe(doc));
    }
    return ConfigNode.asStringMap("", doc);
  }

  /**
   * The document: from the parser's events when the text is plain YAML, as a configuration file is
   * (without SnakeYAML's node graph, a provider's 50,000-domain file makes a quarter less garbage:
   * docs/performance.md), else by SnakeYAML's loader, which also reports every error.
   */
  private static Object load(String yaml, String label) {
    LoadSettings settings = settings(label, false);
    try {
      return YamlEvents.load(settings, yaml);
    } catch (YamlEvents.Unsupported | YamlEngineException e) {
      return new Load(settings).loadFromString(yaml);
    }
  }

  /**
   * Deep merge: mappings merge key by key; a null over a mapping keeps the mapping; anything else
   * in the overlay replaces.
   */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> merge(Map<String, Object> base, Map<String, Object> overlay) {
    Map<String, Object> out = new LinkedHashMap<>(base);
    for (Map.Entry<String, Object> e : overlay.entrySet()) {
      Object b = out.get(e.getKey());
      Object o = e.getValue();
      if (b instanceof Map && o == null) {
        // "checks:" with every entry commented out is null in YAML: keep the defaults below it.
        continue;
      }
      if (b instanceof Map && o instanceof Map) {
        out.put(
            e.getKey(),
            merge(ConfigNode.asStringMap(e.getKey(), b), ConfigNode.asStringMap(e.getKey(), o)));
      } else {
        out.put(e.getKey(), o);
      }
    }
    return out;
  }

  /** A tree as block-style YAML text that {@link #read} gives back equal, keys in tree order. */
  public static String write(Map<String, Object> tree) {
    DumpSettings settings =
        DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).setIndent(2).build();
    return new Dump(settings).dumpToString(tree);
  }
}
