package dev.mailfilter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.config.ConfigException;
import dev.mailfilter.learn.BayesBand;
import dev.mailfilter.scores.ScoreFile;
import dev.mailfilter.scores.ScoreSettings.Variant;
import dev.mailfilter.spi.CheckSettings;
import dev.mailfilter.spi.SymbolDef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scores:}: score files, the shipped learned sets, and their place under per-check scores.
 */
class ScoreFilesConfigTest {
  @TempDir Path dir;

  private static double score(FilterConfig config, String check, String symbol) {
    for (CheckSettings c : config.checks()) {
      if (c.check().name().equals(check)) {
        return c.scores().get(symbol);
      }
    }
    throw new AssertionError("no check " + check);
  }

  /** A symbol's score in whichever check declares it. */
  private static double score(FilterConfig config, String symbol) {
    for (CheckSettings c : config.checks()) {
      Double d = c.scores().get(symbol);
      if (d != null) {
        return d;
      }
    }
    throw new AssertionError("no check declares " + symbol);
  }

  private static Set<String> declared(FilterConfig config) {
    Set<String> out = new HashSet<>();
    for (CheckSettings c : config.checks()) {
      for (SymbolDef d : c.check().symbols()) {
        out.add(d.name());
      }
    }
    return out;
  }

  @Test
  void withoutAFileTheShippedSetOfWhatTheFilterRunsApplies() {
    // The build runs without SpamAssassin rules, and the defaults have no model file.
    ScoreFile checks = Variant.CHECKS.scores();
    assertThat(checks.scores()).isNotEmpty().doesNotContainKey("BAYES_99");
    for (var e : checks.scores().entrySet()) {
      assertThat(score(FilterConfig.defaults(), e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
    }
    FilterConfig withModel =
        FilterConfig.parse("model: {path: " + dir.resolve("m.model") + ", required: false}\n");
    assertThat(score(withModel, "model", "BAYES_99"))
        .isEqualTo(Variant.CHECKS_MODEL.scores().scores().get("BAYES_99"));
    FilterConfig hand =
        FilterConfig.parse(
            "model: {path: "
                + dir.resolve("m.model")
                + ", required: false}\n"
                + "scores: {learned: false}\n");
    assertThat(score(hand, "model", "BAYES_99")).isEqualTo(BayesBand.BAYES_99.defaultScore());
    String symbol = checks.scores().keySet().iterator().next();
    assertThat(score(FilterConfig.parse("scores: {learned: false}\n"), symbol))
        .isNotEqualTo(checks.scores().get(symbol));
  }

  @Test
  void fileOverFileThenPerCheckScoresWin() throws IOException {
    Path a = Files.writeString(dir.resolve("a.cf"), "score BAYES_99 3\nscore BAYES_00 -1\n");
    Path b = Files.writeString(dir.resolve("b.cf"), "score BAYES_99 4\n");
    FilterConfig files = FilterConfig.parse("scores:\n  files: [" + a + ", " + b + "]\n");
    assertThat(score(files, "model", "BAYES_99")).isEqualTo(4.0); // the later file wins
    assertThat(score(files, "model", "BAYES_00")).isEqualTo(-1.0);
    // With a file, the shipped set is not used: a symbol the file leaves out keeps its own score.
    assertThat(score(files, "model", "BAYES_80")).isEqualTo(BayesBand.BAYES_80.defaultScore());
    FilterConfig perCheck =
        FilterConfig.parse(
            "scores:\n  files: [" + a + "]\nchecks:\n  model:\n    scores: {BAYES_99: 9.5}\n");
    assertThat(score(perCheck, "model", "BAYES_99")).isEqualTo(9.5);
    assertThat(score(perCheck, "model", "BAYES_00")).isEqualTo(-1.0);
    FilterConfig single =
        FilterConfig.parse("scores:\n  files: [" + a + "]\nchecks:\n  gtube: {score: 20}\n");
    assertThat(score(single, "gtube", "GTUBE")).isEqualTo(20.0);
  }

  @Test
  void unknownSymbolsAreWarningsNotErrors() throws IOException {
    Path f = Files.writeString(dir.resolve("site.cf"), "score BAYES_99 5\nscore NOT_HERE 2\n");
    FilterConfig c = FilterConfig.parse("scores: {files: [" + f + "]}\n");
    assertThat(c.scoreWarnings()).containsExactly(f + ": NOT_HERE: no check declares this symbol");
    assertThat(FilterConfig.defaults().scoreWarnings()).isEmpty();
  }

  @Test
  void aMalformedFileIsRefusedNamingFileAndLine() throws IOException {
    Path f = Files.writeString(dir.resolve("bad.cf"), "score A 1\nscore B\n");
    Path yaml = Files.writeString(dir.resolve("m.yaml"), "scores:\n  files: [" + f + "]\n");
    assertThatThrownBy(() -> FilterConfig.load(yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "scores.files[0]: "
                + f
                + ":2: expected 'score SYMBOL value' (or four values), got 'score B'");
    assertThatThrownBy(() -> FilterConfig.parse("scores: {files: [" + dir.resolve("x") + "]}"))
        .hasMessage("scores.files[0]: no such score file " + dir.resolve("x"));
    assertThatThrownBy(() -> FilterConfig.parse("scores: {lerned: true}"))
        .hasMessageContaining("scores.lerned: unknown key");
  }

  @Test
  void theShippedModelSetsScoreTheBandsInTheModelsOrder() {
    for (Variant v : List.of(Variant.CHECKS_MODEL, Variant.CHECKS_MODEL_SPAMASSASSIN)) {
      double previous = Double.NEGATIVE_INFINITY;
      for (BayesBand band : BayesBand.values()) {
        double score = v.scores().scores().get(band.name());
        assertThat(score).as("%s %s", v.resource(), band).isGreaterThanOrEqualTo(previous);
        previous = score;
      }
    }
  }

  @Test
  void theShippedSetsWithoutSpamAssassinNameOnlyBuiltInSymbols() {
    Set<String> builtIn = declared(FilterConfig.parse("scores: {learned: false}\n"));
    for (Variant v : List.of(Variant.CHECKS, Variant.CHECKS_MODEL)) {
      assertThat(builtIn).as(v.resource()).containsAll(v.scores().scores().keySet());
      assertThat(v.scores().comments())
          .as(v.resource())
          .anyMatch(l -> l.startsWith("Corpus: 500 spam, 2750 ham"));
    }
    assertThat(Variant.CHECKS_MODEL.scores().scores()).containsKeys("BAYES_00", "BAYES_999");
    for (Variant v : List.of(Variant.CHECKS, Variant.CHECKS_SPAMASSASSIN)) {
      assertThat(v.scores().scores().keySet())
          .as(v.resource())
          .noneMatch(s -> s.startsWith("BAYES_"));
    }
  }

  @Test
  void theShippedSetsWithSpamAssassinNameBuiltInSymbolsAndDebiansRules() {
    Set<String> builtIn = declared(FilterConfig.parse("scores: {learned: false}\n"));
    Path debian = Path.of("/usr/share/spamassassin");
    // bin/test installs Debian's spamassassin package (.ci/packages): the rules they were fitted
    // with.
    assertThat(debian)
        .as("Debian's SpamAssassin rules (apt-get install spamassassin)")
        .isDirectory();
    Set<String> rules =
        declared(
            FilterConfig.parse(
                "spamassassin: {paths: [" + debian + "]}\nscores: {learned: false}\n"));
    for (Variant v : List.of(Variant.CHECKS_SPAMASSASSIN, Variant.CHECKS_MODEL_SPAMASSASSIN)) {
      List<String> fromRules =
          v.scores().scores().keySet().stream().filter(s -> !builtIn.contains(s)).toList();
      assertThat(fromRules).as("%s was fitted with SpamAssassin rules", v.resource()).isNotEmpty();
      assertThat(rules).as(v.resource()).containsAll(fromRules);
    }
    // With the rules loaded the configuration takes the variant fitted with them.
    FilterConfig learned = FilterConfig.parse("spamassassin: {paths: [" + debian + "]}\n");
    ScoreFile sa = Variant.CHECKS_SPAMASSASSIN.scores();
    String rule = sa.scores().keySet().stream().filter(s -> !builtIn.contains(s)).findFirst().get();
    assertThat(score(learned, "spamassassin", rule)).isEqualTo(sa.scores().get(rule));
  }
}
