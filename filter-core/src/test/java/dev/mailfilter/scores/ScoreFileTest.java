package dev.mailfilter.scores;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScoreFileTest {
  @TempDir Path dir;

  @Test
  void roundTripsScoresAndHeaderComments() throws IOException {
    Map<String, Double> scores = new LinkedHashMap<>();
    scores.put("BAYES_99", 7.125);
    scores.put("MIME_HTML_ONLY", -0.5);
    scores.put("URIBL_lower_case", 0.0);
    ScoreFile f = new ScoreFile("x", scores, List.of("fitted on a corpus", "", "date: today"));
    Path p = dir.resolve("scores.cf");
    Files.writeString(p, f.format());
    ScoreFile back = ScoreFile.read(p, "scores.files[0]");
    assertThat(back.scores()).containsExactlyEntriesOf(scores);
    assertThat(back.comments()).containsExactly("fitted on a corpus", "", "date: today");
    assertThat(back.source()).isEqualTo(p.toString());
  }

  @Test
  void readsSpamAssassinsSyntaxWithScoreSetsAndTrailingComments() {
    ScoreFile f =
        ScoreFile.parse(
            "# header\n\nscore A 1.5   # why\nscore B 0 0.1 2.5 3\n  score  A  2\r\n", "f", "k");
    assertThat(f.scores()).containsExactly(Map.entry("A", 2.0), Map.entry("B", 2.5));
    assertThat(f.comments()).containsExactly("header");
  }

  @Test
  void namesFileAndLineOfAMalformedLine() {
    assertThatThrownBy(
            () -> ScoreFile.parse("score A 1\nscore B high\n", "s.cf", "scores.files[0]"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("scores.files[0]: s.cf:2: not a number: 'high'");
    assertThatThrownBy(() -> ScoreFile.parse("\n\nrequired_score 5\n", "s.cf", "k"))
        .hasMessage("k: s.cf:3: expected 'score SYMBOL value', got 'required_score 5'");
    assertThatThrownBy(() -> ScoreFile.parse("score A 1 2\n", "s.cf", "k"))
        .hasMessageContaining("s.cf:1: expected 'score SYMBOL value' (or four values)");
    assertThatThrownBy(() -> ScoreFile.parse("score A-B 1\n", "s.cf", "k"))
        .hasMessage("k: s.cf:1: not a symbol name: 'A-B'");
    assertThatThrownBy(() -> ScoreFile.parse("score A NaN\n", "s.cf", "k"))
        .hasMessage("k: s.cf:1: not a finite number: 'NaN'");
  }

  @Test
  void aMissingFileIsAConfigurationError() {
    Path missing = dir.resolve("none.cf");
    assertThatThrownBy(() -> ScoreFile.read(missing, "scores.files[1]"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("scores.files[1]: no such score file " + missing);
  }
}
