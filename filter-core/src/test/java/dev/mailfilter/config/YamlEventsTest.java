package dev.mailfilter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.resolver.JsonScalarResolver;
import org.snakeyaml.engine.v2.resolver.ScalarResolver;

/**
 * The event reader builds what SnakeYAML's {@code Load} builds, or declines: compared on the
 * configuration files and docs of the repository, on generated documents, and on the constructs it
 * leaves to {@code Load}.
 */
class YamlEventsTest {
  private static final LoadSettings SETTINGS =
      LoadSettings.builder().setUseMarks(false).setAllowDuplicateKeys(false).build();

  private static Object load(String yaml) {
    return new Load(SETTINGS).loadFromString(yaml);
  }

  private static void assertSameAsLoad(String yaml) {
    Object expected = load(yaml);
    Object actual = YamlEvents.load(SETTINGS, yaml);
    assertThat(actual).as(yaml).isEqualTo(expected);
    assertSameTypes(actual, expected, yaml);
  }

  /** Equal is not enough: 1 and 1.0 or a LinkedHashMap's order must match too. */
  private static void assertSameTypes(Object actual, Object expected, String yaml) {
    if (expected == null) {
      assertThat(actual).isNull();
      return;
    }
    assertThat(actual).as(yaml).isInstanceOf(expected.getClass());
    if (expected instanceof Map<?, ?> e) {
      Map<?, ?> a = (Map<?, ?>) actual;
      assertThat(new ArrayList<>(a.keySet())).as(yaml).isEqualTo(new ArrayList<>(e.keySet()));
      for (Object k : e.keySet()) {
        assertSameTypes(a.get(k), e.get(k), yaml);
      }
    } else if (expected instanceof List<?> e) {
      List<?> a = (List<?>) actual;
      for (int i = 0; i < e.size(); i++) {
        assertSameTypes(a.get(i), e.get(i), yaml);
      }
    }
  }

  @Test
  void buildsWhatLoadBuildsForTheRepositorysConfigurationFiles() throws IOException {
    Path root = Path.of("..");
    List<String> texts = new ArrayList<>();
    texts.add(Files.readString(root.resolve("examples/mailfilter.yaml")));
    texts.add(
        Files.readString(
            root.resolve("filter-core/src/main/resources/dev/mailfilter/default-config.yaml")));
    Pattern block = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL);
    try (var docs = Files.list(root.resolve("docs"))) {
      for (Path p : docs.filter(f -> f.toString().endsWith(".md")).toList()) {
        Matcher m = block.matcher(Files.readString(p, StandardCharsets.UTF_8));
        while (m.find()) {
          texts.add(m.group(1));
        }
      }
    }
    assertThat(texts).hasSizeGreaterThan(5);
    for (String t : texts) {
      assertSameAsLoad(t);
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "# only a comment\n",
        "---\n",
        "a: 1\nb: 1.5\nc: true\nd: null\ne: ~\nf: \"1\"\ng: '2'\nh: -3\ni: 0x1F\nj: 1e3\n",
        "a: [1, two, {three: 3}, [4]]\nb: {}\nc: []\n",
        "a:\n  - x\n  -\n  - y: 1\n    z: 2\n",
        "list:\n- a\n- b\n",
        "top: |\n  literal\n  text\nfolded: >\n  folded\n  text\n",
        "? a\n: 1\n",
        "a:\nb: ~\n",
        "1: x\ntrue: y\nnull: z\n",
        "k: v # comment\n# between\nk2: v2\n",
        "unicode: bücher.example\nquoted: \"tab\\there\"\n",
        "- 1\n- 2\n",
        "just a scalar",
        "a: &anchor {x: 1}\nb: 2\n",
        "deep: {a: {b: {c: {d: {e: [[[[1]]]]}}}}}\n",
      })
  void buildsWhatLoadBuilds(String yaml) {
    assertSameAsLoad(yaml);
  }

  /** What it leaves to {@code Load}: declined, never built differently. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "a: &x {k: 1}\nb: *x\n",
        "a: !!str 1\n",
        "a: !!set {x, y}\n",
        "? [a, b]\n: 1\n",
        "? {a: 1}\n: 1\n",
        "a: 1\n---\nb: 2\n",
        "a: 1\na: 2\n",
        "a: {x: 1, x: 1}\n",
        "a: ${HOME}\n",
      })
  void declinesWhatOnlyLoadHandles(String yaml) {
    assertThatThrownBy(() -> YamlEvents.load(SETTINGS, yaml))
        .isInstanceOf(YamlEvents.Unsupported.class);
  }

  @Test
  void readerFallsBackToLoadWithTheSameResultAndErrors() {
    assertThat(YamlTree.read("a: &x {k: 1}\nb: *x\n", "t"))
        .isEqualTo(Map.of("a", Map.of("k", 1), "b", Map.of("k", 1)));
    assertThatThrownBy(() -> YamlTree.read("a: 1\nb: 2\na: 3\n", "t.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("t.yaml: line 3, column 1: not valid YAML: found duplicate key a");
    assertThatThrownBy(() -> YamlTree.read("a: [1, 2\nb: 3\n", "t.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("t.yaml: line ")
        .hasMessageContaining("not valid YAML");
    assertThatThrownBy(() -> YamlTree.read("a: 1\n---\nb: 2\n", "t.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("not valid YAML");
    assertThatThrownBy(() -> YamlTree.read("1: x\n", "t.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("keys must be strings, got 1 (quote it)");
  }

  /** The resolver's shortcut is exact: checked against the resolver for every first character. */
  @Test
  void shortcutForPlainStringsAgreesWithTheResolverForEveryFirstCharacter() {
    ScalarResolver resolver = SETTINGS.getSchema().getScalarResolver();
    assertThat(resolver).isInstanceOf(JsonScalarResolver.class);
    String[] tails = {"", "x", "rue", "alse", "ull", "1", "0", ".5", "{X}", "1e3"};
    int strings = 0;
    for (char c = 0; c < 0x3000; c++) {
      if (Character.isSurrogate(c)) {
        continue;
      }
      for (String tail : tails) {
        String v = c + tail;
        if (YamlEvents.isJsonString(v)) {
          strings++;
          assertThat(resolver.resolve(v, true)).as("resolution of %s", v).isEqualTo(Tag.STR);
        }
      }
    }
    assertThat(strings).isGreaterThan(100_000);
    assertThat(YamlEvents.isJsonString("")).isFalse();
    assertThat(YamlEvents.isJsonString("true")).isFalse();
    assertThat(YamlEvents.isJsonString("5")).isFalse();
    assertThat(YamlEvents.isJsonString("d0.example")).isTrue();
  }

  /** Seeded random documents of nested maps, lists and scalars of every style; prints its seed. */
  @Test
  void buildsWhatLoadBuildsForGeneratedDocuments() {
    long seed = System.nanoTime();
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < 300; i++) {
      StringBuilder sb = new StringBuilder();
      mapping(sb, random, 0, "");
      String yaml = sb.toString();
      try {
        assertSameAsLoad(yaml);
      } catch (AssertionError e) {
        throw new AssertionError("seed " + seed + ", document " + i + ":\n" + yaml, e);
      }
    }
  }

  private static final String[] SCALARS = {
    "plain", "1", "-2", "3.5", "1e3", "true", "false", "null", "~", "\"quoted\"", "'single'",
    "\"12\"", "0o17", "0x1f", ".inf", "-.inf", ".nan", "yes", "no", "on", "x.example", "a b c",
    "\"\\u00fc\"", "bücher", "''", "\"\"", "TRUE", "Null", "+1", "007", "1_000",
  };

  private static void mapping(StringBuilder sb, SplittableRandom r, int depth, String indent) {
    int n = 1 + r.nextInt(4);
    for (int i = 0; i < n; i++) {
      sb.append(indent).append("k").append(i).append(':');
      value(sb, r, depth, indent);
    }
  }

  private static void value(StringBuilder sb, SplittableRandom r, int depth, String indent) {
    int kind = depth > 3 ? 0 : r.nextInt(5);
    switch (kind) {
      case 0 -> sb.append(' ').append(SCALARS[r.nextInt(SCALARS.length)]).append('\n');
      case 1 -> {
        sb.append('\n');
        mapping(sb, r, depth + 1, indent + "  ");
      }
      case 2 -> {
        sb.append('\n');
        int n = 1 + r.nextInt(3);
        for (int i = 0; i < n; i++) {
          sb.append(indent).append("  -");
          value(sb, r, 4, indent + "    ");
        }
      }
      case 3 -> {
        sb.append(" {");
        int n = r.nextInt(3);
        for (int i = 0; i < n; i++) {
          sb.append(i > 0 ? ", " : "").append("f").append(i).append(": ");
          sb.append(SCALARS[r.nextInt(SCALARS.length)]);
        }
        sb.append("}\n");
      }
      default -> {
        sb.append(" [");
        int n = r.nextInt(3);
        for (int i = 0; i < n; i++) {
          sb.append(i > 0 ? ", " : "").append(SCALARS[r.nextInt(SCALARS.length)]);
        }
        sb.append("]\n");
      }
    }
  }
}
