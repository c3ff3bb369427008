package dev.mailfilter.learn;

/**
 * The graded symbols a model probability maps to, with SpamAssassin's names, bands and default
 * scores (rules {@code BAYES_00} to {@code BAYES_99}; SpamAssassin's {@code BAYES_999}, which fires
 * together with {@code BAYES_99}, is folded in as one band scored with their sum), so that users
 * who grep for these symbols keep their habits.
 */
public enum BayesBand {
  BAYES_00(0.00, -1.9),
  BAYES_05(0.01, -0.5),
  BAYES_20(0.05, -0.001),
  BAYES_40(0.20, -0.001),
  BAYES_50(0.40, 0.8),
  BAYES_60(0.60, 1.5),
  BAYES_80(0.80, 2.0),
  BAYES_95(0.95, 3.0),
  BAYES_99(0.99, 3.5),
  BAYES_999(0.999, 3.7);

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

  /** The score SpamAssassin gives this band by default (its Bayes + network score set). */
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
