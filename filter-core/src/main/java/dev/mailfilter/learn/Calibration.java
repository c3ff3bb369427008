package dev.mailfilter.learn;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Arrays;

/**
 * The map from the model's raw margin (the log-odds its weights sum to) to the probability it
 * reports, fitted on held-back predictions and stored with the model: {@code p = 1 / (1 +
 * exp(-slope * (margin - anchor)))}, increasing in the margin.
 *
 * <p>The target: the probability is 0.5 (the default {@code model.spam_threshold}, where {@code
 * mailfilter eval} counts a message as spam, and the middle of the {@code BAYES_50} band) at the
 * {@code anchor}, the margin above which at most {@link #TARGET_FPR} of the held-back ham scored;
 * the slope is Platt's (the maximum-likelihood logistic fit of the held-back predictions, both
 * classes weighted equally), so the bands above and below spread as the held-back predictions did.
 * The raw model puts its 0.5 where the training mail's classes balance, which on mail of a later
 * stream lets spam through that the model ranks well (the gap between recall at 0.5 and at 0.1% FPR
 * in issue 13's table); the anchor puts it where the held-back ham says it can be.
 *
 * @param slope how fast the probability rises with the margin, positive
 * @param anchor the margin that maps to probability 0.5
 */
public record Calibration(double slope, double anchor) {
  /** The share of held-back ham allowed above the anchor: 0.1%. */
  public static final double TARGET_FPR = 0.001;

  public Calibration {
    checkArgument(slope > 0 && Double.isFinite(slope), "slope must be positive: %s", slope);
    checkArgument(Double.isFinite(anchor), "anchor must be finite: %s", anchor);
  }

  /** The calibrated spam probability of a raw margin. */
  public double probability(double margin) {
    return 1.0 / (1.0 + Math.exp(-slope * (margin - anchor)));
  }

  /**
   * Fits a calibration to held-back margins: the anchor at {@link #TARGET_FPR} of the ham (the
   * midpoint between the highest ham that must stay below it and the next higher one, or just above
   * the highest ham when the set is too small to allow any), the slope by maximum likelihood with
   * the classes weighted equally.
   *
   * @throws IllegalArgumentException if either class has no margin
   */
  static Calibration fit(double[] spamMargins, double[] hamMargins) {
    checkArgument(
        spamMargins.length > 0 && hamMargins.length > 0,
        "calibration needs held-back spam and ham, has %s spam and %s ham",
        spamMargins.length,
        hamMargins.length);
    double[] ham = hamMargins.clone();
    Arrays.sort(ham);
    int allowed = (int) Math.floor(TARGET_FPR * ham.length + 1e-9);
    double highestBelow = ham[ham.length - 1 - allowed];
    double anchor =
        allowed == 0
            ? Math.nextUp(highestBelow)
            : (highestBelow + ham[ham.length - allowed]) / 2; // ham above: exactly allowed
    return new Calibration(slope(spamMargins, hamMargins, anchor), anchor);
  }

  /**
   * The slope that maximises the class-balanced log-likelihood with the intercept fixed by {@code
   * anchor}: a concave function of one variable, maximised by golden-section search over the log of
   * the slope in [1e-3, 1e3].
   */
  private static double slope(double[] spam, double[] ham, double anchor) {
    double lo = Math.log(1e-3);
    double hi = Math.log(1e3);
    double phi = (Math.sqrt(5) - 1) / 2;
    double a = hi - phi * (hi - lo);
    double b = lo + phi * (hi - lo);
    double fa = logLikelihood(Math.exp(a), anchor, spam, ham);
    double fb = logLikelihood(Math.exp(b), anchor, spam, ham);
    for (int i = 0; i < 80; i++) {
      if (fa < fb) {
        lo = a;
        a = b;
        fa = fb;
        b = lo + phi * (hi - lo);
        fb = logLikelihood(Math.exp(b), anchor, spam, ham);
      } else {
        hi = b;
        b = a;
        fb = fa;
        a = hi - phi * (hi - lo);
        fa = logLikelihood(Math.exp(a), anchor, spam, ham);
      }
    }
    return Math.exp((lo + hi) / 2);
  }

  private static double logLikelihood(double slope, double anchor, double[] spam, double[] ham) {
    double s = 0;
    for (double m : spam) {
      s -= softplus(-slope * (m - anchor)); // log p
    }
    double h = 0;
    for (double m : ham) {
      h -= softplus(slope * (m - anchor)); // log (1 - p)
    }
    return s / spam.length + h / ham.length;
  }

  /** log(1 + e^x) without overflow. */
  private static double softplus(double x) {
    return x > 30 ? x : Math.log1p(Math.exp(x));
  }
}
