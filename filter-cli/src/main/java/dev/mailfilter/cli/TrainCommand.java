package dev.mailfilter.cli;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.cluster.state.ModelSyncSettings;
import dev.mailfilter.cluster.state.SharedRedis;
import dev.mailfilter.cluster.state.StateSettings;
import dev.mailfilter.cluster.state.TrainingEvents;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.learn.Document;
import dev.mailfilter.learn.Label;
import dev.mailfilter.learn.LearnOutcome;
import dev.mailfilter.learn.ModelSettings;
import dev.mailfilter.learn.SpamModel;
import dev.mailfilter.learn.TrainingCounts;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * {@code mailfilter train --spam PATH... --ham PATH... [--model FILE]}: learns messages into the
 * model file, in a seeded shuffled order so that the online learner sees both classes throughout,
 * committing every {@value #COMMIT_EVERY} messages and at the end (a kill loses at most that much
 * work and never damages the file). {@code --unlearn PATH...} removes messages again.
 */
final class TrainCommand {
  static final String DEFAULT_MODEL = "mailfilter.model";

  /**
   * Passes over the messages new to the model in one run: the first learns them, the others
   * reinforce them in a reshuffled order (chosen by cross-validation, see docs/design.md).
   */
  static final int DEFAULT_PASSES = 3;

  private static final int COMMIT_EVERY = 1000;

  private TrainCommand() {}

  /**
   * {@code --publish}: the messages are reports for the cluster's model, not for a local file: each
   * becomes one training event in the shared Redis of {@code --config}'s {@code shared_state}; the
   * elected trainer learns them into the next model version, which every node swaps in.
   */
  private static int publish(Options o, PrintStream out, PrintStream err) {
    if (o.has("--unlearn") || o.has("--model") || o.has("--passes")) {
      err.println(
          "mailfilter train: --publish sends reports to the cluster's trainer;"
              + " --unlearn, --model and --passes are for a local model file");
      return 2;
    }
    String config = o.single("--config", null);
    if (config == null) {
      err.println("mailfilter train: --publish needs --config FILE with the redis: section");
      return 2;
    }
    StateSettings state;
    String node;
    List<Corpus.Sample> samples;
    try {
      FilterConfig c =
          FilterConfig.load(Path.of(config), ServerSections.CHECKS, ServerSections.ALL);
      state = StateSettings.of(c);
      node = c.section(ModelSyncSettings.SECTION).nodeName();
      if (!state.shared()) {
        err.println(
            "mailfilter train: "
                + config
                + ": --publish needs redis.uri (or redis.sentinels): the cluster's Redis");
        return 2;
      }
      samples = Corpus.read(o.paths("--spam"), o.paths("--ham"));
    } catch (ConfigException e) {
      err.println("mailfilter train: " + config + ": " + e.getMessage());
      return 2;
    } catch (IOException | UncheckedIOException e) {
      err.println("mailfilter train: " + e.getMessage());
      return 2;
    }
    int published = 0;
    int refused = 0;
    int tooLarge = 0;
    try (SharedRedis redis = SharedRedis.connect(state)) {
      if (!redis.awaitAvailable(Duration.ofSeconds(10))) {
        err.println("mailfilter train: the shared Redis is unreachable; nothing published");
        return 2;
      }
      TrainingEvents events = TrainingEvents.on(redis, node, TrainingEvents.MAX_MESSAGE_BYTES);
      for (Corpus.Sample s : samples) {
        if (s.bytes().length > TrainingEvents.MAX_MESSAGE_BYTES) {
          err.println("mailfilter train: " + s.name() + ": over 4 MiB, not published");
          tooLarge++;
          continue;
        }
        if (events.publish(s.bytes(), s.label(), Duration.ofSeconds(5)).isPresent()) {
          published++;
        } else {
          refused++;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("mailfilter train: interrupted after " + published + " events");
      return 2;
    }
    out.printf(
        Locale.ROOT,
        "published %d training events to the cluster's trainer (shared_state), %d not taken by"
            + " Redis, %d too large%n",
        published,
        refused,
        tooLarge);
    return refused == 0 && tooLarge == 0 ? 0 : 2;
  }

  static int run(List<String> args, PrintStream out, PrintStream err) {
    Options o;
    try {
      o =
          Options.parse(
              args,
              Set.of(
                  "--spam",
                  "--ham",
                  "--unlearn",
                  "--model",
                  "--seed",
                  "--passes",
                  "--config",
                  "--calibration-folds",
                  "--scores",
                  "--time-split",
                  "--target-fpr",
                  "--folds",
                  "--threads"),
              Set.of("--help", "--publish"));
    } catch (IllegalArgumentException | ConfigException e) {
      err.println("mailfilter train: " + e.getMessage());
      return 2;
    }
    if (o.has("--help")) {
      usage(out);
      return 0;
    }
    if (!o.has("--spam") && !o.has("--ham") && !o.has("--unlearn")) {
      err.println("mailfilter train: give --spam and/or --ham (or --unlearn) paths");
      usage(err);
      return 2;
    }
    if (o.has("--scores")) {
      return scores(o, out, err);
    }
    if (o.has("--publish")) {
      return publish(o, out, err);
    }
    try {
      ModelSettings configured = o.modelSettings();
      Path modelPath =
          o.has("--model")
              ? Path.of(o.single("--model", null))
              : configured.path().orElse(Path.of(DEFAULT_MODEL));
      long seed = o.integer("--seed", 1, Integer.MIN_VALUE, Integer.MAX_VALUE);
      int passes = o.integer("--passes", DEFAULT_PASSES, 1, 100);
      long t0 = System.nanoTime();
      List<Corpus.Sample> samples =
          new ArrayList<>(Corpus.read(o.paths("--spam"), o.paths("--ham")));
      List<Corpus.Sample> forget = Corpus.read(o.paths("--unlearn"), List.of());
      Collections.shuffle(samples, new Random(seed));
      Map<LearnOutcome, Integer> outcomes = new EnumMap<>(LearnOutcome.class);
      int unlearned = 0;
      ModelSettings settings = configured.toBuilder().path(modelPath).build();
      try (SpamModel model = SpamModel.open(settings)) {
        Progress progress =
            Progress.on(err, "steps", (long) samples.size() * passes + forget.size());
        List<Corpus.Sample> fresh = new ArrayList<>();
        int sinceCommit = 0;
        for (Corpus.Sample s : forget) {
          if (model.unlearn(s.doc())) {
            unlearned++;
          }
          progress.step();
        }
        for (Corpus.Sample s : samples) {
          LearnOutcome outcome = model.learn(s.doc(), s.label());
          outcomes.merge(outcome, 1, Integer::sum);
          if (outcome != LearnOutcome.ALREADY_LEARNED) {
            fresh.add(s); // only new messages get more passes, so a rerun changes nothing
          }
          progress.step();
          if (++sinceCommit == COMMIT_EVERY) {
            model.commit();
            sinceCommit = 0;
          }
        }
        Random reshuffle = new Random(seed);
        for (int pass = 1; pass < passes; pass++) {
          Collections.shuffle(fresh, reshuffle);
          for (Corpus.Sample s : fresh) {
            model.reinforce(s.doc(), s.label());
            progress.step();
            if (++sinceCommit == COMMIT_EVERY) {
              model.commit();
              sinceCommit = 0;
            }
          }
        }
        progress.finish();
        int calibrationFolds = calibrationFolds(o);
        if (calibrationFolds > 0 && !samples.isEmpty()) {
          calibrate(model, samples, calibrationFolds, passes, seed);
        }
        model.commit();
        TrainingCounts c = model.counts();
        double seconds = (System.nanoTime() - t0) / 1e9;
        out.printf(
            Locale.ROOT,
            "learned %d new, %d relearned as the other class, %d already known, %d unlearned%n",
            outcomes.getOrDefault(LearnOutcome.LEARNED, 0),
            outcomes.getOrDefault(LearnOutcome.RELEARNED, 0),
            outcomes.getOrDefault(LearnOutcome.ALREADY_LEARNED, 0),
            unlearned);
        out.printf(
            Locale.ROOT,
            "model %s now holds %d ham and %d spam%s%n",
            modelPath,
            c.ham(),
            c.spam(),
            c.ham() >= settings.minHam() && c.spam() >= settings.minSpam()
                ? ""
                : String.format(
                    Locale.ROOT,
                    " (it votes from %d ham and %d spam)",
                    settings.minHam(),
                    settings.minSpam()));
        out.printf(
            Locale.ROOT,
            "%.1f s, %.0f messages/s%n",
            seconds,
            (samples.size() + forget.size()) / Math.max(seconds, 1e-9));
      }
      return 0;
    } catch (IllegalArgumentException | ConfigException e) {
      err.println("mailfilter train: " + e.getMessage());
      return 2;
    } catch (IOException | UncheckedIOException e) {
      err.println("mailfilter train: " + e.getMessage());
      return 2; // an unreadable path or model file: an input error
    }
  }

  /**
   * {@code train --scores FILE}: fits the scores of every symbol on the earliest part of the corpus
   * by date, reports the later part with hand-set and learned scores, and writes the score file.
   */
  private static int scores(Options o, PrintStream out, PrintStream err) {
    try {
      if (o.has("--unlearn") || o.has("--model")) {
        throw new IllegalArgumentException("--scores takes neither --unlearn nor --model");
      }
      if (!o.has("--spam") || !o.has("--ham")) {
        throw new IllegalArgumentException("--scores needs --spam and --ham paths");
      }
      Path target = Path.of(o.single("--scores", null));
      double share = o.decimal("--time-split", 0.7);
      if (!(share > 0 && share < 1)) {
        throw new IllegalArgumentException("--time-split must be in (0, 1): " + share);
      }
      double fpTarget = o.decimal("--target-fpr", 0.001);
      if (!(fpTarget >= 0 && fpTarget < 1)) {
        throw new IllegalArgumentException("--target-fpr must be in [0, 1): " + fpTarget);
      }
      int folds = o.integer("--folds", 5, 2, 20);
      int passes = o.integer("--passes", DEFAULT_PASSES, 1, 100);
      int threads = o.integer("--threads", Runtime.getRuntime().availableProcessors(), 1, 256);
      long seed = o.integer("--seed", 1, Integer.MIN_VALUE, Integer.MAX_VALUE);
      String configFile = o.single("--config", null);
      FilterConfig config =
          configFile == null
              ? FilterConfig.defaults()
              : FilterConfig.load(Path.of(configFile), ServerSections.CHECKS, ServerSections.ALL);
      ModelSettings modelSettings = o.modelSettings();
      List<Corpus.Sample> all = Corpus.read(o.paths("--spam"), o.paths("--ham"));
      EvalCommand.Fold split = EvalCommand.timeSplit(all, share);
      if (split.train().isEmpty() || split.test().isEmpty()) {
        throw new IllegalArgumentException(
            "the corpus is too small to split: " + all.size() + " messages");
      }
      long t0 = System.nanoTime();
      ScoreFitting.Comparison c =
          ScoreFitting.compare(
              config,
              modelSettings,
              split.train(),
              split.test(),
              passes,
              seed,
              folds,
              fpTarget,
              threads);
      ScoreFitting.Fitted f = c.fitted();
      List<String> header = new ArrayList<>();
      header.add("mailfilter learned scores, SpamAssassin syntax (score SYMBOL value).");
      header.add(
          "Made by: mailfilter train --scores "
              + target.getFileName()
              + " --spam "
              + String.join(" ", o.values("--spam"))
              + " --ham "
              + String.join(" ", o.values("--ham"))
              + (configFile == null ? "" : " --config " + Path.of(configFile).getFileName())
              + " --time-split "
              + share);
      header.add("Date: " + java.time.LocalDate.now(java.time.ZoneOffset.UTC));
      long spam = all.stream().filter(s -> s.label() == dev.mailfilter.learn.Label.SPAM).count();
      header.add(
          String.format(
              Locale.ROOT,
              "Corpus: %d spam, %d ham; fitted on the earliest %d by arrival (each class),"
                  + " evaluated on the latest %d.",
              spam,
              all.size() - spam,
              c.trainSize(),
              c.testSize()));
      header.add("Checks: " + checkNames(config));
      header.add(
          String.format(
              Locale.ROOT,
              "Fit: L2 logistic regression (lambda %s by out-of-fold log-loss), %d symbols hit by"
                  + " at least %d training messages, signs kept; %s.",
              f.lambda(),
              f.scores().size(),
              ScoreFitting.MIN_HITS,
              c.withModel()
                  ? "the model's BAYES_* from "
                      + folds
                      + "-fold out-of-fold models, fitted as ordered steps (the bands below the"
                      + " neutral one bounded at "
                      + (Double.isInfinite(f.bandCap()) ? "no" : f.bandCap())
                      + " log-odds, by out-of-fold log-loss)"
                  : "without the model (checks.model.enabled: false)"));
      header.add(
          String.format(
              Locale.ROOT,
              "Scale: %.4f points per unit of log-odds; add_header %s at log-odds %.3f above the"
                  + " intercept %.3f (out-of-fold: %d of %d ham flagged, %d of %d spam caught).",
              f.scale(),
              dev.mailfilter.api.Scores.formatOne(ScoreFitting.addHeader(config)),
              f.thresholdLogit() - f.intercept(),
              f.intercept(),
              f.oofFalsePositives(),
              f.oofHam(),
              f.oofSpamCaught(),
              f.oofSpam()));
      header.add("Evaluation on the later part:");
      for (String line : c.render().split("\n")) {
        header.add("  " + line);
      }
      dev.mailfilter.scores.ScoreFile file =
          new dev.mailfilter.scores.ScoreFile(target.toString(), f.scores(), header);
      java.nio.file.Files.writeString(
          target, file.format(), java.nio.charset.StandardCharsets.UTF_8);
      out.print(c.render());
      out.printf(
          Locale.ROOT,
          "wrote %d scores to %s (lambda %s, scale %.3f per log-odds, %.1f s)%n",
          f.scores().size(),
          target,
          f.lambda(),
          f.scale(),
          (System.nanoTime() - t0) / 1e9);
      return 0;
    } catch (IllegalArgumentException | ConfigException e) {
      err.println("mailfilter train: " + e.getMessage());
      return 2;
    } catch (IOException | UncheckedIOException e) {
      err.println("mailfilter train: " + e.getMessage());
      return 2;
    }
  }

  private static String checkNames(FilterConfig config) {
    List<String> names = new ArrayList<>();
    for (dev.mailfilter.spi.CheckSettings c : config.checks()) {
      names.add(
          c.check().name().equals("spamassassin")
              ? "spamassassin (" + c.scores().size() + " scored rules)"
              : c.check().name());
    }
    return String.join(", ", names);
  }

  /** Folds of the calibration ({@code --calibration-folds}, default 0: none). */
  static int calibrationFolds(Options o) {
    return o.integer("--calibration-folds", DEFAULT_CALIBRATION_FOLDS, 0, 20);
  }

  static final int DEFAULT_CALIBRATION_FOLDS = 0;

  /**
   * Fits the model's calibration on out-of-fold predictions of {@code samples} (see {@link
   * SpamModel#calibrate}); skipped, with the model left as it was, when a class has fewer messages
   * than folds.
   */
  static void calibrate(
      SpamModel model, List<Corpus.Sample> samples, int folds, int passes, long seed) {
    List<Document> spam = new ArrayList<>();
    List<Document> ham = new ArrayList<>();
    for (Corpus.Sample s : samples) {
      (s.label() == Label.SPAM ? spam : ham).add(s.doc());
    }
    if (spam.size() >= folds && ham.size() >= folds) {
      model.calibrate(spam, ham, folds, passes, seed);
    }
  }

  static void usage(PrintStream out) {
    out.println("usage: mailfilter train [--spam PATH...] [--ham PATH...] [--unlearn PATH...]");
    out.println("                        [--model FILE] [--config FILE] [--seed N] [--passes 3]");
    out.println(
        "                        [--calibration-folds N] (calibrate on N folds; default 0, none)");
    out.println(
        "       mailfilter train --scores FILE --spam PATH... --ham PATH... [--time-split 0.7]");
    out.println(
        "                        [--target-fpr 0.001] [--folds 5] [--threads N] [--config FILE]");
    out.println("       mailfilter train --publish --config FILE [--spam PATH...] [--ham PATH...]");
    out.println(
        "                        (reports for the cluster's model: each message a training event");
    out.println(
        "                        in shared_state's Redis; the elected trainer learns them)");
    out.println("PATH: a message file, a directory (Maildir too) or an mbox file.");
    out.println(
        "--model defaults to ./" + DEFAULT_MODEL + "; learning a message twice counts once.");
  }
}
