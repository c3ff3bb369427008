package dev.mailfilter.learn;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * How many distinct messages a model has learned of each class.
 *
 * @param ham learned ham messages
 * @param spam learned spam messages
 */
public record TrainingCounts(long ham, long spam) {
  public TrainingCounts {
    checkArgument(ham >= 0, "ham must be >= 0: %s", ham);
    checkArgument(spam >= 0, "spam must be >= 0: %s", spam);
  }
}
