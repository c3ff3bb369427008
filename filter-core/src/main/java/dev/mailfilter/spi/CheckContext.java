package dev.mailfilter.spi;

import dev.mailfilter.api.Action;
import dev.mailfilter.api.Connection;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.Reply;
import dev.mailfilter.api.Stage;
import dev.mailfilter.mime.ByteView;
import dev.mailfilter.mime.ParsedMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;

/**
 * What a running check sees and how it reports. One context per check run; the per-transaction
 * cache behind {@link #computeIfAbsent} is shared by all checks of the transaction, so values such
 * as extracted URLs are computed once.
 *
 * <p>Symbols added after the check's deadline are dropped: a check that overran has already been
 * reported as timed out.
 */
public interface CheckContext {
  /** The stage being run. */
  Stage stage();

  /** The transaction's id, as logged in the verdict line. */
  String transactionId();

  /** The client. */
  Connection connection();

  /** The envelope so far: HELO, sender and the recipients accepted before this stage. */
  Envelope envelope();

  /** At {@link Stage#RCPT}: the recipient being checked. Empty at other stages. */
  Optional<String> recipient();

  /**
   * At {@link Stage#DATA}: the raw message as received; at {@link Stage#HEADERS}: the header block
   * with its empty line. Shared, not copied: the way to read the message's bytes.
   *
   * @throws IllegalStateException at other stages
   */
  ByteView rawBytes();

  /**
   * The bytes of {@link #rawBytes()} as an array of exactly their size. When the message came in
   * chunks, the session's buffer is larger than the message, and this is a copy made on the first
   * call of the transaction; prefer {@link #rawBytes()}. Never modify the array.
   *
   * @throws IllegalStateException before {@link Stage#HEADERS}
   */
  byte[] raw();

  /**
   * At {@link Stage#DATA}: the parsed message, parsed on first use with the configured limits and
   * shared by every check of the transaction; at {@link Stage#HEADERS}: the header block parsed
   * alone (no body). Malformed mail still parses; see its {@code defects()}.
   *
   * @throws IllegalStateException before {@link Stage#HEADERS}
   */
  ParsedMessage message();

  /**
   * Adds a header field to the message when it is delivered (an {@code Authentication-Results}, an
   * ARC set). The verdict's {@link dev.mailfilter.api.HeaderEdit}s carry it as a {@link
   * dev.mailfilter.api.HeaderEdit.Prepend}, ordered so that the delivered header shows the fields
   * top-down by stage, then by the order checks were registered, then in the order of these calls;
   * all above the engine's own {@code X-Spam-*} fields. Fields added at a stage before DATA are
   * kept for every transaction that stage covers (connect and HELO: the whole session). Not added
   * when the message is refused or discarded. Reports after the check's deadline are dropped, as
   * symbols are.
   *
   * @param value the field body without the space after the colon; may be folded ({@code CRLF}
   *     followed by a space or tab)
   * @throws IllegalArgumentException naming the check for an invalid field name, a CR or LF that is
   *     not a fold, or a name of the engine's own result headers (which it removes and sets itself)
   */
  void addHeader(String name, String value);

  /**
   * Removes one field of the received header when the message is delivered: the {@code index}-th
   * field named {@code name} (1-based, names compared without case, counted in the header as
   * received, as {@link #message()}'s header lists them), leaving the other fields of that name in
   * place. The verdict carries it as a {@link dev.mailfilter.api.HeaderEdit.RemoveAt}; asking twice
   * for the same field removes it once. For fields that must not reach the recipient, like an
   * {@code Authentication-Results} from outside that claims our authserv-id (RFC 8601 section 5).
   * Not applied when the message is refused or discarded; reports after the check's deadline are
   * dropped, as symbols are.
   *
   * @throws IllegalArgumentException naming the check for an invalid field name or an index below 1
   * @throws IllegalStateException before {@link Stage#HEADERS}, when there is no header yet
   */
  void removeHeader(String name, int index);

  /**
   * Reports a symbol this check declared, scored by the configuration. Adding the same symbol again
   * merges the options.
   *
   * @throws IllegalArgumentException for a symbol the check did not declare
   */
  void addSymbol(String name, String... options);

  /**
   * Reports a symbol with its configured score multiplied by {@code weight} (Rspamd's dynamic
   * weights), for checks whose confidence varies, like a probability from a model.
   *
   * @throws IllegalArgumentException for an undeclared symbol or a weight that is not finite
   */
  void addWeighted(String name, double weight, String... options);

  /**
   * Demands an action whatever the score (Rspamd's pre-result): a virus gets {@link Action#REJECT},
   * an unreachable scanner {@link Action#TEMPFAIL}. The most severe demanded action wins over the
   * score's. The client gets the configured reply of that action ({@code replies.*}); use {@link
   * #forceAction(Action, String, Reply)} to answer with the check's own text.
   *
   * @param reason a short text for the verdict log line
   */
  void forceAction(Action action, String reason);

  /**
   * Demands an action like {@link #forceAction(Action, String)} and answers the client with {@code
   * reply} when this demand is the one that wins: {@code 554 5.7.1 Virus found: Eicar-Signature}
   * instead of the generic spam text. When several checks demand the winning action, the reply of
   * the earliest stage wins, then that of the check whose name sorts first.
   *
   * @param reason a short text for the verdict log line
   * @param reply the answer: 5xx for {@link Action#REJECT}; 4xx for {@link Action#TEMPFAIL}, {@link
   *     Action#SOFT_REJECT} and {@link Action#GREYLIST}; 2xx for the actions that accept the
   *     message from the client
   * @throws IllegalArgumentException when the reply's class does not fit the action
   */
  void forceAction(Action action, String reason, Reply reply);

  /** When this check's time is up. */
  Instant deadline();

  /** Time left until {@link #deadline()}, never negative. */
  Duration remaining();

  /**
   * The transaction's cached value for {@code key}, computed once by the first caller while
   * concurrent callers wait for it. A computation that throws is not cached and the exception
   * propagates to the caller.
   *
   * @throws IllegalStateException naming the key when the computation asks for its own key,
   *     directly or through other keys, on its own thread or via another check's (a cycle that
   *     would otherwise wait until the stage deadline)
   */
  <T> T computeIfAbsent(Key<T> key, Function<? super CheckContext, ? extends T> compute);
}
