package dev.mailfilter.api;

import dev.mailfilter.MailFilter;
import java.nio.ByteBuffer;
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
 * <p>The message comes either whole ({@link #endOfData(byte[])}) or in pieces as the protocol
 * delivers it: {@link #append} raw bytes (SMTP DATA after dot-unstuffing, BDAT chunks, milter body
 * chunks) or {@link #appendHeader} field by field (milter), optionally {@link #endOfHeaders()},
 * then {@link #endOfData()}. Appended bytes are copied once, into the session's buffer, and parsed
 * once at the end; see {@code docs/sessions.md}.
 *
 * <p>Limits ({@code limits.*}) are decisions, not exceptions: a {@code SIZE=} above the maximum
 * message size is refused at MAIL FROM, a message that grows past it is rejected at the end of data
 * ({@code 552 5.3.4}); a transaction or session over its time limit is answered with a temporary
 * failure ({@code 451 4.4.2} and {@code 421 4.4.2}).
 *
 * <p>A session is used by one thread at a time (the connection's), like the protocol it mirrors.
 * Misuse (data before a sender, a call after {@link #close()}, an append after the end of data)
 * throws {@link IllegalStateException} naming the call and the session's state.
 */
public interface FilterSession extends AutoCloseable {
  /**
   * The client this session serves, as known now: {@link #tlsStarted} and {@link #authenticated}
   * replace it.
   */
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
   * STARTTLS succeeded (or the MTA reports TLS facts late, as milter macros do): checks from now on
   * see {@link Connection#tlsInfo()}. A second call replaces the facts.
   */
  void tlsStarted(TlsInfo tls);

  /**
   * SMTP AUTH succeeded as {@code user}: checks from now on see {@link
   * Connection#authenticatedUser()}, and the verdict log line shows it. Lasts for the session.
   *
   * @throws IllegalArgumentException when the name is empty or holds spaces or control characters
   */
  void authenticated(String user);

  /**
   * The MTA's queue id of the current transaction, whenever the adapter learns it (milter macro
   * {@code i}, often only from DATA on). Checks that run later see it in {@link
   * Envelope#queueId()}; the verdict log line shows it as {@code queue=}.
   *
   * @throws IllegalStateException outside a transaction (before {@link #mailFrom} or after the end
   *     of data)
   */
  void queueId(String queueId);

  /**
   * Appends raw message bytes {@code bytes[offset, offset + length)}: header and body as received,
   * CRLF or LF line ends, SMTP dot-stuffing already removed. The bytes are copied into the
   * session's buffer at once, so the caller may reuse its array. Bytes beyond {@code
   * limits.max_message_size} are counted, not kept; {@link #endOfData()} then rejects the message.
   *
   * @throws IllegalStateException before {@link #mailFrom} or after the end of data
   */
  void append(byte[] bytes, int offset, int length);

  /** Appends a whole array; see {@link #append(byte[], int, int)}. */
  default void append(byte[] bytes) {
    append(bytes, 0, bytes.length);
  }

  /**
   * Appends the remaining bytes of {@code bytes} and consumes them (its position moves to its
   * limit); see {@link #append(byte[], int, int)}.
   */
  void append(ByteBuffer bytes);

  /**
   * Appends one header field as the raw line {@code name: value CRLF}, for adapters that receive
   * the header field by field (the milter's {@code SMFIC_HEADER}). {@code value} is as the MTA
   * gives it, without the space after the colon; folded values keep their folds. Both are the
   * field's bytes one char per byte (ISO-8859-1), as milter libraries decode them, so that 8-bit
   * and UTF-8 fields reach the checks byte for byte. Mixing this with {@link #append} for the
   * header is allowed: both write the same buffer, in call order.
   *
   * @throws IllegalArgumentException for a name that is not a field name, a value with a line break
   *     that is not folding, or a char above U+00FF (no byte)
   * @throws IllegalStateException before {@link #mailFrom}, after {@link #endOfHeaders()} or after
   *     the end of data
   */
  void appendHeader(String name, String value);

  /**
   * The header block is complete: runs the {@link Stage#HEADERS} checks, which may refuse now. When
   * the bytes so far do not end with an empty line (the adapter delivered fields with {@link
   * #appendHeader}), the empty line that separates header and body is appended. Optional: without
   * it the header checks run at {@link #endOfData()}. A refusal sticks for the transaction: {@link
   * #endOfData()} returns it as the verdict.
   *
   * @throws IllegalStateException before {@link #mailFrom}, when called twice, or after the end of
   *     data
   */
  Decision endOfHeaders();

  /**
   * End of data for a message delivered with {@link #append}: classifies the bytes appended since
   * {@link #mailFrom}. Ends the transaction: the next one starts with {@link #mailFrom}.
   *
   * @throws IllegalStateException before {@link #mailFrom}
   */
  Verdict endOfData();

  /**
   * End of data with the whole message at once (the raw bytes as received, header and body, CRLF or
   * LF line ends). The bytes are parsed lazily and not copied; the caller must not change them
   * until this returns. Ends the transaction: the next one starts with {@link #mailFrom}.
   *
   * @throws IllegalStateException before {@link #mailFrom}, or when bytes were already appended
   */
  Verdict endOfData(byte[] message);

  /**
   * End of data with the whole message in the first {@code length} bytes of {@code message}, for an
   * adapter that gathered the message into a buffer of its own (the SMTP gateway, which relays that
   * buffer afterwards): the bytes are not copied, so the message is held once, not twice. Otherwise
   * as {@link #endOfData(byte[])}.
   *
   * @throws IndexOutOfBoundsException when {@code length} is negative or beyond the array
   * @throws IllegalStateException before {@link #mailFrom}, or when bytes were already appended
   */
  Verdict endOfData(byte[] message, int length);

  /** RSET or milter abort: forgets the current transaction, keeps connect and HELO findings. */
  void reset();

  /** Ends the session; further calls throw. Never throws itself. */
  @Override
  void close();
}
