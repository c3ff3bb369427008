package dev.mailfilter.cli;

import java.util.Arrays;

/**
 * Accuracy figures of a spam filter from labelled scores, computed the way the TREC spam track
 * reports them: 1-ROCA% is the area above the ROC curve times 100, computed exactly from the ranks
 * of the scores (the Mann-Whitney statistic, ties counted as half), so no curve is interpolated.
 */
record Metrics(
    int spam,
    int ham,
    double threshold,
    double spamRecall,
    double hamFalsePositiveRate,
    double oneMinusRocaPercent,
    double recallAtOnePerMilleFp,
    double recallAtOnePercentFp) {

  static Metrics of(double[] spamScores, double[] hamScores, double threshold) {
    if (spamScores.length == 0 || hamScores.length == 0) {
      throw new IllegalArgumentException(
          "need both spam and ham scores, have "
              + spamScores.length
              + " spam and "
              + hamScores.length
              + " ham");
    }
    double[] s = spamScores.clone();
    double[] h = hamScores.clone();
    Arrays.sort(s);
    Arrays.sort(h);
    long caught = Arrays.stream(s).filter(x -> x >= threshold).count();
    long falsePositives = Arrays.stream(h).filter(x -> x >= threshold).count();
    return new Metrics(
        s.length,
        h.length,
        threshold,
        (double) caught / s.length,
        (double) falsePositives / h.length,
        100.0 * (1.0 - auc(s, h)),
        recallAtFalsePositiveRate(s, h, 0.001),
        recallAtFalsePositiveRate(s, h, 0.01));
  }

  /**
   * The probability that a random spam scores above a random ham, ties counting half. Both arrays
   * sorted ascending.
   */
  static double auc(double[] spam, double[] ham) {
    double wins = 0;
    int lo = 0; // hams strictly below the current spam score
    int hi = 0; // hams at or below it
    for (double x : spam) {
      while (lo < ham.length && ham[lo] < x) {
        lo++;
      }
      hi = Math.max(hi, lo);
      while (hi < ham.length && ham[hi] <= x) {
        hi++;
      }
      wins += lo + 0.5 * (hi - lo);
    }
    return wins / ((double) spam.length * ham.length);
  }

  /**
   * The share of spam caught by the strictest threshold that lets at most {@code fpRate} of the ham
   * through as spam: spam must score strictly above the highest ham that is not allowed to be a
   * false positive. Both arrays sorted ascending.
   */
  static double recallAtFalsePositiveRate(double[] spam, double[] ham, double fpRate) {
    int allowed = (int) Math.floor(fpRate * ham.length + 1e-9);
    if (allowed >= ham.length) {
      return 1.0;
    }
    double bar = ham[ham.length - 1 - allowed];
    int idx = Arrays.binarySearch(spam, bar);
    // First index with spam[i] > bar.
    int i = idx >= 0 ? idx : -idx - 1;
    while (i < spam.length && spam[i] <= bar) {
      i++;
    }
    return (double) (spam.length - i) / spam.length;
  }

  String render() {
    return String.format(
        java.util.Locale.ROOT,
        "messages        %d spam, %d ham%n"
            + "threshold       %.4g%n"
            + "spam recall     %.2f%% (at the threshold)%n"
            + "ham FP rate     %.3f%% (%d of %d)%n"
            + "1-ROCA%%         %.4f%n"
            + "recall@0.1%%FP   %.2f%%%n"
            + "recall@1%%FP     %.2f%%%n",
        spam,
        ham,
        threshold,
        100 * spamRecall,
        100 * hamFalsePositiveRate,
        Math.round(hamFalsePositiveRate * ham),
        ham,
        oneMinusRocaPercent,
        100 * recallAtOnePerMilleFp,
        100 * recallAtOnePercentFp);
  }
}
