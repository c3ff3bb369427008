package dev.mailfilter.learn;

import java.util.Objects;

/**
 * What the store remembers about one learned message, keyed by the message's digest: its class and
 * the total weight step the model applied along the message's features, so that unlearning can
 * subtract exactly that step.
 *
 * @param label the class the message was learned as
 * @param step the accumulated step (positive for spam, negative for ham)
 */
public record LearnedMessage(Label label, float step) {
  public LearnedMessage {
    Objects.requireNonNull(label, "label");
  }
}
