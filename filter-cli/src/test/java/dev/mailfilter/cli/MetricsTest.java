package dev.mailfilter.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MetricsTest {
  @Test
  void perfectSeparationHasNoAreaAboveTheCurve() {
    Metrics m = Metrics.of(new double[] {0.9, 0.8}, new double[] {0.1, 0.2, 0.3}, 0.5);
    assertThat(m.oneMinusRocaPercent()).isZero();
    assertThat(m.spamRecall()).isEqualTo(1.0);
    assertThat(m.hamFalsePositiveRate()).isZero();
  }

  @Test
  void handComputedRocWithATie() {
    // spam {0.9, 0.5, 0.2}, ham {0.5, 0.1}: pairs won: 0.9 beats both (2), 0.5 ties 0.5 (0.5) and
    // beats 0.1 (1), 0.2 beats 0.1 (1): 4.5 of 6, so 1-ROCA% = 25.
    Metrics m = Metrics.of(new double[] {0.9, 0.5, 0.2}, new double[] {0.5, 0.1}, 0.5);
    assertThat(m.oneMinusRocaPercent()).isCloseTo(25.0, within(1e-9));
    assertThat(m.spamRecall()).isCloseTo(2.0 / 3, within(1e-9));
    assertThat(m.hamFalsePositiveRate()).isEqualTo(0.5);
  }

  @Test
  void allTiedIsHalf() {
    Metrics m = Metrics.of(new double[] {0.5, 0.5}, new double[] {0.5}, 0.5);
    assertThat(m.oneMinusRocaPercent()).isCloseTo(50.0, within(1e-9));
  }

  @Test
  void recallAtFalsePositiveRateUsesTheStrictestAllowedThreshold() {
    double[] ham = new double[1000];
    for (int i = 0; i < ham.length; i++) {
      ham[i] = i / 1000.0; // 0.000 .. 0.999
    }
    double[] spam = {0.9985, 0.9995, 0.999, 0.5};
    java.util.Arrays.sort(spam);
    // 0.1% of 1000 ham: one ham (0.999) may be a false positive; spam must beat 0.998.
    assertThat(Metrics.recallAtFalsePositiveRate(spam, ham, 0.001)).isEqualTo(0.75);
    // 1%: ten hams may pass; spam must beat 0.989.
    assertThat(Metrics.recallAtFalsePositiveRate(spam, ham, 0.01)).isEqualTo(0.75);
    // 0%: spam must beat every ham (0.999): only 0.9995.
    assertThat(Metrics.recallAtFalsePositiveRate(spam, ham, 0.0)).isEqualTo(0.25);
  }

  @Test
  void aucMatchesTheQuadraticDefinitionOnRandomScores() {
    for (long seed = 1; seed <= 30; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      double[] spam = new double[1 + r.nextInt(40)];
      double[] ham = new double[1 + r.nextInt(40)];
      for (int i = 0; i < spam.length; i++) {
        spam[i] = r.nextInt(10) / 10.0; // coarse values: many ties
      }
      for (int i = 0; i < ham.length; i++) {
        ham[i] = r.nextInt(10) / 10.0;
      }
      double wins = 0;
      for (double s : spam) {
        for (double h : ham) {
          wins += s > h ? 1 : s == h ? 0.5 : 0;
        }
      }
      double expected = 100 * (1 - wins / (spam.length * (double) ham.length));
      assertThat(Metrics.of(spam, ham, 0.5).oneMinusRocaPercent())
          .as("seed " + seed)
          .isCloseTo(expected, within(1e-9));
    }
  }
}
