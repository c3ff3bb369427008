package dev.mailfilter.learn;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A fixed small slice of the SpamAssassin public corpus: every other message (by file name) of the
 * first 200 spam and 600 ham trains, the rest tests. Floors are set below what the model reaches
 * today (1-ROCA% {@value #MEASURED_ONE_MINUS_ROCA}, 82 of 100 spam caught at 0.5, no false
 * positive; with the learning rate at 1 instead of 30 it caught 31 and failed), so a regression in
 * the features or the learner fails this test.
 */
class AccuracyRegressionTest {
  static final double MEASURED_ONE_MINUS_ROCA = 0.71;

  static Path corpus() {
    Path shared = Path.of(System.getProperty("mailfilter.shared", "../shared"));
    Path c = shared.resolve("corpora/spamassassin-public-corpus");
    assertThat(c).as("the shared corpus (system property mailfilter.shared)").isDirectory();
    return c;
  }

  private static List<Path> first(Path dir, int n) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().limit(n).toList();
    }
  }

  @Test
  void separatesSpamFromHamOnAFixedSlice() throws IOException {
    Path c = corpus();
    List<Path> spam = first(c.resolve("spam"), 200);
    List<Path> ham = new ArrayList<>(first(c.resolve("easy_ham"), 500));
    ham.addAll(first(c.resolve("hard_ham"), 100));
    SpamModel model = SpamModel.open(ModelSettings.builder().minTraining(0, 0).build());
    List<Path> train = new ArrayList<>();
    for (int i = 0; i < Math.max(spam.size(), ham.size()); i += 2) {
      if (i < spam.size()) {
        train.add(spam.get(i));
      }
      if (i < ham.size()) {
        train.add(ham.get(i));
      }
    }
    for (int pass = 0; pass < 3; pass++) {
      for (Path p : train) {
        Label label = spam.contains(p) ? Label.SPAM : Label.HAM;
        model.reinforce(Document.fromMessage(Files.readAllBytes(p)), label);
      }
    }
    List<Double> spamScores = new ArrayList<>();
    List<Double> hamScores = new ArrayList<>();
    for (int i = 1; i < spam.size(); i += 2) {
      spamScores.add(
          model.classify(Document.fromMessage(Files.readAllBytes(spam.get(i)))).probability());
    }
    for (int i = 1; i < ham.size(); i += 2) {
      hamScores.add(
          model.classify(Document.fromMessage(Files.readAllBytes(ham.get(i)))).probability());
    }
    double wins = 0;
    for (double s : spamScores) {
      for (double h : hamScores) {
        wins += s > h ? 1 : s == h ? 0.5 : 0;
      }
    }
    double oneMinusRoca = 100 * (1 - wins / (spamScores.size() * (double) hamScores.size()));
    long caught = spamScores.stream().filter(p -> p >= 0.5).count();
    long falsePositives = hamScores.stream().filter(p -> p >= 0.5).count();
    System.out.printf(
        "accuracy slice: 1-ROCA%% %.4f, recall %d/%d, false positives %d/%d%n",
        oneMinusRoca, caught, spamScores.size(), falsePositives, hamScores.size());
    assertThat(oneMinusRoca).isLessThan(1.2);
    assertThat(caught).isGreaterThanOrEqualTo(75);
    assertThat(falsePositives).isLessThanOrEqualTo(3);
  }
}
