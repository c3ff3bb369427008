package dev.mailfilter.spi;

import dev.mailfilter.api.Stage;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.mime.ParsedMessage;

/**
 * A {@link Check} that also wants to see the final verdict of each message it examined, such as the
 * learning model, which learns from confident verdicts (autolearn).
 *
 * <p>The engine calls {@link #verdictReached} once per message whose {@link Stage#DATA} checks ran,
 * after the verdict is computed and before {@code endOfData} returns it, on the session's thread.
 * It is not called for messages refused before DATA or accepted by an allow list. A listener must
 * be thread-safe and quick; an exception it throws is logged and does not change the verdict.
 */
public interface VerdictListener {
  /**
   * Sees one message's verdict.
   *
   * @param transactionId the transaction's id, as logged in the verdict line
   * @param message the message, parsed once for the transaction's checks and shared with them
   * @param verdict the verdict the engine is about to return
   */
  void verdictReached(String transactionId, ParsedMessage message, Verdict verdict);
}
