package dev.mailfilter.scores;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * L2-regularised logistic regression with bounds on the weights, fitted by cyclic coordinate
 * descent: each weight in turn takes a one-dimensional Newton step on the exact objective,
 * backtracked until the objective falls and clipped to the weight's bounds. The objective is
 * convex, so the result does not depend on the order of the messages, and the same input gives the
 * same weights.
 *
 * <p>Why logistic regression and not SpamAssassin's perceptron: the perceptron's result depends on
 * the order of the messages and the number of epochs, while this has one optimum; and its output is
 * a calibrated log-odds, so the threshold that gives a target false-positive rate can be read off
 * held-out predictions and the scores scaled to it. Why hand-written: the bounds (a spam sign never
 * gets a negative score, SpamAssassin's rule for rules not flagged {@code nice}) are outside what
 * LIBLINEAR and its Java port solve, and the problem is small (hundreds of sparse binary columns,
 * thousands of rows): the descent is a page of code.
 *
 * <p>Besides each weight's bounds, the sum of the weights of a group of columns can be bounded
 * (each coordinate step then keeps to the room the group's other weights leave): the model's score
 * bands are fitted as ordered steps, and their sum is how far the model can move a message.
 *
 * <p>The loss is weighted per class so that each class counts as much in total (the public corpus
 * has 500 spam against 2,750 ham) and divided by the total weight, so {@code lambda} does not
 * depend on the corpus size. The intercept is not regularised.
 */
public final class LogisticFit {
  private static final int MAX_SWEEPS = 1000;
  private static final double TOLERANCE = 1e-7;

  private LogisticFit() {}

  /**
   * A labelled sparse data set.
   *
   * @param features the number of feature columns
   * @param index per row, the columns that are non-zero (ascending, no repeats)
   * @param value per row, their values
   * @param spam per row, the label
   * @param lower per column, the smallest weight allowed ({@code -Infinity} for none)
   * @param upper per column, the largest weight allowed ({@code +Infinity} for none)
   * @param group per column, the group whose sum of weights is bounded, or -1 for none
   * @param groupLower per group, the smallest sum of its weights allowed
   * @param groupUpper per group, the largest sum of its weights allowed
   */
  public record Problem(
      int features,
      int[][] index,
      double[][] value,
      boolean[] spam,
      double[] lower,
      double[] upper,
      int[] group,
      double[] groupLower,
      double[] groupUpper) {
    public Problem {
      checkArgument(index.length == value.length && index.length == spam.length, "row counts");
      checkArgument(lower.length == features && upper.length == features, "bound counts");
      checkArgument(group.length == features, "group count");
      checkArgument(groupLower.length == groupUpper.length, "group bound counts");
      for (int j = 0; j < features; j++) {
        checkArgument(lower[j] <= 0 && upper[j] >= 0, "bounds of %s exclude 0", j);
        checkArgument(group[j] >= -1 && group[j] < groupLower.length, "bad group of %s", j);
      }
      for (int g = 0; g < groupLower.length; g++) {
        checkArgument(groupLower[g] <= 0 && groupUpper[g] >= 0, "bounds of group %s exclude 0", g);
      }
      for (int i = 0; i < index.length; i++) {
        checkArgument(index[i].length == value[i].length, "row %s: index and value lengths", i);
        for (int k = 0; k < index[i].length; k++) {
          checkArgument(index[i][k] >= 0 && index[i][k] < features, "row %s: bad column", i);
        }
      }
    }

    /** A problem without bounded groups. */
    public Problem(
        int features,
        int[][] index,
        double[][] value,
        boolean[] spam,
        double[] lower,
        double[] upper) {
      this(
          features,
          index,
          value,
          spam,
          lower,
          upper,
          noGroups(features),
          new double[0],
          new double[0]);
    }

    private static int[] noGroups(int features) {
      int[] g = new int[features];
      Arrays.fill(g, -1);
      return g;
    }

    /** The rows at the given positions. */
    Problem rows(int[] which) {
      int[][] ix = new int[which.length][];
      double[][] v = new double[which.length][];
      boolean[] s = new boolean[which.length];
      for (int k = 0; k < which.length; k++) {
        ix[k] = index[which[k]];
        v[k] = value[which[k]];
        s[k] = spam[which[k]];
      }
      return new Problem(features, ix, v, s, lower, upper, group, groupLower, groupUpper);
    }
  }

  /**
   * A fitted model: {@code logit = intercept + sum(weights[j] * x[j])}.
   *
   * @param intercept the log-odds of a row with no feature
   * @param weights per column
   */
  public record Model(double intercept, double[] weights) {
    /** The log-odds of spam of a row. */
    public double logit(int[] index, double[] value) {
      double z = intercept;
      for (int k = 0; k < index.length; k++) {
        z += weights[index[k]] * value[k];
      }
      return z;
    }
  }

  /** Fits the model with regularisation strength {@code lambda} (greater than 0). */
  public static Model fit(Problem p, double lambda) {
    checkArgument(lambda > 0 && Double.isFinite(lambda), "lambda must be > 0: %s", lambda);
    int n = p.spam().length;
    int spamCount = 0;
    for (boolean s : p.spam()) {
      spamCount += s ? 1 : 0;
    }
    checkArgument(
        spamCount > 0 && spamCount < n, "need both classes, have %s spam of %s", spamCount, n);
    // Each class weighs half of the whole, and the whole weighs 1.
    double[] c = new double[n];
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      c[i] = p.spam()[i] ? 0.5 / spamCount : 0.5 / (n - spamCount);
      y[i] = p.spam()[i] ? 1 : 0;
    }
    // Columns: the rows (and values) where each feature is non-zero.
    int[] count = new int[p.features()];
    for (int[] row : p.index()) {
      for (int j : row) {
        count[j]++;
      }
    }
    int[][] colRows = new int[p.features()][];
    double[][] colVals = new double[p.features()][];
    for (int j = 0; j < p.features(); j++) {
      colRows[j] = new int[count[j]];
      colVals[j] = new double[count[j]];
    }
    int[] fill = new int[p.features()];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < p.index()[i].length; k++) {
        int j = p.index()[i][k];
        colRows[j][fill[j]] = i;
        colVals[j][fill[j]++] = p.value()[i][k];
      }
    }
    int[] all = new int[n];
    double[] ones = new double[n];
    for (int i = 0; i < n; i++) {
      all[i] = i;
      ones[i] = 1;
    }
    double[] w = new double[p.features()];
    double[] groupSum = new double[p.groupLower().length];
    double b = 0;
    double[] z = new double[n]; // the current logit of every row
    for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
      double largest = 0;
      double step =
          coordinate(all, ones, b, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, 0, z, c, y);
      b += step;
      largest = Math.max(largest, Math.abs(step));
      for (int j = 0; j < p.features(); j++) {
        if (colRows[j].length == 0) {
          continue;
        }
        double lo = p.lower()[j];
        double hi = p.upper()[j];
        int g = p.group()[j];
        if (g >= 0) {
          // The group's sum bound leaves this weight the room the others do not use.
          double others = groupSum[g] - w[j];
          lo = Math.max(lo, p.groupLower()[g] - others);
          hi = Math.min(hi, p.groupUpper()[g] - others);
        }
        step = coordinate(colRows[j], colVals[j], w[j], lo, hi, lambda, z, c, y);
        w[j] += step;
        if (g >= 0) {
          groupSum[g] += step;
        }
        largest = Math.max(largest, Math.abs(step));
      }
      if (largest < TOLERANCE) {
        break;
      }
    }
    return new Model(b, w);
  }

  /**
   * One coordinate's move: a Newton step on its rows, backtracked until the objective falls,
   * clipped to its bounds; updates {@code z} and returns the change of the weight.
   */
  private static double coordinate(
      int[] rows,
      double[] vals,
      double w,
      double lo,
      double hi,
      double lambda,
      double[] z,
      double[] c,
      double[] y) {
    double g = lambda * w;
    double h = lambda + 1e-12;
    for (int k = 0; k < rows.length; k++) {
      int i = rows[k];
      double p = sigmoid(z[i]);
      g += c[i] * vals[k] * (p - y[i]);
      h += c[i] * vals[k] * vals[k] * p * (1 - p);
    }
    double delta = Math.clamp(w - g / h, lo, hi) - w;
    if (delta == 0) {
      return 0;
    }
    double before = columnLoss(rows, vals, 0, z, c, y) + 0.5 * lambda * w * w;
    for (int tries = 0; tries < 30; tries++) {
      double nw = w + delta;
      double after = columnLoss(rows, vals, delta, z, c, y) + 0.5 * lambda * nw * nw;
      if (after <= before) {
        for (int k = 0; k < rows.length; k++) {
          z[rows[k]] += delta * vals[k];
        }
        return delta;
      }
      delta /= 2;
    }
    return 0;
  }

  /** The weighted loss of the given rows with their logits moved by {@code delta * value}. */
  private static double columnLoss(
      int[] rows, double[] vals, double delta, double[] z, double[] c, double[] y) {
    double loss = 0;
    for (int k = 0; k < rows.length; k++) {
      int i = rows[k];
      double zi = z[i] + delta * vals[k];
      // log(1 + exp(-zi)) for spam, log(1 + exp(zi)) for ham, without overflow.
      double m = y[i] == 1 ? -zi : zi;
      loss += c[i] * (m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m)));
    }
    return loss;
  }

  static double sigmoid(double z) {
    return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
  }

  /**
   * Out-of-fold log-odds: the rows split into {@code k} folds by a seeded shuffle of each class,
   * and each fold's rows scored by a model fitted on the other folds.
   */
  public static double[] outOfFold(Problem p, double lambda, int k, long seed) {
    int n = p.spam().length;
    checkArgument(k >= 2 && k <= n, "folds must be in [2, %s]: %s", n, k);
    int[] fold = new int[n];
    for (boolean label : new boolean[] {true, false}) {
      List<Integer> rows = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        if (p.spam()[i] == label) {
          rows.add(i);
        }
      }
      java.util.Collections.shuffle(rows, new Random(seed));
      for (int r = 0; r < rows.size(); r++) {
        fold[rows.get(r)] = r % k;
      }
    }
    double[] out = new double[n];
    for (int f = 0; f < k; f++) {
      final int ff = f;
      int[] train = java.util.stream.IntStream.range(0, n).filter(i -> fold[i] != ff).toArray();
      int[] test = java.util.stream.IntStream.range(0, n).filter(i -> fold[i] == ff).toArray();
      Model m = fit(p.rows(train), lambda);
      for (int i : test) {
        out[i] = m.logit(p.index()[i], p.value()[i]);
      }
    }
    return out;
  }

  /**
   * The smallest log-odds threshold that flags at most {@code fpRate} of the ham among {@code
   * logits} (a ham is flagged when its log-odds is at or above the threshold): just above the
   * highest ham that must not be flagged, and never below {@code floor}.
   */
  public static double thresholdForFalsePositiveRate(
      double[] logits, boolean[] spam, double fpRate, double floor) {
    double[] ham =
        java.util.stream.IntStream.range(0, logits.length)
            .filter(i -> !spam[i])
            .mapToDouble(i -> logits[i])
            .sorted()
            .toArray();
    checkArgument(ham.length > 0, "no ham to set a threshold with");
    int allowed = (int) Math.floor(fpRate * ham.length + 1e-9);
    if (allowed >= ham.length) {
      return floor;
    }
    double bar = ham[ham.length - 1 - allowed];
    return Math.max(floor, Math.nextUp(bar));
  }

  /**
   * The log-odds threshold at which about {@code fpRate} of ham would score at or above it,
   * estimated from the ham's upper tail rather than read off one ham: the highest {@code k} ham (1%
   * of them, at least 10) are taken as an exponential tail above the next one, {@code u}, with the
   * mean excess {@code beta} (peaks over threshold), so the threshold is {@code u + beta * ln(k /
   * (n * fpRate))}; never below {@code floor}.
   *
   * <p>Why: with 2,000 ham and a target of 0.1%, {@link #thresholdForFalsePositiveRate} is set by
   * the second-highest ham alone, and one odd message (a newsletter that reads like spam) moves it
   * by a log-odds unit or more. The tail fit uses the top 1% of ham, so one message moves it
   * little; it estimates the same quantile, and where the tail is as long as the fit assumes it
   * flags the same share.
   *
   * @throws IllegalArgumentException if {@code fpRate} is not in (0, 0.01) or there are fewer than
   *     {@code 11} ham (too few to have a tail)
   */
  public static double tailThresholdForFalsePositiveRate(
      double[] logits, boolean[] spam, double fpRate, double floor) {
    checkArgument(fpRate > 0 && fpRate < 0.01, "fpRate must be in (0, 0.01): %s", fpRate);
    double[] ham =
        java.util.stream.IntStream.range(0, logits.length)
            .filter(i -> !spam[i])
            .mapToDouble(i -> logits[i])
            .sorted()
            .toArray();
    int n = ham.length;
    checkArgument(n > TAIL_MIN, "need more than %s ham to fit a tail, have %s", TAIL_MIN, n);
    int k = Math.min(n - 1, Math.max(TAIL_MIN, (int) Math.round(0.01 * n)));
    double u = ham[n - 1 - k];
    double excess = 0;
    for (int i = n - k; i < n; i++) {
      excess += ham[i] - u;
    }
    double beta = excess / k;
    double t = u + beta * Math.log(k / (n * fpRate));
    return Math.max(floor, t);
  }

  /** The fewest ham in the tail that {@link #tailThresholdForFalsePositiveRate} fits. */
  private static final int TAIL_MIN = 10;

  /** For tests: the weights as a string. */
  static String describe(Model m) {
    return m.intercept() + " " + Arrays.toString(m.weights());
  }
}
