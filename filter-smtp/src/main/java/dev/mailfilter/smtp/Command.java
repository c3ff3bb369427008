package dev.mailfilter.smtp;

import dev.mailfilter.api.Reply;
import java.util.Objects;

/**
 * An SMTP command from the client, parsed from one line; a line that is no valid command is an
 * {@link Invalid} carrying the reply to send, so that a {@code switch} over commands covers every
 * outcome and nothing is thrown for bad input.
 *
 * <p>Parsing checks syntax against the offered {@link Capabilities} and nothing else: the order of
 * commands, relay control and every policy are the server's and the core's.
 */
sealed interface Command {
  /**
   * Parses one command line (without its CRLF).
   *
   * @param line the line, decoded from UTF-8
   * @param offered the extensions offered to this client ({@link Capabilities#none()} after HELO)
   * @param smtpUtf8Transaction whether the current transaction's MAIL FROM carried {@code
   *     SMTPUTF8}, which allows UTF-8 in RCPT TO (RFC 6531 section 3.4)
   */
  static Command parse(String line, Capabilities offered, boolean smtpUtf8Transaction) {
    Objects.requireNonNull(line, "line");
    Objects.requireNonNull(offered, "offered");
    return CommandParser.parse(line, offered, smtpUtf8Transaction);
  }

  /** {@code EHLO domain}: the client's name as sent (a domain or an address literal). */
  record Ehlo(String domain) implements Command {}

  /** {@code HELO domain}: as EHLO, without extensions. */
  record Helo(String domain) implements Command {}

  /** {@code MAIL FROM:<reverse-path> [parameters]}. */
  record Mail(Path from, MailParameters parameters) implements Command {}

  /** {@code RCPT TO:<forward-path> [parameters]}. */
  record Rcpt(Path to, RcptParameters parameters) implements Command {}

  /** {@code DATA}: the content follows after the server's 354. */
  record Data() implements Command {}

  /** {@code BDAT size [LAST]} (RFC 3030): exactly {@code size} octets of content follow at once. */
  record Bdat(long size, boolean last) implements Command {}

  /** {@code RSET}. */
  record Rset() implements Command {}

  /** {@code NOOP}; its argument, if any, is ignored (RFC 5321 section 4.1.1.9). */
  record Noop() implements Command {}

  /** {@code QUIT}. */
  record Quit() implements Command {}

  /** {@code VRFY string}. */
  record Vrfy(String argument) implements Command {}

  /** {@code HELP [string]}. */
  record Help(String argument) implements Command {}

  /** {@code STARTTLS} (RFC 3207), when offered. */
  record StartTls() implements Command {}

  /**
   * A line that is no valid command: unknown, not offered, malformed, too long, with a bare CR or
   * LF, or not UTF-8.
   *
   * @param reply the reply to send
   * @param close whether the server must close the connection after the reply, because it cannot
   *     stay in step with the client (a BDAT whose chunk length is unknown, an HTTP request)
   */
  record Invalid(Reply reply, boolean close) implements Command {
    public Invalid {
      Objects.requireNonNull(reply, "reply");
      if (reply.code() < 500) {
        throw new IllegalArgumentException("an invalid command gets a 5xx reply: " + reply);
      }
    }

    /** A refusal after which the conversation goes on. */
    public static Invalid of(Reply reply) {
      return new Invalid(reply, false);
    }
  }
}
