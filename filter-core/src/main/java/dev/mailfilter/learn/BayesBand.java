package dev.mailfilter.learn;

/**
 * The graded symbols a model probability maps to, with SpamAssassin's names and bands (rules {@code
 * BAYES_00} to {@code BAYES_99}; SpamAssassin's {@code BAYES_999} is one more band), so that users
 * who grep for these symbols keep their habits.
 *
 * <p>The scores are ours, not SpamAssassin's: SpamAssassin's (3.5 for {@code BAYES_99}) assume its
 * required score of 5 and dozens of other rules, and under our Rspamd-style {@code add_header} of 6
 * they let the model tag almost nothing on its own (31 of 150 spam on the later-stream split). Here
 * a probability of 0.95 or more tags by itself and the bands below ramp up to it; the ham side
 * keeps SpamAssassin's negative scores. Every score is configurable ({@code checks.model.scores}).
 */
public enum BayesBand {
  BAYES_00(0.00, -1.9),
  BAYES_05(0.01, -0.5),
  BAYES_20(0.05, -0.001),
  BAYES_40(0.20, -0.001),
  BAYES_50(0.40, 1.5),
  BAYES_60(0.60, 2.5),
  BAYES_80(0.80, 4.0),
  BAYES_95(0.95, 6.0),
  BAYES_99(0.99, 7.0),
  BAYES_999(0.999, 8.0);

  private final double lowerBound;
  private final double defaultScore;

  BayesBand(double lowerBound, double defaultScore) {
    this.lowerBound = lowerBound;
    this.defaultScore = defaultScore;
  }

  /** The smallest probability in this band. */
  public double lowerBound() {
    return lowerBound;
  }

  /** The band's default score (see the class comment for how they were chosen). */
  public double defaultScore() {
    return defaultScore;
  }

  /** The band of a spam probability in [0, 1]. */
  public static BayesBand of(double probability) {
    if (!(probability >= 0 && probability <= 1)) {
      throw new IllegalArgumentException("probability must be in [0, 1]: " + probability);
    }
    BayesBand[] bands = values();
    for (int i = bands.length - 1; i > 0; i--) {
      if (probability >= bands[i].lowerBound) {
        return bands[i];
      }
    }
    return BAYES_00;
  }
}
