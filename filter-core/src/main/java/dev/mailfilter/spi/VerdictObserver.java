package dev.mailfilter.spi;

import dev.mailfilter.api.Action;
import dev.mailfilter.api.Connection;
import dev.mailfilter.api.Symbol;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link Check} that also wants to see every outcome the engine logs in its verdict line: each
 * end-of-data verdict and each refusal before the data (connect, HELO, MAIL FROM, RCPT), of every
 * server that drives the session API (the SMTP gateway and the milter alike). The spam-source map
 * and message tracking record them.
 *
 * <p>Unlike {@link VerdictListener}, which the DATA checks get with the parsed message, this sees
 * no message, only the facts of the log line, and it sees refusals too. It is called on the
 * session's thread right after the verdict line is logged: an observer must be thread-safe and must
 * not block (hand the outcome to a queue); an exception it throws is logged and changes nothing.
 */
public interface VerdictObserver {
  /** Sees one outcome. */
  void observed(Outcome outcome);

  /**
   * One logged outcome.
   *
   * @param transactionId the transaction's id, as logged ({@code -} for a connection refused before
   *     any transaction)
   * @param queueId the server's queue id, when the server gave one
   * @param connection the client
   * @param helo the HELO name, empty before HELO
   * @param sender the envelope sender without brackets, empty before MAIL FROM or for a bounce
   * @param recipients the accepted recipients of a verdict; empty for a refusal
   * @param tenants the tenant of each recipient that the configuration knows, in the core's log
   *     form ({@code acme/bakery/bakery.example}), in recipient order, without repeats
   * @param action the action
   * @param score the score
   * @param required the score at which mail counts as spam; infinite when none applies
   * @param symbols the symbols with their scores and reasons
   * @param time when the outcome was reached, by the filter's clock
   * @param beforeData whether it is a refusal before the data
   */
  record Outcome(
      String transactionId,
      Optional<String> queueId,
      Connection connection,
      String helo,
      String sender,
      List<String> recipients,
      List<String> tenants,
      Action action,
      double score,
      double required,
      List<Symbol> symbols,
      Instant time,
      boolean beforeData) {
    public Outcome {
      Objects.requireNonNull(transactionId, "transactionId");
      Objects.requireNonNull(queueId, "queueId");
      Objects.requireNonNull(connection, "connection");
      Objects.requireNonNull(helo, "helo");
      Objects.requireNonNull(sender, "sender");
      recipients = List.copyOf(recipients);
      tenants = List.copyOf(tenants);
      Objects.requireNonNull(action, "action");
      symbols = List.copyOf(symbols);
      Objects.requireNonNull(time, "time");
    }
  }
}
