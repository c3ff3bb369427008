package dev.mailfilter.cli;

import dev.mailfilter.BuiltIns;
import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Action;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.learn.BayesBand;
import dev.mailfilter.learn.Label;
import dev.mailfilter.learn.ModelCheck;
import dev.mailfilter.learn.ModelSettings;
import dev.mailfilter.learn.SpamModel;
import dev.mailfilter.scores.LogisticFit;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.CheckSettings;
import dev.mailfilter.spi.SymbolDef;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

/**
 * Learned scores (issue 13, part 2): the symbols of every message computed once by the real filter,
 * then the weights fitted to them.
 *
 * <p>The hit matrix: each message goes through a {@link MailFilter} whose checks are the
 * configuration's with every symbol scored 1, so a symbol's score in the verdict is its feature (1
 * for a hit, the weight of a weighted symbol, the count of a SpamAssassin rule hit several times).
 * The model's {@code BAYES_*} symbols come from a filter with only the model check, over a model
 * that did not learn the message: for the training part, out-of-fold (k models, each trained on the
 * other folds), for the test part, the model trained on the whole training part. A model that
 * scored its own training mail would be overconfident and its bands would get weights it does not
 * earn on new mail.
 */
final class ScoreFitting {
  /** Symbols hit by fewer training messages keep their hand-set scores: too little to fit. */
  static final int MIN_HITS = 5;

  /**
   * The regularisation grid. It reaches down to 1e-6 because on the shared corpus the choice sat at
   * the old grid's lowest value (1e-4) in all four shipped fits: a grid that stops there cannot
   * tell whether less shrinkage fits better.
   */
  static final double[] LAMBDAS = {1e-6, 3e-6, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2};

  /**
   * How far, in log-odds, the model's bands below the neutral one may lower a message at most,
   * chosen with the penalty by out-of-fold log-loss (infinite: no bound). Without a bound a model
   * sure of ham took 31-36 points off (docs/performance.md), more than any stack of rules adds.
   */
  static final double[] BAND_CAPS = {Double.POSITIVE_INFINITY, 8, 4, 2};

  private static final Envelope ENVELOPE =
      Envelope.of(InetAddress.getLoopbackAddress(), "", "", List.of());

  private static final String VERDICT_LOG_LEVEL =
      "org.slf4j.simpleLogger.log.dev.mailfilter.verdict";

  private ScoreFitting() {}

  /** What the checks of a configuration declare: hand-set score per symbol, and the model's. */
  record Symbols(Map<String, Double> hand, Set<String> model) {}

  /**
   * The configuration's enabled checks other than the model, and the model check's symbols (a model
   * check over an empty model declares the same symbols as the configured one).
   */
  static Symbols symbols(FilterConfig config) {
    Map<String, Double> hand = new TreeMap<>();
    Set<String> model = new TreeSet<>();
    for (CheckSettings c : config.checks()) {
      if (!c.check().name().equals("model")) {
        for (SymbolDef d : c.check().symbols()) {
          hand.put(d.name(), d.score());
        }
      }
    }
    try (SpamModel empty = SpamModel.open(inMemory(ModelSettings.defaults()))) {
      for (SymbolDef d : ModelCheck.over(empty).symbols()) {
        hand.put(d.name(), d.score());
        model.add(d.name());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Symbols(hand, model);
  }

  static ModelSettings inMemory(ModelSettings configured) {
    return configured.toBuilder().path(null).minTraining(0, 0).build();
  }

  /** A configuration without any check, for filters made of checks added in code. */
  private static FilterConfig noChecks() {
    FilterConfig.Builder b = FilterConfig.builder();
    for (String name : BuiltIns.checks().names()) {
      b.set("checks." + name + ".enabled", false);
    }
    b.set("spamassassin.paths", List.of());
    b.set("scores.learned", false);
    return b.build();
  }

  private static CheckSettings unitScores(CheckSettings c) {
    Map<String, Double> ones = new HashMap<>();
    for (String s : c.scores().keySet()) {
      ones.put(s, 1.0);
    }
    return new CheckSettings(c.check(), ones, c.timeout());
  }

  /** The symbols of the configuration's checks but the model, per message, every score 1. */
  static List<Map<String, Double>> ruleHits(
      FilterConfig config, List<Corpus.Sample> samples, int threads) {
    MailFilter.Builder b = MailFilter.builder().config(noChecks());
    Set<String> declared = new TreeSet<>();
    for (CheckSettings c : config.checks()) {
      if (!c.check().name().equals("model")) {
        b.addCheck(unitScores(c));
        declared.addAll(c.scores().keySet());
      }
    }
    try (MailFilter filter = b.build()) {
      return hits(filter, samples, declared, threads);
    }
  }

  /** The model's symbols per message from a filter with only a check over {@code model}. */
  static List<Map<String, Double>> modelHits(
      SpamModel model, List<Corpus.Sample> samples, int threads) {
    Check check = ModelCheck.over(model);
    CheckSettings settings = unitScores(CheckSettings.withDefaults(check));
    try (MailFilter filter = MailFilter.builder().config(noChecks()).addCheck(settings).build()) {
      return hits(filter, samples, settings.scores().keySet(), threads);
    }
  }

  private static List<Map<String, Double>> hits(
      MailFilter filter, List<Corpus.Sample> samples, Set<String> declared, int threads) {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Map<String, Double>>> futures = new ArrayList<>();
      for (Corpus.Sample s : samples) {
        futures.add(
            pool.submit(
                () -> {
                  Verdict v = filter.classify(s.bytes(), ENVELOPE);
                  Map<String, Double> row = new HashMap<>();
                  for (Symbol sym : v.symbols()) {
                    // CHECK_FAILED_* and the like are the engine's, not features.
                    if (declared.contains(sym.name()) && sym.score() != 0) {
                      row.put(sym.name(), sym.score());
                    }
                  }
                  return row;
                }));
      }
      List<Map<String, Double>> out = new ArrayList<>(samples.size());
      for (Future<Map<String, Double>> f : futures) {
        out.add(f.get());
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("classifying failed: " + e.getCause(), e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * A model trained in memory as {@code eval} trains one: a pass in order, then reshuffled ones.
   */
  static SpamModel train(ModelSettings settings, List<Corpus.Sample> train, int passes, long seed)
      throws IOException {
    SpamModel model = SpamModel.open(inMemory(settings));
    List<Corpus.Sample> order = new ArrayList<>(train);
    Collections.shuffle(order, new Random(seed));
    for (Corpus.Sample s : order) {
      model.learn(s.doc(), s.label());
    }
    Random r = new Random(seed);
    for (int pass = 1; pass < passes; pass++) {
      Collections.shuffle(order, r);
      for (Corpus.Sample s : order) {
        model.reinforce(s.doc(), s.label());
      }
    }
    return model;
  }

  /**
   * The model's symbols for every training message from a model that did not learn it: {@code
   * folds} models, each trained on the other folds (a seeded split of each class).
   */
  static List<Map<String, Double>> outOfFoldModelHits(
      ModelSettings settings,
      List<Corpus.Sample> train,
      int folds,
      int passes,
      long seed,
      int threads)
      throws IOException {
    List<Map<String, Double>> out = new ArrayList<>(Collections.nCopies(train.size(), Map.of()));
    int[] fold = new int[train.size()];
    for (Label label : Label.values()) {
      List<Integer> idx = new ArrayList<>();
      for (int i = 0; i < train.size(); i++) {
        if (train.get(i).label() == label) {
          idx.add(i);
        }
      }
      Collections.shuffle(idx, new Random(seed));
      for (int k = 0; k < idx.size(); k++) {
        fold[idx.get(k)] = k % folds;
      }
    }
    for (int f = 0; f < folds; f++) {
      List<Corpus.Sample> learn = new ArrayList<>();
      List<Integer> held = new ArrayList<>();
      for (int i = 0; i < train.size(); i++) {
        if (fold[i] == f) {
          held.add(i);
        } else {
          learn.add(train.get(i));
        }
      }
      try (SpamModel model = train(settings, learn, passes, seed + f)) {
        List<Corpus.Sample> scored = held.stream().map(train::get).toList();
        List<Map<String, Double>> rows = modelHits(model, scored, threads);
        for (int k = 0; k < held.size(); k++) {
          out.set(held.get(k), rows.get(k));
        }
      }
    }
    return out;
  }

  /** Rows of the rule hits and the model hits side by side. */
  static List<Map<String, Double>> merge(
      List<Map<String, Double>> rules, List<Map<String, Double>> model) {
    List<Map<String, Double>> out = new ArrayList<>(rules.size());
    for (int i = 0; i < rules.size(); i++) {
      Map<String, Double> row = new HashMap<>(rules.get(i));
      row.putAll(model.get(i));
      out.add(row);
    }
    return out;
  }

  /**
   * Fitted scores.
   *
   * @param scores the learned score of every fitted symbol, in name order
   * @param lambda the regularisation chosen by out-of-fold log-loss
   * @param bandCap the bound on how far below the neutral band the model's lowest band may lower
   *     the log-odds, chosen with {@code lambda} (infinite: none, or no model in the fit)
   * @param intercept the model's log-odds of a message without any fitted symbol
   * @param thresholdLogit the log-odds that {@code addHeader} stands for
   * @param scale score points per unit of log-odds
   * @param oofFalsePositives out-of-fold ham at or above the threshold, of {@code oofHam}
   */
  record Fitted(
      Map<String, Double> scores,
      double lambda,
      double bandCap,
      double intercept,
      double thresholdLogit,
      double scale,
      int oofFalsePositives,
      int oofHam,
      int oofSpamCaught,
      int oofSpam) {}

  /**
   * Fits scores to the training rows: L2 logistic regression over the symbols hit at least {@link
   * #MIN_HITS} times whose hand-set score is not 0, each weight keeping the sign of its hand-set
   * score (a spam sign never lowers a score, a ham sign never raises it), the regularisation chosen
   * among {@link #LAMBDAS} by out-of-fold log-loss; the model's {@code bands} fitted as an ordered
   * ladder ({@link Bands}: their scores keep the bands' order) whose reach below the neutral band
   * is bounded by one of {@link #BAND_CAPS}, chosen with the penalty; then scaled so that {@code
   * addHeader} sits at the log-odds where about {@code fpTarget} of the training ham would be
   * flagged, estimated from the upper tail of the final fit's ham log-odds ({@link
   * LogisticFit#tailThresholdForFalsePositiveRate}; never below even odds). {@code bands} are the
   * model's symbols, one of which every message has when the model is in the fit (else empty).
   */
  static Fitted fit(
      List<Map<String, Double>> rows,
      boolean[] spam,
      Map<String, Double> hand,
      Set<String> bands,
      double addHeader,
      double fpTarget,
      int folds,
      long seed) {
    Map<String, Integer> hitCount = new TreeMap<>();
    for (Map<String, Double> row : rows) {
      for (String s : row.keySet()) {
        if (hand.containsKey(s)) {
          hitCount.merge(s, 1, Integer::sum);
        }
      }
    }
    Bands ladder = Bands.of(bands, hand, rows);
    List<String> columns = new ArrayList<>();
    for (Map.Entry<String, Integer> e : hitCount.entrySet()) {
      // A symbol scored 0 by hand is information, not evidence (MIME_BARE_LF says a stored
      // message has Unix line ends, as the whole corpus has): it stays at 0. The model's bands
      // are fitted as the ladder's steps instead.
      if (e.getValue() >= MIN_HITS
          && hand.get(e.getKey()) != 0
          && (ladder == null || !bands.contains(e.getKey()))) {
        columns.add(e.getKey());
      }
    }
    int firstStep = columns.size();
    if (ladder != null) {
      columns.addAll(ladder.fittedSteps());
    }
    Map<String, Integer> col = new HashMap<>();
    for (int j = 0; j < columns.size(); j++) {
      col.put(columns.get(j), j);
    }
    double[] lower = new double[columns.size()];
    double[] upper = new double[columns.size()];
    int[] group = new int[columns.size()];
    for (int j = 0; j < columns.size(); j++) {
      group[j] = -1;
      if (j >= firstStep) {
        boolean down = ladder.isDown(columns.get(j));
        lower[j] = down ? Double.NEGATIVE_INFINITY : 0;
        upper[j] = down ? 0 : Double.POSITIVE_INFINITY;
        group[j] = down ? 0 : -1;
        continue;
      }
      double h = hand.get(columns.get(j));
      lower[j] = h > 0 ? 0 : Double.NEGATIVE_INFINITY;
      upper[j] = h < 0 ? 0 : Double.POSITIVE_INFINITY;
    }
    int[][] index = new int[rows.size()][];
    double[][] value = new double[rows.size()][];
    for (int i = 0; i < rows.size(); i++) {
      TreeMap<Integer, Double> r = new TreeMap<>();
      for (Map.Entry<String, Double> e : rows.get(i).entrySet()) {
        Integer j = col.get(e.getKey());
        if (j != null) {
          r.put(j, e.getValue());
        }
        if (ladder != null && bands.contains(e.getKey())) {
          for (String step : ladder.stepsOf(e.getKey())) {
            Integer k = col.get(step);
            if (k != null) {
              r.put(k, e.getValue());
            }
          }
        }
      }
      index[i] = r.keySet().stream().mapToInt(Integer::intValue).toArray();
      value[i] = r.values().stream().mapToDouble(Double::doubleValue).toArray();
    }
    double bestLambda = LAMBDAS[0];
    double bestCap = Double.POSITIVE_INFINITY;
    double bestLoss = Double.POSITIVE_INFINITY;
    double[] bestOof = null;
    LogisticFit.Problem problem = null;
    for (double cap : ladder == null ? new double[] {Double.POSITIVE_INFINITY} : BAND_CAPS) {
      LogisticFit.Problem p =
          ladder == null
              ? new LogisticFit.Problem(columns.size(), index, value, spam, lower, upper)
              : new LogisticFit.Problem(
                  columns.size(),
                  index,
                  value,
                  spam,
                  lower,
                  upper,
                  group,
                  new double[] {-cap},
                  new double[] {0});
      for (double lambda : LAMBDAS) {
        double[] oof = LogisticFit.outOfFold(p, lambda, folds, seed);
        double loss = logLoss(oof, spam);
        if (loss < bestLoss) {
          bestLoss = loss;
          bestLambda = lambda;
          bestCap = cap;
          bestOof = oof;
          problem = p;
        }
      }
    }
    LogisticFit.Model model = LogisticFit.fit(problem, bestLambda);
    // The threshold from the final weights' log-odds of the training rows (their BAYES_* bands
    // already out-of-fold), its 0.1% point estimated from the ham's upper tail: read off the
    // out-of-fold log-odds of five refits instead, one hard_ham that a refit without it scores high
    // set the threshold, and the whole filter caught 2-14 points less spam than the model alone
    // on three time splits (docs/performance.md, "Accuracy: learned scores and the whole filter").
    // With fewer ham than 1 / fpTarget the tail fit would extrapolate past the data, and the final
    // weights of a small corpus separate its rows; then the old rule: just above the highest
    // out-of-fold ham that must not be flagged.
    int hamCount = 0;
    for (boolean b : spam) {
      hamCount += b ? 0 : 1;
    }
    double threshold = Double.NaN;
    if (hamCount * fpTarget >= 1 && fpTarget < 0.01) {
      double[] fitted = new double[spam.length];
      for (int i = 0; i < spam.length; i++) {
        fitted[i] = model.logit(index[i], value[i]);
      }
      threshold = LogisticFit.tailThresholdForFalsePositiveRate(fitted, spam, fpTarget, 0.0);
    }
    if (!(threshold > model.intercept())) {
      threshold = LogisticFit.thresholdForFalsePositiveRate(bestOof, spam, fpTarget, 0.0);
    }
    // Every row with one of the model's bands: the intercept and the bands' common level are one
    // quantity, split between them only by the penalty, and the intercept stands for no message
    // that occurs. If it came out at or above the threshold (a small corpus), move part of it into
    // the bands, the unfitted ones too (their weight in the fit was the intercept's 0): every
    // logit stays the same, and a ham band must stay at or below 0, so at most that far.
    double intercept = model.intercept();
    double[] weights = model.weights().clone();
    // The bands' weights in log-odds: the sums of the ladder's steps up to each.
    Map<String, Double> bandWeights = new TreeMap<>();
    if (ladder != null) {
      for (String b : ladder.order()) {
        double w = 0;
        for (String step : ladder.stepsOf(b)) {
          Integer j = col.get(step);
          w += j == null ? 0 : weights[j];
        }
        bandWeights.put(b, w);
      }
    }
    if (!(threshold > intercept) && ladder != null && everyRowHasOne(rows, bands)) {
      double room = Double.POSITIVE_INFINITY;
      for (String b : bands) {
        if (hand.get(b) < 0) {
          room = Math.min(room, -bandWeights.get(b));
        }
      }
      double needed = intercept - threshold;
      if (room > needed) {
        double shift = Double.isInfinite(room) ? needed + 1 : (needed + room) / 2;
        intercept -= shift;
        bandWeights.replaceAll((b, w) -> w + shift);
      }
    }
    if (!(threshold > intercept)) {
      throw new IllegalArgumentException(
          "cannot place the threshold: a message without any symbol would already score as spam"
              + " (intercept "
              + model.intercept()
              + " >= threshold log-odds "
              + threshold
              + "); the corpus has too few ham or too little of the checks' evidence");
    }
    double scale = addHeader / (threshold - intercept);
    Map<String, Double> named = new TreeMap<>();
    for (int j = 0; j < firstStep; j++) {
      named.put(columns.get(j), Math.round(scale * weights[j] * 1000) / 1000.0);
    }
    bandWeights.forEach((b, w) -> named.put(b, Math.round(scale * w * 1000) / 1000.0));
    Map<String, Double> scores = new LinkedHashMap<>(named);
    int fp = 0;
    int ham = 0;
    int caught = 0;
    int spamCount = 0;
    for (int i = 0; i < spam.length; i++) {
      if (spam[i]) {
        spamCount++;
        caught += bestOof[i] >= threshold ? 1 : 0;
      } else {
        ham++;
        fp += bestOof[i] >= threshold ? 1 : 0;
      }
    }
    return new Fitted(
        scores, bestLambda, bestCap, intercept, threshold, scale, fp, ham, caught, spamCount);
  }

  /**
   * The model's bands as an ordered ladder: {@code neutral} is the lowest band whose hand-set score
   * is not negative and weighs 0 (the intercept stands for it); each band below it is one
   * non-positive step down from the band above ("at most this band"), each band above one
   * non-negative step up ("at least this band"), so the fitted scores keep the bands' order
   * whatever the data. A band's weight is the sum of the steps from the neutral band to it.
   *
   * @param order the bands from the lowest probability to the highest
   * @param neutral the position of the neutral band in {@code order}
   * @param stepHits per step name, the training rows it covers
   */
  record Bands(List<String> order, int neutral, Map<String, Integer> stepHits) {
    static Bands of(Set<String> bands, Map<String, Double> hand, List<Map<String, Double>> rows) {
      if (bands.isEmpty()) {
        return null;
      }
      List<String> order = new ArrayList<>(bands);
      order.sort(java.util.Comparator.comparingDouble(Bands::probability));
      int neutral = 0;
      while (neutral < order.size() - 1 && hand.getOrDefault(order.get(neutral), 0.0) < 0) {
        neutral++;
      }
      Bands ladder = new Bands(order, neutral, new HashMap<>());
      for (Map<String, Double> row : rows) {
        for (String s : row.keySet()) {
          if (bands.contains(s)) {
            for (String step : ladder.stepsOf(s)) {
              ladder.stepHits.merge(step, 1, Integer::sum);
            }
          }
        }
      }
      return ladder;
    }

    /** The band's place in the model's order ({@link BayesBand}, lowest probability first). */
    private static double probability(String band) {
      try {
        return BayesBand.valueOf(band).lowerBound();
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("not a band of the model: " + band, e);
      }
    }

    private static String step(String band, boolean down) {
      return (down ? "<=" : ">=") + band;
    }

    boolean isDown(String step) {
      return step.startsWith("<=");
    }

    /** The steps between the neutral band and {@code band}: their sum is its weight. */
    List<String> stepsOf(String band) {
      int k = order.indexOf(band);
      List<String> out = new ArrayList<>();
      for (int j = k; j < neutral; j++) {
        out.add(step(order.get(j), true));
      }
      for (int j = neutral + 1; j <= k; j++) {
        out.add(step(order.get(j), false));
      }
      return out;
    }

    /** The steps that cover at least {@link #MIN_HITS} training rows, from the lowest band up. */
    List<String> fittedSteps() {
      List<String> out = new ArrayList<>();
      for (int k = 0; k < order.size(); k++) {
        if (k != neutral) {
          String s = step(order.get(k), k < neutral);
          if (stepHits.getOrDefault(s, 0) >= MIN_HITS) {
            out.add(s);
          }
        }
      }
      return out;
    }
  }

  private static boolean everyRowHasOne(List<Map<String, Double>> rows, Set<String> symbols) {
    if (symbols.isEmpty()) {
      return false;
    }
    for (Map<String, Double> row : rows) {
      if (row.keySet().stream().filter(symbols::contains).count() != 1) {
        return false;
      }
    }
    return true;
  }

  private static double logLoss(double[] logits, boolean[] spam) {
    int s = 0;
    for (boolean b : spam) {
      s += b ? 1 : 0;
    }
    double loss = 0;
    for (int i = 0; i < logits.length; i++) {
      double m = spam[i] ? -logits[i] : logits[i];
      double l = m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m));
      loss += l * (spam[i] ? 0.5 / s : 0.5 / (spam.length - s));
    }
    return loss;
  }

  /** A message's score: each symbol's feature times its score in {@code scores}, else 0. */
  static double score(Map<String, Double> row, Map<String, Double> scores) {
    double sum = 0;
    for (Map.Entry<String, Double> e : row.entrySet()) {
      sum += e.getValue() * scores.getOrDefault(e.getKey(), 0.0);
    }
    return sum;
  }

  /** The hand-set scores with the learned ones laid over them, as the configuration lays them. */
  static Map<String, Double> over(Map<String, Double> hand, Map<String, Double> learned) {
    Map<String, Double> out = new HashMap<>(hand);
    out.putAll(learned);
    return out;
  }

  /** The add_header threshold of a configuration (the lowest spam threshold if it has none). */
  static double addHeader(FilterConfig config) {
    return config.thresholds().threshold(Action.ADD_HEADER).orElse(config.thresholds().required());
  }

  /** The rows' labels. */
  static boolean[] labels(List<Corpus.Sample> samples) {
    boolean[] out = new boolean[samples.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = samples.get(i).label() == Label.SPAM;
    }
    return out;
  }

  /** Rows without the given symbols (the rules alone: the model's bands left out). */
  static List<Map<String, Double>> without(List<Map<String, Double>> rows, Set<String> symbols) {
    List<Map<String, Double>> out = new ArrayList<>(rows.size());
    for (Map<String, Double> r : rows) {
      Map<String, Double> m = new HashMap<>(r);
      m.keySet().removeAll(symbols);
      out.add(m);
    }
    return out;
  }

  /**
   * The four rows of the comparison on the test part, and the fit they came from: the last row is
   * the rules with the model when the configuration runs the model check, else the rules alone.
   */
  record Comparison(
      Metrics modelAlone,
      Metrics rulesHand,
      Metrics bothHand,
      Metrics learned,
      boolean withModel,
      Fitted fitted,
      int trainSize,
      int testSize) {
    String render() {
      StringBuilder sb = new StringBuilder();
      sb.append(
          String.format(
              Locale.ROOT,
              "%-34s %9s %11s %16s %9s %14s%n",
              "filter (test part)",
              "threshold",
              "spam recall",
              "ham FPR",
              "1-ROCA%",
              "recall@0.1%FP"));
      row(sb, "model alone (probability)", modelAlone);
      row(sb, "rules alone, hand-set scores", rulesHand);
      row(sb, "rules + model, hand-set scores", bothHand);
      row(sb, withModel ? "rules + model, learned scores" : "rules alone, learned scores", learned);
      return sb.toString();
    }

    private static void row(StringBuilder sb, String name, Metrics m) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%-34s %9.4g %10.2f%% %7.3f%% (%d/%d) %9.4f %13.2f%%%n",
              name,
              m.threshold(),
              100 * m.spamRecall(),
              100 * m.hamFalsePositiveRate(),
              Math.round(m.hamFalsePositiveRate() * m.ham()),
              m.ham(),
              m.oneMinusRocaPercent(),
              100 * m.recallAtOnePerMilleFp()));
    }
  }

  /**
   * Fits scores on {@code train} and compares, on {@code test}: the model alone, the rules alone
   * and both with the hand-set scores, and both with the learned ones.
   */
  static Comparison compare(
      FilterConfig config,
      ModelSettings modelSettings,
      List<Corpus.Sample> train,
      List<Corpus.Sample> test,
      int passes,
      long seed,
      int folds,
      double fpTarget,
      int threads)
      throws IOException {
    // Thousands of verdicts of filters made for fitting: their log lines say nothing.
    if (System.getProperty(VERDICT_LOG_LEVEL) == null) {
      System.setProperty(VERDICT_LOG_LEVEL, "warn");
    }
    Symbols symbols = symbols(config);
    List<Corpus.Sample> all = new ArrayList<>(train);
    all.addAll(test);
    List<Map<String, Double>> rules = ruleHits(config, all, threads);
    // Without the model check (checks.model.enabled: false) the scores are fitted to the rules
    // alone, for a filter that runs no model.
    boolean withModel = config.checks().stream().anyMatch(c -> c.check().name().equals("model"));
    List<Map<String, Double>> trainRows =
        withModel
            ? merge(
                rules.subList(0, train.size()),
                outOfFoldModelHits(modelSettings, train, folds, passes, seed, threads))
            : new ArrayList<>(rules.subList(0, train.size()));
    List<Map<String, Double>> testRows;
    double[] probability = new double[test.size()];
    try (SpamModel model = train(modelSettings, train, passes, seed)) {
      testRows = merge(rules.subList(train.size(), all.size()), modelHits(model, test, threads));
      for (int i = 0; i < test.size(); i++) {
        probability[i] = model.classify(test.get(i).doc()).probability();
      }
    }
    double addHeader = addHeader(config);
    Fitted fitted =
        fit(
            trainRows,
            labels(train),
            symbols.hand(),
            withModel ? symbols.model() : Set.of(),
            addHeader,
            fpTarget,
            folds,
            seed);
    boolean[] spam = labels(test);
    Map<String, Double> learned = over(symbols.hand(), fitted.scores());
    List<Map<String, Double>> rulesOnly = without(testRows, symbols.model());
    return new Comparison(
        metrics(probability, spam, modelSettings.spamThreshold()),
        metrics(scores(rulesOnly, symbols.hand()), spam, addHeader),
        metrics(scores(testRows, symbols.hand()), spam, addHeader),
        metrics(scores(withModel ? testRows : rulesOnly, learned), spam, addHeader),
        withModel,
        fitted,
        train.size(),
        test.size());
  }

  private static double[] scores(List<Map<String, Double>> rows, Map<String, Double> scores) {
    return rows.stream().mapToDouble(r -> score(r, scores)).toArray();
  }

  private static Metrics metrics(double[] values, boolean[] spam, double threshold) {
    double[] s =
        IntStream.range(0, values.length)
            .filter(i -> spam[i])
            .mapToDouble(i -> values[i])
            .toArray();
    double[] h =
        IntStream.range(0, values.length)
            .filter(i -> !spam[i])
            .mapToDouble(i -> values[i])
            .toArray();
    return Metrics.of(s, h, threshold);
  }
}
