package dev.mailfilter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.scores.ScoreFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --scores}, {@code eval --time-split}'s comparison and score files in config check.
 */
class ScoresCommandsTest {
  @TempDir static Path dir;
  static Path spam;
  static Path ham;

  @BeforeAll
  static void copySlice() throws IOException {
    Path root = Path.of(System.getProperty("maven.multiModuleProjectDirectory", ".."));
    Path corpus =
        root.resolve(System.getProperty("mailfilter.shared", "../shared"))
            .resolve("corpora/spamassassin-public-corpus");
    assertThat(corpus).as("shared corpus").isDirectory();
    spam = Files.createDirectories(dir.resolve("spam"));
    ham = Files.createDirectories(dir.resolve("ham"));
    copy(corpus.resolve("spam"), spam, 80);
    copy(corpus.resolve("easy_ham"), ham, 160);
    copy(corpus.resolve("hard_ham"), ham, 40);
  }

  private static void copy(Path from, Path to, int n) throws IOException {
    try (Stream<Path> s = Files.list(from)) {
      for (Path p : s.sorted().limit(n).toList()) {
        Files.copy(p, to.resolve(p.getFileName()));
      }
    }
  }

  @Test
  void trainScoresWritesAFileTheConfigurationLoads() throws IOException {
    Path out = dir.resolve("learned.cf");
    CommandTestSupport.Result r =
        CommandTestSupport.run(
            "train",
            "--scores",
            out.toString(),
            "--spam",
            spam.toString(),
            "--ham",
            ham.toString(),
            "--threads",
            "2");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("model alone (probability)")
        .contains("rules alone, hand-set scores")
        .contains("rules + model, hand-set scores")
        .contains("rules + model, learned scores")
        .containsPattern("wrote \\d+ scores to " + java.util.regex.Pattern.quote(out.toString()));
    ScoreFile file = ScoreFile.read(out, "test");
    assertThat(file.scores()).containsKeys("BAYES_00", "BAYES_999");
    assertThat(file.comments())
        .anyMatch(l -> l.startsWith("Corpus: 80 spam, 200 ham; fitted on the earliest 196"))
        .anyMatch(l -> l.contains("rules + model, learned scores"));
    FilterConfig config = FilterConfig.parse("scores: {files: [" + out + "]}\n");
    assertThat(config.scoreWarnings()).isEmpty();
    Path yaml = Files.writeString(dir.resolve("learned.yaml"), "scores: {files: [" + out + "]}\n");
    CommandTestSupport.Result check = CommandTestSupport.run("config", "check", yaml.toString());
    assertThat(check.code()).as(check.err()).isZero();
    assertThat(check.err()).isEmpty();
  }

  @Test
  void evalTimeSplitComparesTheWholeFilterUnlessModelOnly() {
    CommandTestSupport.Result r =
        CommandTestSupport.run(
            "eval",
            "--spam",
            spam.toString(),
            "--ham",
            ham.toString(),
            "--time-split",
            "0.7",
            "--threads",
            "2");
    assertThat(r.code()).as(r.err()).isZero();
    // The model's own report first, as before; then the four rows.
    assertThat(r.out())
        .contains("time split: train on the earliest 196, test on the latest 84")
        .contains("1-ROCA%")
        .contains("the whole filter on the same split")
        .containsPattern("rules \\+ model, learned scores +6\\.000 ");
    CommandTestSupport.Result quick =
        CommandTestSupport.run(
            "eval",
            "--spam",
            spam.toString(),
            "--ham",
            ham.toString(),
            "--time-split",
            "0.7",
            "--model-only");
    assertThat(quick.code()).as(quick.err()).isZero();
    assertThat(quick.out()).contains("1-ROCA%").doesNotContain("the whole filter");
  }

  @Test
  void badInputIsOneLineAndExit2() throws IOException {
    CommandTestSupport.Result noSpam =
        CommandTestSupport.run(
            "train", "--scores", dir.resolve("x.cf").toString(), "--ham", ham.toString());
    assertThat(noSpam.code()).isEqualTo(2);
    assertThat(noSpam.err()).isEqualTo("mailfilter train: --scores needs --spam and --ham paths\n");
    CommandTestSupport.Result split =
        CommandTestSupport.run(
            "train",
            "--scores",
            dir.resolve("x.cf").toString(),
            "--spam",
            spam.toString(),
            "--ham",
            ham.toString(),
            "--time-split",
            "1.5");
    assertThat(split.code()).isEqualTo(2);
    assertThat(split.err()).isEqualTo("mailfilter train: --time-split must be in (0, 1): 1.5\n");
    assertThat(dir.resolve("x.cf")).doesNotExist();

    Path bad = Files.writeString(dir.resolve("bad.cf"), "# site\nscore X_Y one\n");
    Path yaml = Files.writeString(dir.resolve("bad.yaml"), "scores:\n  files: [" + bad + "]\n");
    CommandTestSupport.Result check = CommandTestSupport.run("config", "check", yaml.toString());
    assertThat(check.code()).isEqualTo(2);
    assertThat(check.err())
        .isEqualTo(yaml + ": scores.files[0]: " + bad + ":2: not a number: 'one'\n");

    Path unknown = Files.writeString(dir.resolve("site.cf"), "score NO_SUCH_RULE 1\n");
    Path warn =
        Files.writeString(dir.resolve("warn.yaml"), "scores:\n  files: [" + unknown + "]\n");
    CommandTestSupport.Result warned = CommandTestSupport.run("config", "check", warn.toString());
    assertThat(warned.code()).isZero();
    assertThat(warned.err())
        .isEqualTo(
            warn
                + ": warning: scores.files: "
                + unknown
                + ": NO_SUCH_RULE: no check declares this symbol\n");
  }
}
