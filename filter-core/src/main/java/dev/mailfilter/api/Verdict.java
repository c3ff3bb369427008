package dev.mailfilter.api;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.List;
import java.util.Objects;

/**
 * The decision on one message at the end of data.
 *
 * @param action what to do with the message
 * @param score the sum of the symbols' scores
 * @param required the score at which the message counts as spam (the lowest threshold of a spam
 *     action in the recipient's policy), shown as {@code required=} in {@code X-Spam-Status}
 * @param symbols what the checks found, highest score first
 * @param headerEdits header changes for the adapter to apply when the message is delivered
 * @param reply what to answer the client: 250 for accepted actions, 4xx/5xx for refusals
 */
public record Verdict(
    Action action,
    double score,
    double required,
    List<Symbol> symbols,
    List<HeaderEdit> headerEdits,
    Reply reply) {
  public Verdict {
    Objects.requireNonNull(action, "action");
    checkArgument(Double.isFinite(score), "score is not finite: %s", score);
    symbols = List.copyOf(symbols);
    headerEdits = List.copyOf(headerEdits);
    Objects.requireNonNull(reply, "reply");
  }

  /** Whether the message was judged spam ({@link Action#isSpam()}). */
  public boolean isSpam() {
    return action.isSpam();
  }

  /** Whether a symbol of this name was found. */
  public boolean has(String symbolName) {
    return symbols.stream().anyMatch(s -> s.name().equals(symbolName));
  }
}
