package dev.mailfilter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mailfilter train} and {@code mailfilter eval}, run in-process through {@link Main}. */
class ModelCommandsTest {
  @TempDir static Path dir;
  static Path spam;
  static Path ham;

  record Result(int status, String out, String err) {}

  static Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        Main.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(
        status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @BeforeAll
  static void copySlice() throws IOException {
    Path root = Path.of(System.getProperty("maven.multiModuleProjectDirectory", ".."));
    Path shared = root.resolve(System.getProperty("mailfilter.shared", "../shared"));
    Path corpus = shared.resolve("corpora/spamassassin-public-corpus");
    assertThat(corpus).as("shared corpus").isDirectory();
    spam = Files.createDirectories(dir.resolve("spam"));
    ham = Files.createDirectories(dir.resolve("ham"));
    copy(corpus.resolve("spam"), spam, 30);
    copy(corpus.resolve("easy_ham"), ham, 60);
  }

  private static void copy(Path from, Path to, int n) throws IOException {
    try (Stream<Path> s = Files.list(from)) {
      for (Path p : s.sorted().limit(n).toList()) {
        Files.copy(p, to.resolve(p.getFileName()));
      }
    }
  }

  @Test
  void trainIsIdempotentAndUnlearns() {
    Path model = dir.resolve("train.model");
    Result first =
        run(
            "train",
            "--spam",
            spam.toString(),
            "--ham",
            ham.toString(),
            "--model",
            model.toString());
    assertThat(first.status()).as(first.err()).isZero();
    assertThat(first.out()).contains("learned 90 new").contains("holds 60 ham and 30 spam");
    assertThat(first.out()).contains("it votes from 200 ham and 200 spam");
    assertThat(model).isRegularFile();

    Result again =
        run(
            "train",
            "--spam",
            spam.toString(),
            "--ham",
            ham.toString(),
            "--model",
            model.toString());
    assertThat(again.out()).contains("learned 0 new").contains("90 already known");

    Result moved = run("train", "--ham", spam.toString(), "--model", model.toString());
    assertThat(moved.out()).contains("30 relearned").contains("holds 90 ham and 0 spam");

    Result forget = run("train", "--unlearn", spam.toString(), "--model", model.toString());
    assertThat(forget.out()).contains("30 unlearned").contains("holds 60 ham and 0 spam");
  }

  @Test
  void trainTakesTheModelPathFromTheConfiguration() throws IOException {
    Path model = dir.resolve("configured.model");
    Path config = dir.resolve("mailfilter.yaml");
    Files.writeString(config, "model:\n  path: " + model + "\n  min_ham: 10\n  min_spam: 10\n");
    Result r =
        run(
            "train",
            "--config",
            config.toString(),
            "--spam",
            spam.toString(),
            "--ham",
            ham.toString());
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.out()).contains("holds 60 ham and 30 spam").doesNotContain("it votes from");
    assertThat(model).isRegularFile();

    Files.writeString(config, "model:\n  spam_threshold: 7\n");
    Result bad =
        run(
            "eval",
            "--config",
            config.toString(),
            "--spam",
            spam.toString(),
            "--ham",
            ham.toString());
    assertThat(bad.status()).isEqualTo(2);
    assertThat(bad.err()).contains("model.spam_threshold");
  }

  @Test
  void crossValidationPrintsEveryFigure() throws IOException {
    Path split = dir.resolve("cv.split");
    Result r =
        run(
            "eval",
            "--spam",
            spam.toString(),
            "--ham",
            ham.toString(),
            "--folds",
            "3",
            "--split-out",
            split.toString());
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("3-fold cross-validation over 90 messages")
        .contains("spam recall")
        .contains("ham FP rate")
        .contains("1-ROCA%")
        .contains("recall@0.1%FP")
        .contains("recall@1%FP")
        .contains("msg/s");
    List<String> lines = Files.readAllLines(split);
    // Every message is tested exactly once and trained on in the other two folds.
    assertThat(lines.stream().filter(l -> l.contains(" test "))).hasSize(90);
    assertThat(lines.stream().filter(l -> l.contains(" train "))).hasSize(180);
    // The same seed gives the same folds.
    Path again = dir.resolve("cv2.split");
    run(
        "eval",
        "--spam",
        spam.toString(),
        "--ham",
        ham.toString(),
        "--folds",
        "3",
        "--split-out",
        again.toString());
    assertThat(Files.readAllLines(again)).isEqualTo(lines);
  }

  @Test
  void timeSplitTrainsOnTheEarlierMessages() throws IOException {
    Path split = dir.resolve("time.split");
    Result r =
        run(
            "eval",
            "--spam",
            spam.toString(),
            "--ham",
            ham.toString(),
            "--time-split",
            "0.7",
            "--split-out",
            split.toString());
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.out()).contains("train on the earliest 63, test on the latest 27");
  }

  @Test
  void trainTestMode() {
    Result r =
        run(
            "eval",
            "--train-spam",
            spam.toString(),
            "--train-ham",
            ham.toString(),
            "--test-spam",
            spam.toString(),
            "--test-ham",
            ham.toString());
    assertThat(r.status()).as(r.err()).isZero();
    // Tested on its own training data, the model separates the classes completely.
    assertThat(r.out()).contains("1-ROCA%         0.0000");
  }

  @Test
  void scoresOnlyModeComputesTheSameFigures() throws IOException {
    Path scores = dir.resolve("scores.txt");
    Files.writeString(scores, "# peer scores\nspam 9\nspam 5\nspam 2\nham 5\nham 1\n");
    Result r = run("eval", "--scores", scores.toString(), "--threshold", "5");
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("1-ROCA%         25.0000")
        .contains("ham FP rate     50.000% (1 of 2)");
  }

  @Test
  void badInputGetsAClearErrorAndStatus() throws IOException {
    Result unknown = run("eval", "--nope");
    assertThat(unknown.status()).isEqualTo(2);
    assertThat(unknown.err()).contains("unknown option '--nope'");

    Result missing =
        run(
            "train",
            "--spam",
            dir.resolve("does-not-exist").toString(),
            "--model",
            dir.resolve("m").toString());
    assertThat(missing.status()).isEqualTo(2);
    assertThat(missing.err()).contains("no such file or directory").contains("does-not-exist");

    Path scores = dir.resolve("bad-scores.txt");
    Files.writeString(scores, "spam 1\nmaybe 2\n");
    Result badScores = run("eval", "--scores", scores.toString());
    assertThat(badScores.status()).isEqualTo(2);
    assertThat(badScores.err()).contains(":2:").contains("maybe");

    Result split =
        run("eval", "--spam", spam.toString(), "--ham", ham.toString(), "--time-split", "1.5");
    assertThat(split.status()).isEqualTo(2);
    assertThat(split.err()).contains("1.5");

    Path damaged = dir.resolve("damaged.model");
    Files.write(damaged, new byte[100]);
    Result bad = run("train", "--ham", ham.toString(), "--model", damaged.toString());
    assertThat(bad.status()).isEqualTo(2);
    assertThat(bad.err()).contains(damaged.toString());
  }
}
