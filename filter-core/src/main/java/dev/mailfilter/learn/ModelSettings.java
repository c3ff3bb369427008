package dev.mailfilter.learn;

import static com.google.common.base.Preconditions.checkArgument;

import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.config.ConfigSection;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The model's configuration (YAML section {@code model:}), immutable; make one with {@link
 * #builder()} or take {@link #defaults()}.
 *
 * @param path the model file, or empty for a model kept in memory only
 * @param minHam ham messages the model must have learned before it votes
 * @param minSpam spam messages the model must have learned before it votes
 * @param spamThreshold the probability from which a message counts as spam (in {@code mailfilter
 *     eval} and for the {@code BAYES_SPAM} decision)
 * @param hashBits features are hashed into {@code 2^hashBits} weights (used when a new model is
 *     created; an existing file keeps its own size)
 * @param learningRate the step size of the online logistic regression (features are normalised to
 *     unit length, so a step of 1 moves a message's margin by 1 times its error; 30, chosen by
 *     10-fold cross-validation on the SpamAssassin public corpus among 1, 3, 10, 30 and 100, makes
 *     few passes enough)
 * @param autolearn learning from the engine's confident verdicts
 * @param balanceClasses whether each learning step is weighted by the inverse frequency of its
 *     class among the messages learned so far (balanced class weights, as scikit-learn's {@code
 *     class_weight="balanced"}), for training sets where one class outnumbers the other; off by
 *     default: on the shared corpus (500 spam, 2,750 ham) it made every held-out split rank worse
 *     (docs/performance.md, "Accuracy: a model that generalises")
 * @param required whether a filter built with the {@code model} check refuses to start when {@code
 *     path} names no readable, valid model file (the default: a typo in the path would otherwise
 *     turn the model off without a word); false lets a filter start with an empty model that
 *     autolearn fills, and a damaged file then fails each message's model check instead
 */
public record ModelSettings(
    Optional<Path> path,
    int minHam,
    int minSpam,
    double spamThreshold,
    int hashBits,
    double learningRate,
    Autolearn autolearn,
    boolean required,
    boolean balanceClasses) {

  /** The default number of messages of each class needed before the model votes. */
  public static final int DEFAULT_MIN_TRAINING = 200;

  /** The {@code model:} section of the configuration file; docs/configuration.md lists its keys. */
  public static final ConfigSection<ModelSettings> SECTION =
      ConfigSection.of("model", ModelSettings::fromConfig);

  public ModelSettings {
    Objects.requireNonNull(path, "path");
    checkArgument(minHam >= 0, "minHam must be >= 0: %s", minHam);
    checkArgument(minSpam >= 0, "minSpam must be >= 0: %s", minSpam);
    checkArgument(
        spamThreshold > 0 && spamThreshold < 1, "spamThreshold not in (0, 1): %s", spamThreshold);
    checkArgument(hashBits >= 10 && hashBits <= 28, "hashBits not in [10, 28]: %s", hashBits);
    checkArgument(
        learningRate > 0 && learningRate <= 100, "learningRate not in (0, 100]: %s", learningRate);
    Objects.requireNonNull(autolearn, "autolearn");
  }

  /** The built-in defaults: in memory, 200 + 200 messages before voting, autolearn off. */
  public static ModelSettings defaults() {
    return builder().build();
  }

  /**
   * Reads a {@code model:} section; absent keys keep their defaults, bad values fail with the key's
   * path.
   */
  static ModelSettings fromConfig(ConfigNode n) {
    ModelSettings d = defaults();
    Builder b = builder();
    n.optionalString("path")
        .filter(p -> !p.isBlank())
        .ifPresent(
            p -> {
              try {
                b.path(Path.of(p));
              } catch (InvalidPathException e) {
                throw n.error("path", "not a valid path: " + e.getMessage());
              }
            });
    b.minTraining(
        (int) n.integer("min_ham", d.minHam(), 0, Integer.MAX_VALUE),
        (int) n.integer("min_spam", d.minSpam(), 0, Integer.MAX_VALUE));
    double threshold = n.number("spam_threshold", d.spamThreshold());
    if (!(threshold > 0 && threshold < 1)) {
      throw n.error("spam_threshold", "expected a probability between 0 and 1, got " + threshold);
    }
    b.spamThreshold(threshold);
    b.hashBits((int) n.integer("hash_bits", d.hashBits(), 10, 28));
    double rate = n.number("learning_rate", d.learningRate());
    if (!(rate > 0 && rate <= 100)) {
      throw n.error("learning_rate", "expected a number in (0, 100], got " + rate);
    }
    b.learningRate(rate);
    ConfigNode a = n.section("autolearn");
    double spamScore = a.number("spam_score", Autolearn.OFF.spamScore());
    double hamScore = a.number("ham_score", Autolearn.OFF.hamScore());
    if (!(hamScore < spamScore)) {
      throw a.error("ham_score", "must be below spam_score (" + spamScore + "), got " + hamScore);
    }
    int commitEvery =
        (int) a.integer("commit_every", Autolearn.OFF.commitEvery(), 1, Integer.MAX_VALUE);
    b.autolearn(new Autolearn(a.bool("enabled", false), spamScore, hamScore, commitEvery));
    b.required(n.bool("required", d.required()));
    b.balanceClasses(n.bool("balance_classes", d.balanceClasses()));
    return b.build();
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.path = path.orElse(null);
    b.minHam = minHam;
    b.minSpam = minSpam;
    b.spamThreshold = spamThreshold;
    b.hashBits = hashBits;
    b.learningRate = learningRate;
    b.autolearn = autolearn;
    b.required = required;
    b.balanceClasses = balanceClasses;
    return b;
  }

  /**
   * Learning from the engine's own confident verdicts, as SpamAssassin's {@code bayes_auto_learn}:
   * a message whose total score (without the model's own symbol) is at least {@code spamScore} is
   * learned as spam, at most {@code hamScore} as ham. Off by default, because a model that learns
   * from its own mistakes reinforces them.
   *
   * @param enabled whether to autolearn
   * @param spamScore the verdict score from which a message is learned as spam
   * @param hamScore the verdict score up to which a message is learned as ham
   * @param commitEvery autolearned messages after which the model file is committed (and on close);
   *     bounds what a crash loses without writing the whole file for every message
   */
  public record Autolearn(boolean enabled, double spamScore, double hamScore, int commitEvery) {
    /** The default commit cadence of autolearned messages. */
    public static final int DEFAULT_COMMIT_EVERY = 100;

    /** SpamAssassin's default thresholds (12.0 and 0.1), switched off. */
    public static final Autolearn OFF = new Autolearn(false, 12.0, 0.1);

    public Autolearn {
      checkArgument(
          hamScore < spamScore, "hamScore %s must be below spamScore %s", hamScore, spamScore);
      checkArgument(commitEvery >= 1, "commitEvery must be >= 1: %s", commitEvery);
    }

    /** Autolearn committing every {@link #DEFAULT_COMMIT_EVERY} messages. */
    public Autolearn(boolean enabled, double spamScore, double hamScore) {
      this(enabled, spamScore, hamScore, DEFAULT_COMMIT_EVERY);
    }

    /** What to learn a message with this verdict score as, or empty. */
    public Optional<Label> decide(double verdictScore) {
      if (!enabled || Double.isNaN(verdictScore)) {
        return Optional.empty();
      }
      if (verdictScore >= spamScore) {
        return Optional.of(Label.SPAM);
      }
      return verdictScore <= hamScore ? Optional.of(Label.HAM) : Optional.empty();
    }
  }

  /** Builds {@link ModelSettings}; every setter validates when {@link #build()} runs. */
  public static final class Builder {
    private Path path;
    private int minHam = DEFAULT_MIN_TRAINING;
    private int minSpam = DEFAULT_MIN_TRAINING;
    private double spamThreshold = 0.5;
    private int hashBits = 22;
    private double learningRate = 30.0;
    private Autolearn autolearn = Autolearn.OFF;
    private boolean required = true;
    private boolean balanceClasses = false;

    private Builder() {}

    /** Whether learning steps are weighted by the inverse frequency of their class. */
    public Builder balanceClasses(boolean balance) {
      this.balanceClasses = balance;
      return this;
    }

    /** The model file; {@code null} keeps the model in memory. */
    public Builder path(Path path) {
      this.path = path;
      return this;
    }

    /** Messages of each class needed before the model votes. */
    public Builder minTraining(int ham, int spam) {
      this.minHam = ham;
      this.minSpam = spam;
      return this;
    }

    /** The probability from which a message counts as spam. */
    public Builder spamThreshold(double threshold) {
      this.spamThreshold = threshold;
      return this;
    }

    /** The number of weights of a new model, as a power of two. */
    public Builder hashBits(int bits) {
      this.hashBits = bits;
      return this;
    }

    /** The step size of the online logistic regression. */
    public Builder learningRate(double rate) {
      this.learningRate = rate;
      return this;
    }

    /** Learning from confident verdicts. */
    public Builder autolearn(Autolearn autolearn) {
      this.autolearn = autolearn;
      return this;
    }

    /** Whether a filter refuses to start without a valid model file at {@code path}. */
    public Builder required(boolean required) {
      this.required = required;
      return this;
    }

    /** The settings; throws {@link IllegalArgumentException} naming the bad value. */
    public ModelSettings build() {
      return new ModelSettings(
          Optional.ofNullable(path),
          minHam,
          minSpam,
          spamThreshold,
          hashBits,
          learningRate,
          autolearn,
          required,
          balanceClasses);
    }
  }
}
