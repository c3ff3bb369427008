package dev.mailfilter.cli;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.learn.Document;
import dev.mailfilter.learn.Label;
import dev.mailfilter.learn.ModelSettings;
import dev.mailfilter.learn.SpamModel;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * {@code mailfilter eval}: measures the model's accuracy, in one of three ways.
 *
 * <ul>
 *   <li>{@code --train-spam P --train-ham P --test-spam P --test-ham P}: train on one set, test on
 *       another.
 *   <li>{@code --spam P --ham P [--folds 10] [--seed 1]}: k-fold cross-validation; folds come from
 *       a seeded shuffle, so every run (and the peers script) sees the same folds.
 *   <li>{@code --spam P --ham P --time-split 0.7}: order by arrival (topmost Received, else Date),
 *       train on the earliest 70%, test on the rest: a later stream. Then, unless {@code
 *       --model-only}, the whole filter on the same split: the rules alone and with the model, with
 *       the hand-set scores and with scores learned on the training part as {@code train --scores}
 *       learns them.
 *   <li>{@code --scores FILE [--threshold T]}: only compute the metrics from lines {@code spam|ham
 *       SCORE}, for scores another filter produced.
 * </ul>
 */
final class EvalCommand {
  private static final Set<String> WITH_VALUE =
      Set.of(
          "--spam",
          "--ham",
          "--train-spam",
          "--train-ham",
          "--test-spam",
          "--test-ham",
          "--folds",
          "--seed",
          "--time-split",
          "--scores",
          "--threshold",
          "--passes",
          "--learning-rate",
          "--split-out",
          "--scores-out",
          "--target-fpr",
          "--threads",
          "--calibration-folds",
          "--config");

  private EvalCommand() {}

  static int run(List<String> args, PrintStream out, PrintStream err) {
    Options o;
    try {
      o = Options.parse(args, WITH_VALUE, Set.of("--help", "--model-only"));
    } catch (IllegalArgumentException | ConfigException e) {
      err.println("mailfilter eval: " + e.getMessage());
      return 2;
    }
    if (o.has("--help")) {
      usage(out);
      return 0;
    }
    try {
      ModelSettings defaults = o.modelSettings();
      double threshold = o.decimal("--threshold", defaults.spamThreshold());
      if (o.has("--scores")) {
        return scoresOnly(Path.of(o.single("--scores", null)), threshold, out, err);
      }
      ModelSettings settings =
          defaults.toBuilder()
              .path(null) // evaluation trains fresh in-memory models, never the configured file
              .minTraining(0, 0)
              .learningRate(o.decimal("--learning-rate", defaults.learningRate()))
              .build();
      int passes = o.integer("--passes", TrainCommand.DEFAULT_PASSES, 1, 100);
      long seed = o.integer("--seed", 1, Integer.MIN_VALUE, Integer.MAX_VALUE);
      List<Fold> folds;
      if (o.has("--train-spam") || o.has("--test-spam")) {
        List<Corpus.Sample> train = Corpus.read(o.paths("--train-spam"), o.paths("--train-ham"));
        List<Corpus.Sample> test = Corpus.read(o.paths("--test-spam"), o.paths("--test-ham"));
        folds = List.of(new Fold(0, shuffled(train, seed), test));
        out.println("train/test: " + train.size() + " training, " + test.size() + " test messages");
      } else if (o.has("--spam") && o.has("--ham")) {
        List<Corpus.Sample> all = Corpus.read(o.paths("--spam"), o.paths("--ham"));
        if (o.has("--time-split")) {
          double share = o.decimal("--time-split", 0.7);
          if (!(share > 0 && share < 1)) {
            throw new IllegalArgumentException("--time-split must be in (0, 1): " + share);
          }
          folds = List.of(timeSplit(all, share));
          out.printf(
              Locale.ROOT,
              "time split: train on the earliest %d, test on the latest %d (by arrival: topmost Received, else Date)%n",
              folds.get(0).train.size(),
              folds.get(0).test.size());
        } else {
          int k = o.integer("--folds", 10, 2, 100);
          folds = crossValidation(all, k, seed);
          out.printf(
              Locale.ROOT,
              "%d-fold cross-validation over %d messages, seed %d%n",
              k,
              all.size(),
              seed);
        }
      } else {
        err.println("mailfilter eval: give --spam and --ham, or --train-*/--test-*, or --scores");
        usage(err);
        return 2;
      }
      if (o.has("--split-out")) {
        writeSplit(Path.of(o.single("--split-out", null)), folds);
      }
      int status = evaluate(folds, settings, passes, seed, threshold, o, out, err);
      if (status == 0 && o.has("--time-split") && !o.has("--model-only")) {
        compare(folds.get(0), o, passes, seed, out);
      }
      return status;
    } catch (IllegalArgumentException | ConfigException e) {
      err.println("mailfilter eval: " + e.getMessage());
      return 2;
    } catch (IOException | UncheckedIOException e) {
      err.println("mailfilter eval: " + e.getMessage());
      return 2; // an unreadable path or model file: an input error
    }
  }

  record Fold(int index, List<Corpus.Sample> train, List<Corpus.Sample> test) {}

  private static int evaluate(
      List<Fold> folds,
      ModelSettings settings,
      int passes,
      long seed,
      double threshold,
      Options o,
      PrintStream out,
      PrintStream err)
      throws IOException {
    List<double[]> spamScores = new ArrayList<>();
    List<double[]> hamScores = new ArrayList<>();
    List<String> scoreLines = new ArrayList<>();
    long learnNanos = 0;
    long learned = 0;
    long classifyNanos = 0;
    long classified = 0;
    Progress progress = Progress.on(err, "folds", folds.size());
    for (Fold fold : folds) {
      try (SpamModel model = SpamModel.open(settings)) {
        long t0 = System.nanoTime();
        for (Corpus.Sample s : fold.train) {
          model.learn(s.doc(), s.label());
        }
        Random r = new Random(seed + fold.index);
        for (int pass = 1; pass < passes; pass++) {
          List<Corpus.Sample> again = new ArrayList<>(fold.train);
          Collections.shuffle(again, r);
          for (Corpus.Sample s : again) {
            model.reinforce(s.doc(), s.label());
          }
        }
        int calibrationFolds = TrainCommand.calibrationFolds(o);
        if (calibrationFolds > 0) {
          TrainCommand.calibrate(model, fold.train, calibrationFolds, passes, seed);
        }
        learnNanos += System.nanoTime() - t0;
        learned += fold.train.size();
        long t1 = System.nanoTime();
        double[] spam =
            new double[(int) fold.test.stream().filter(s -> s.label() == Label.SPAM).count()];
        double[] ham = new double[fold.test.size() - spam.length];
        int si = 0;
        int hi = 0;
        for (Corpus.Sample s : fold.test) {
          // Decode again from the bytes so the rate includes the whole per-message work.
          double p = model.classify(Document.fromMessage(s.bytes())).probability();
          if (s.label() == Label.SPAM) {
            spam[si++] = p;
          } else {
            ham[hi++] = p;
          }
          scoreLines.add(
              (s.label() == Label.SPAM ? "spam " : "ham ")
                  + String.format(Locale.ROOT, "%.6g", p)
                  + " "
                  + s.name());
        }
        classifyNanos += System.nanoTime() - t1;
        classified += fold.test.size();
        spamScores.add(spam);
        hamScores.add(ham);
      }
      progress.step();
    }
    progress.finish();
    Metrics m = Metrics.of(concat(spamScores), concat(hamScores), threshold);
    out.print(m.render());
    out.printf(
        Locale.ROOT,
        "speed           learn %.0f msg/s, classify %.0f msg/s (decode + features + score, 1 thread)%n",
        learned / (learnNanos / 1e9),
        classified / (classifyNanos / 1e9));
    if (o.has("--scores-out")) {
      Files.write(Path.of(o.single("--scores-out", null)), scoreLines, StandardCharsets.UTF_8);
    }
    return 0;
  }

  /**
   * The time split's comparison (issue 13): the model alone, the rules alone and both with the
   * hand-set scores, and both with scores learned on the training part ({@code train --scores}).
   */
  private static void compare(Fold split, Options o, int passes, long seed, PrintStream out)
      throws IOException {
    String configFile = o.single("--config", null);
    FilterConfig config =
        configFile == null
            ? FilterConfig.defaults()
            : FilterConfig.load(Path.of(configFile), ServerSections.CHECKS, ServerSections.ALL);
    double fpTarget = o.decimal("--target-fpr", 0.001);
    if (!(fpTarget >= 0 && fpTarget < 1)) {
      throw new IllegalArgumentException("--target-fpr must be in [0, 1): " + fpTarget);
    }
    int threads = o.integer("--threads", Runtime.getRuntime().availableProcessors(), 1, 256);
    int folds = o.integer("--folds", 5, 2, 20);
    ScoreFitting.Comparison c =
        ScoreFitting.compare(
            config,
            o.modelSettings(),
            split.train,
            split.test,
            passes,
            seed,
            folds,
            fpTarget,
            threads);
    out.println();
    out.printf(
        Locale.ROOT,
        "the whole filter on the same split (scores learned on the training part, %d symbols;"
            + " --model-only skips this)%n",
        c.fitted().scores().size());
    out.print(c.render());
  }

  private static int scoresOnly(Path file, double threshold, PrintStream out, PrintStream err)
      throws IOException {
    List<Double> spam = new ArrayList<>();
    List<Double> ham = new ArrayList<>();
    int lineNo = 0;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      lineNo++;
      String t = line.strip();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      String[] f = t.split("\\s+");
      double score;
      try {
        score = Double.parseDouble(f.length > 1 ? f[1] : "");
      } catch (NumberFormatException e) {
        err.println("mailfilter eval: " + file + ":" + lineNo + ": no score in '" + t + "'");
        return 2;
      }
      switch (f[0]) {
        case "spam" -> spam.add(score);
        case "ham" -> ham.add(score);
        default -> {
          err.println(
              "mailfilter eval: " + file + ":" + lineNo + ": label must be spam or ham: " + f[0]);
          return 2;
        }
      }
    }
    out.print(
        Metrics.of(
                spam.stream().mapToDouble(Double::doubleValue).toArray(),
                ham.stream().mapToDouble(Double::doubleValue).toArray(),
                threshold)
            .render());
    return 0;
  }

  /** k folds from a seeded shuffle of each class separately, so every fold has both classes. */
  static List<Fold> crossValidation(List<Corpus.Sample> all, int k, long seed) {
    List<List<Corpus.Sample>> buckets = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      buckets.add(new ArrayList<>());
    }
    for (Label label : Label.values()) {
      List<Corpus.Sample> ofLabel =
          new ArrayList<>(all.stream().filter(s -> s.label() == label).toList());
      Collections.shuffle(ofLabel, new Random(seed));
      for (int i = 0; i < ofLabel.size(); i++) {
        buckets.get(i % k).add(ofLabel.get(i));
      }
    }
    List<Fold> folds = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      List<Corpus.Sample> train = new ArrayList<>();
      for (int j = 0; j < k; j++) {
        if (j != i) {
          train.addAll(buckets.get(j));
        }
      }
      folds.add(new Fold(i, shuffled(train, seed + i), buckets.get(i)));
    }
    return folds;
  }

  /**
   * A later stream: each class ordered by arrival ({@link Corpus.Sample#arrival}), the earliest
   * {@code share} of each trains (merged in date order, as a stream arrives), the latest of each
   * tests. Splitting per class keeps both classes in the test set even where spam and ham were
   * collected in different months.
   */
  static Fold timeSplit(List<Corpus.Sample> all, double share) {
    Comparator<Corpus.Sample> byArrival =
        Comparator.comparingLong(Corpus.Sample::arrival).thenComparing(Corpus.Sample::name);
    List<Corpus.Sample> train = new ArrayList<>();
    List<Corpus.Sample> test = new ArrayList<>();
    for (Label label : Label.values()) {
      List<Corpus.Sample> sorted =
          new ArrayList<>(all.stream().filter(s -> s.label() == label).sorted(byArrival).toList());
      int cut = (int) Math.round(sorted.size() * share);
      train.addAll(sorted.subList(0, cut));
      test.addAll(sorted.subList(cut, sorted.size()));
    }
    train.sort(byArrival);
    test.sort(byArrival);
    return new Fold(0, train, test);
  }

  private static List<Corpus.Sample> shuffled(List<Corpus.Sample> samples, long seed) {
    List<Corpus.Sample> copy = new ArrayList<>(samples);
    Collections.shuffle(copy, new Random(seed));
    return copy;
  }

  /** Lines {@code fold role label path}: the peers script trains and tests other filters alike. */
  private static void writeSplit(Path file, List<Fold> folds) throws IOException {
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (Fold f : folds) {
        for (Corpus.Sample s : f.train) {
          w.write(
              f.index
                  + " train "
                  + s.label().name().toLowerCase(Locale.ROOT)
                  + " "
                  + s.name()
                  + "\n");
        }
        for (Corpus.Sample s : f.test) {
          w.write(
              f.index
                  + " test "
                  + s.label().name().toLowerCase(Locale.ROOT)
                  + " "
                  + s.name()
                  + "\n");
        }
      }
    }
  }

  private static double[] concat(List<double[]> parts) {
    return parts.stream().flatMapToDouble(java.util.Arrays::stream).toArray();
  }

  static void usage(PrintStream out) {
    out.println("usage: mailfilter eval --spam PATH... --ham PATH... [--folds 10] [--seed 1]");
    out.println(
        "       mailfilter eval --spam PATH... --ham PATH... --time-split 0.7 [--model-only]");
    out.println("       mailfilter eval --train-spam P --train-ham P --test-spam P --test-ham P");
    out.println("       mailfilter eval --scores FILE [--threshold T]");
    out.println(
        "options: --config FILE (its model: section), --threshold T (default model.spam_threshold)");
    out.println("         --passes N (training passes; default 3), --learning-rate R");
    out.println(
        "         --split-out FILE (write the folds), --scores-out FILE (write the scores)");
    out.println(
        "         --calibration-folds N (fit the model's calibration on N folds of the training"
            + " set; default 0: none)");
    out.println(
        "         --time-split also compares rules, model and both with hand-set and learned");
    out.println(
        "         scores (--target-fpr 0.001, --threads N; --folds 5 for the out-of-fold fits)");
  }
}
