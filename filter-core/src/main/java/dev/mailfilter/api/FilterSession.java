package dev.mailfilter.api;

import dev.mailfilter.MailFilter;
import java.util.Map;

/**
 * One SMTP connection's dialogue with the filter, one call per stage. Made by {@link
 * MailFilter#open(Connection)}, which already ran the connect stage ({@link #connectDecision()}).
 *
 * <p>Each stage runs the checks registered for it, in parallel under the stage's deadline, and may
 * refuse now so that adapters can answer early. A refusal at connect or HELO sticks for the whole
 * session; a refusal at MAIL FROM sticks until the next {@link #mailFrom} or {@link #reset()}; a
 * refused recipient is simply not added. {@link #mailFrom} begins a new transaction, as does {@link
 * #reset()} (RSET, milter abort); the connect and HELO findings carry over to every transaction of
 * the session.
 *
 * <p>A session is used by one thread at a time (the connection's), like the protocol it mirrors.
 * Misuse (data before a sender, a call after {@link #close()}) throws {@link
 * IllegalStateException}.
 */
public interface FilterSession extends AutoCloseable {
  /** The client this session serves. */
  Connection connection();

  /** The outcome of the connect stage, run when the session was opened. */
  Decision connectDecision();

  /** HELO or EHLO with the client's argument, as sent. A second call replaces the name. */
  Decision helo(String name);

  /**
   * MAIL FROM: begins a transaction.
   *
   * @param sender the reverse path, with or without angle brackets; empty or {@code <>} for the
   *     null sender
   * @param esmtpParameters ESMTP parameters such as {@code SIZE} and {@code BODY}, keys in any case
   */
  Decision mailFrom(String sender, Map<String, String> esmtpParameters);

  /** MAIL FROM without ESMTP parameters. */
  default Decision mailFrom(String sender) {
    return mailFrom(sender, Map.of());
  }

  /**
   * RCPT TO for one recipient; the recipient's policy (tenant) is resolved here. A refused
   * recipient is not part of the transaction.
   */
  Decision rcptTo(String recipient);

  /**
   * End of data: classifies the message (the raw bytes as received, header and body, CRLF or LF
   * line ends). The bytes are parsed lazily and not copied; the caller must not change them until
   * this returns. Ends the transaction: the next one starts with {@link #mailFrom}.
   */
  Verdict endOfData(byte[] message);

  /** RSET or milter abort: forgets the current transaction, keeps connect and HELO findings. */
  void reset();

  /** Ends the session; further calls throw. Never throws itself. */
  @Override
  void close();
}
