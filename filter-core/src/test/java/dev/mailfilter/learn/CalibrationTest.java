package dev.mailfilter.learn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CalibrationTest {
  @TempDir Path dir;

  @Test
  void anchorLetsAtMostTheTargetShareOfHeldBackHamThroughAndTheMapIsMonotone() {
    SplittableRandom r = new SplittableRandom(11);
    double[] ham = new double[4000];
    double[] spam = new double[700];
    for (int i = 0; i < ham.length; i++) {
      ham[i] = r.nextDouble(-8, 1);
    }
    for (int i = 0; i < spam.length; i++) {
      spam[i] = r.nextDouble(-1, 8);
    }
    Calibration c = Calibration.fit(spam, ham);
    long above = Arrays.stream(ham).filter(m -> c.probability(m) >= 0.5).count();
    assertThat(above).isEqualTo(4); // floor(0.1% of 4000)
    assertThat(c.probability(c.anchor())).isEqualTo(0.5);
    double previous = 0;
    for (double m = -20; m <= 20; m += 0.01) {
      double p = c.probability(m);
      assertThat(p).isBetween(0.0, 1.0).isGreaterThanOrEqualTo(previous);
      previous = p;
    }
    assertThat(c.slope()).isPositive();
  }

  @Test
  void withTooFewHamForAnyAllowanceTheAnchorIsAboveTheHighestHam() {
    Calibration c = Calibration.fit(new double[] {1, 2, 3}, new double[] {-2, -1, 0.5});
    assertThat(c.probability(0.5)).isLessThan(0.5);
    assertThat(c.probability(Math.nextUp(0.5))).isGreaterThanOrEqualTo(0.5);
  }

  @Test
  void refusesEmptyClassesAndBadParameters() {
    assertThatThrownBy(() -> Calibration.fit(new double[0], new double[] {1}))
        .hasMessageContaining("0 spam");
    assertThatThrownBy(() -> new Calibration(0, 1)).hasMessageContaining("slope");
    assertThatThrownBy(() -> new Calibration(1, Double.NaN)).hasMessageContaining("anchor");
  }

  @Test
  void aFittedCalibrationIsStoredWithTheModelAndKeepsItsRanking() throws Exception {
    SplittableRandom r = new SplittableRandom(5);
    List<Document> spam = new ArrayList<>();
    List<Document> ham = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      spam.add(SpamModelTest.message(r, Label.SPAM, i));
    }
    for (int i = 0; i < 240; i++) {
      ham.add(SpamModelTest.message(r, Label.HAM, i));
    }
    Path file = dir.resolve("calibrated.model");
    ModelSettings settings =
        ModelSettings.builder().path(file).hashBits(14).minTraining(0, 0).build();
    List<Document> probe = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      probe.add(SpamModelTest.message(r, i % 2 == 0 ? Label.SPAM : Label.HAM, 1000 + i));
    }
    double[] raw;
    double[] calibrated;
    Calibration fitted;
    try (SpamModel m = SpamModel.open(settings)) {
      for (int i = 0; i < 240; i++) {
        if (i < 60) {
          m.learn(spam.get(i), Label.SPAM);
        }
        m.learn(ham.get(i), Label.HAM);
      }
      raw = probe.stream().mapToDouble(d -> m.classify(d).probability()).toArray();
      fitted = m.calibrate(spam, ham, 4, 2, 9);
      assertThat(m.calibration()).contains(fitted);
      calibrated = probe.stream().mapToDouble(d -> m.classify(d).probability()).toArray();
      m.commit();
    }
    assertThat(calibrated).isNotEqualTo(raw);
    for (int i = 0; i < raw.length; i++) {
      for (int j = 0; j < raw.length; j++) {
        if (raw[i] < raw[j]) {
          assertThat(calibrated[i])
              .as("order of %d and %d", i, j)
              .isLessThanOrEqualTo(calibrated[j]);
        }
      }
    }
    try (SpamModel again = SpamModel.open(settings)) {
      assertThat(again.calibration()).contains(fitted);
      assertThat(probe.stream().mapToDouble(d -> again.classify(d).probability()).toArray())
          .containsExactly(calibrated);
    }
  }

  @Test
  void calibrationIsDeterministicForASeed() throws Exception {
    SplittableRandom r = new SplittableRandom(8);
    List<Document> spam = new ArrayList<>();
    List<Document> ham = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      spam.add(SpamModelTest.message(r, Label.SPAM, i));
      ham.add(SpamModelTest.message(r, Label.HAM, i));
    }
    ModelSettings settings = ModelSettings.builder().hashBits(12).minTraining(0, 0).build();
    try (SpamModel a = SpamModel.open(settings);
        SpamModel b = SpamModel.open(settings)) {
      assertThat(a.calibrate(spam, ham, 5, 1, 3)).isEqualTo(b.calibrate(spam, ham, 5, 1, 3));
      assertThatThrownBy(() -> a.calibrate(spam.subList(0, 2), ham, 5, 1, 3))
          .hasMessageContaining("needs at least 5 spam");
    }
  }
}
