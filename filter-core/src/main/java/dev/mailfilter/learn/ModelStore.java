package dev.mailfilter.learn;

import java.io.Closeable;
import java.io.IOException;
import java.util.Optional;

/**
 * Where a {@link SpamModel} keeps its weights and its record of learned messages. The embedded
 * default is {@link FileModelStore}; a store shared by a cluster (Redis) implements the same
 * operations.
 *
 * <p>{@link SpamModel} serialises the mutating calls ({@link #apply}, {@link #commit}); reads may
 * run concurrently with each other but not with a mutation.
 */
public interface ModelStore extends Closeable {
  /** The store holds {@code 2^hashBits()} weights; feature indices are below that. */
  int hashBits();

  /** Fills {@code out[i]} with the weight of feature {@code indices[i]}. */
  void weights(int[] indices, float[] out);

  /**
   * The weights of {@code indices[0]} to {@code indices[count - 1]} summed as doubles in that order
   * (classification's one read); a store that holds its weights in memory overrides it to skip the
   * copies.
   */
  default double weightSum(int[] indices, int count) {
    float[] w = new float[count];
    weights(java.util.Arrays.copyOf(indices, count), w);
    double sum = 0;
    for (float x : w) {
      sum += x;
    }
    return sum;
  }

  /**
   * The feature set the weights were learned over: 1 for the word, header and structure features of
   * the first model files, 2 for those plus the shape features (headers' order, relays, MIME
   * layout, URL parts, sender alignment). A store that does not say is of set 1, so that weights it
   * holds keep meaning what they meant.
   */
  default int featureSet() {
    return Features.LEGACY_SET;
  }

  /**
   * The calibration of the model's probability, if one was fitted ({@link SpamModel#calibrate}).
   */
  default Optional<Calibration> calibration() {
    return Optional.empty();
  }

  /**
   * Stores a calibration with the weights, durable at the next {@link #commit()}.
   *
   * @throws UnsupportedOperationException if this store cannot keep one
   */
  default void calibrate(Calibration calibration) {
    throw new UnsupportedOperationException(getClass().getName() + " keeps no calibration");
  }

  /** The bias (intercept) of the model. */
  float bias();

  /** What was learned from the message with this digest, if anything. */
  Optional<LearnedMessage> learned(long digest);

  /** How many distinct messages of each class are learned. */
  TrainingCounts counts();

  /**
   * Applies one learning step atomically: adds {@code delta} to the weights at {@code indices} and
   * {@code biasDelta} to the bias, and records {@code record} for {@code digest} (or forgets the
   * digest when {@code record} is empty).
   */
  void apply(
      int[] indices, float delta, float biasDelta, long digest, Optional<LearnedMessage> record);

  /** Makes every applied step durable; after a crash the store reopens at the last commit. */
  void commit() throws IOException;
}
