package dev.mailfilter.learn;

/** What {@link SpamModel#learn} did with a message. */
public enum LearnOutcome {
  /** The message was new to the model and is now learned. */
  LEARNED,
  /** The message was already learned as this class; nothing changed (learning is idempotent). */
  ALREADY_LEARNED,
  /** The message was learned as the other class; it was unlearned and learned as this one. */
  RELEARNED
}
