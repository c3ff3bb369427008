package dev.mailfilter.learn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SpamModelTest {
  private static final String[] SPAMMY = {
    "viagra", "winner", "casino", "lottery", "prize", "cheap", "offer", "click", "unsubscribe"
  };
  private static final String[] HAMMY = {
    "meeting", "patch", "kernel", "review", "build", "release", "agenda", "thanks", "commit"
  };
  private static final String[] COMMON = {"the", "and", "you", "this", "for", "with", "today"};

  static Document message(SplittableRandom r, Label label, int n) {
    String[] own = label == Label.SPAM ? SPAMMY : HAMMY;
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 30; i++) {
      String[] pool = r.nextInt(3) == 0 ? own : COMMON;
      text.append(pool[r.nextInt(pool.length)]).append(' ');
    }
    return new Document(
        label + " message " + n,
        "sender" + n + "@example.org",
        List.of(new Document.Header("Message-ID", "<" + n + "." + label + "@example.org>")),
        List.of(text.toString()),
        List.of(),
        List.of(),
        List.of("text/plain"),
        List.of());
  }

  private static SpamModel model(int minHam, int minSpam) throws Exception {
    return SpamModel.open(
        ModelSettings.builder().minTraining(minHam, minSpam).hashBits(16).build());
  }

  private static double[] scores(SpamModel m, List<Document> docs) {
    return docs.stream().mapToDouble(d -> m.classify(d).probability()).toArray();
  }

  @Test
  void learnsToSeparateTheClasses() throws Exception {
    SplittableRandom r = new SplittableRandom(7);
    SpamModel m = model(0, 0);
    for (int i = 0; i < 200; i++) {
      m.learn(message(r, Label.SPAM, i), Label.SPAM);
      m.learn(message(r, Label.HAM, i), Label.HAM);
    }
    assertThat(m.classify(message(r, Label.SPAM, 1000)).probability()).isGreaterThan(0.9);
    assertThat(m.classify(message(r, Label.HAM, 1001)).probability()).isLessThan(0.1);
  }

  @Test
  void learningTheSameMessageTwiceCountsOnce() throws Exception {
    SplittableRandom r = new SplittableRandom(1);
    SpamModel m = model(0, 0);
    List<Document> probe = List.of(message(r, Label.SPAM, 90), message(r, Label.HAM, 91));
    Document d = message(r, Label.SPAM, 1);
    assertThat(m.learn(d, Label.SPAM)).isEqualTo(LearnOutcome.LEARNED);
    double[] once = scores(m, probe);
    assertThat(m.learn(d, Label.SPAM)).isEqualTo(LearnOutcome.ALREADY_LEARNED);
    assertThat(scores(m, probe)).containsExactly(once);
    assertThat(m.counts()).isEqualTo(new TrainingCounts(0, 1));
  }

  @Test
  void relearningAsTheOtherClassMovesTheMessage() throws Exception {
    SplittableRandom r = new SplittableRandom(2);
    SpamModel m = model(0, 0);
    Document d = message(r, Label.SPAM, 1);
    m.learn(d, Label.SPAM);
    double asSpam = m.classify(d).probability();
    assertThat(m.learn(d, Label.HAM)).isEqualTo(LearnOutcome.RELEARNED);
    assertThat(m.counts()).isEqualTo(new TrainingCounts(1, 0));
    assertThat(m.learnedAs(d)).contains(Label.HAM);
    assertThat(m.classify(d).probability()).isLessThan(asSpam).isLessThan(0.5);
  }

  @Test
  void unlearningRemovesTheMessagesOwnStepExactly() throws Exception {
    SplittableRandom r = new SplittableRandom(3);
    SpamModel m = model(0, 0);
    for (int i = 0; i < 50; i++) {
      m.learn(message(r, Label.SPAM, i), Label.SPAM);
      m.learn(message(r, Label.HAM, i), Label.HAM);
    }
    List<Document> probe = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      probe.add(message(r, i % 2 == 0 ? Label.SPAM : Label.HAM, 500 + i));
    }
    double[] before = scores(m, probe);
    Document last = message(r, Label.SPAM, 999);
    m.learn(last, Label.SPAM);
    m.reinforce(last, Label.SPAM);
    assertThat(scores(m, probe)).isNotEqualTo(before);
    assertThat(m.unlearn(last)).isTrue();
    double[] after = scores(m, probe);
    for (int i = 0; i < before.length; i++) {
      assertThat(after[i])
          .as("probe " + i)
          .isCloseTo(before[i], org.assertj.core.data.Offset.offset(1e-5));
    }
    assertThat(m.counts()).isEqualTo(new TrainingCounts(50, 50));
    assertThat(m.unlearn(last)).isFalse();
    assertThat(m.learnedAs(last)).isEmpty();
  }

  @Test
  void doesNotVoteBeforeTheMinimumTraining() throws Exception {
    SplittableRandom r = new SplittableRandom(4);
    SpamModel m = model(3, 2);
    Document probe = message(r, Label.SPAM, 100);
    for (int i = 0; i < 2; i++) {
      m.learn(message(r, Label.SPAM, i), Label.SPAM);
      m.learn(message(r, Label.HAM, i), Label.HAM);
    }
    assertThat(m.classify(probe).ready()).isFalse();
    assertThat(m.classify(probe).band()).isEmpty();
    m.learn(message(r, Label.HAM, 2), Label.HAM);
    assertThat(m.classify(probe).ready()).isTrue();
    assertThat(m.classify(probe).band()).isPresent();
  }

  @Test
  void mapsProbabilitiesToSpamAssassinBands() {
    assertThat(BayesBand.of(0.0)).isEqualTo(BayesBand.BAYES_00);
    assertThat(BayesBand.of(0.009)).isEqualTo(BayesBand.BAYES_00);
    assertThat(BayesBand.of(0.01)).isEqualTo(BayesBand.BAYES_05);
    assertThat(BayesBand.of(0.5)).isEqualTo(BayesBand.BAYES_50);
    assertThat(BayesBand.of(0.97)).isEqualTo(BayesBand.BAYES_95);
    assertThat(BayesBand.of(0.995)).isEqualTo(BayesBand.BAYES_99);
    assertThat(BayesBand.of(1.0)).isEqualTo(BayesBand.BAYES_999);
    org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
        .isThrownBy(() -> BayesBand.of(Double.NaN))
        .withMessageContaining("NaN");
  }

  @Test
  void autolearnIsOffByDefaultAndFollowsItsThresholds() {
    assertThat(ModelSettings.defaults().autolearn().decide(100)).isEmpty();
    ModelSettings.Autolearn on = new ModelSettings.Autolearn(true, 12, 0.1);
    assertThat(on.decide(12.5)).contains(Label.SPAM);
    assertThat(on.decide(-1)).contains(Label.HAM);
    assertThat(on.decide(5)).isEmpty();
  }

  @Test
  void settingsRejectBadValuesNamingThem() {
    org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
        .isThrownBy(() -> ModelSettings.builder().spamThreshold(1.5).build())
        .withMessageContaining("1.5");
    org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
        .isThrownBy(() -> ModelSettings.builder().minTraining(-1, 5).build())
        .withMessageContaining("-1");
  }

  @Test
  void balancedClassWeightsRaiseTheMinorityClassOnAnUnbalancedSet() throws Exception {
    // 40 spam against 400 ham, the same messages in the same order for both models: with balanced
    // weights each spam step is larger and each ham step smaller, so new spam scores higher.
    SplittableRandom r = new SplittableRandom(21);
    List<Document> train = new ArrayList<>();
    List<Label> labels = new ArrayList<>();
    for (int i = 0; i < 440; i++) {
      Label label = i % 11 == 0 ? Label.SPAM : Label.HAM;
      train.add(message(r, label, i));
      labels.add(label);
    }
    List<Document> probe = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      probe.add(message(r, Label.SPAM, 10_000 + i));
    }
    ModelSettings.Builder b = ModelSettings.builder().minTraining(0, 0).hashBits(16);
    SpamModel plain = SpamModel.open(b.balanceClasses(false).build());
    SpamModel balanced = SpamModel.open(b.balanceClasses(true).build());
    for (int i = 0; i < train.size(); i++) {
      plain.learn(train.get(i), labels.get(i));
      balanced.learn(train.get(i), labels.get(i));
    }
    assertThat(plain.classWeight(Label.SPAM)).isEqualTo(1.0);
    // 41 ham + 1 and 40 spam + 1 at the end: spam (441 + 1) / (2 * 41), ham (442) / (2 * 401).
    assertThat(balanced.classWeight(Label.SPAM)).isCloseTo(442.0 / 82, within(1e-9));
    assertThat(balanced.classWeight(Label.HAM)).isCloseTo(442.0 / 802, within(1e-9));
    double[] p = scores(plain, probe);
    double[] q = scores(balanced, probe);
    double plainMean = java.util.Arrays.stream(p).average().orElseThrow();
    double balancedMean = java.util.Arrays.stream(q).average().orElseThrow();
    assertThat(balancedMean).isGreaterThan(plainMean);
    // Unlearning a message removes its weighted step exactly: the weights go back.
    Document extra = message(r, Label.SPAM, 20_000);
    double before = balanced.classify(probe.get(0)).probability();
    balanced.learn(extra, Label.SPAM);
    balanced.unlearn(extra);
    assertThat(balanced.classify(probe.get(0)).probability()).isCloseTo(before, within(1e-6));
  }
}
