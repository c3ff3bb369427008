package dev.mailfilter.learn;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Objects;
import java.util.Optional;

/**
 * The model's opinion of one message.
 *
 * @param probability the estimated probability that the message is spam, in [0, 1]
 * @param ready whether the model has learned enough of both classes to vote (see {@link
 *     ModelSettings#minHam()} and {@link ModelSettings#minSpam()}); an unready model's probability
 *     is computed but should not be used
 * @param counts what the model had learned when it scored the message
 */
public record Prediction(double probability, boolean ready, TrainingCounts counts) {
  public Prediction {
    checkArgument(
        probability >= 0 && probability <= 1, "probability not in [0, 1]: %s", probability);
    Objects.requireNonNull(counts, "counts");
  }

  /** The graded symbol this prediction votes with, or empty while the model is not ready. */
  public Optional<BayesBand> band() {
    return ready ? Optional.of(BayesBand.of(probability)) : Optional.empty();
  }
}
