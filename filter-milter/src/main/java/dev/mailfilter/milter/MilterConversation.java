package dev.mailfilter.milter;

import dev.mailfilter.FilterReloader;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Connection;
import dev.mailfilter.api.Decision;
import dev.mailfilter.api.FilterSession;
import dev.mailfilter.api.HeaderEdit;
import dev.mailfilter.api.Reply;
import dev.mailfilter.api.Stage;
import dev.mailfilter.api.TlsInfo;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.spi.CheckSettings;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * One milter connection's protocol state, without sockets: takes the MTA's decoded commands one at
 * a time and returns the responses to send, driving a {@link FilterSession} opened on a {@link
 * MailFilter}.
 *
 * <p>No stage is negotiated away, so the MTA sends every stage and waits for a reply to each,
 * except {@code SMFIC_MACRO}, {@code SMFIC_ABORT}, {@code SMFIC_QUIT} and {@code SMFIC_QUIT_NC},
 * which get none, and the steps {@link #PROTOCOL} and {@link #earlyNoReply} ask no reply for when
 * the MTA agrees. A refusal at any stage is sent as {@code SMFIR_REPLYCODE} with the core's reply.
 *
 * <p>A conversation is used by one thread at a time, the connection's, like the session it drives.
 * Commands out of protocol order, and values the core refuses, are a {@link
 * MilterProtocolException} naming the command; the caller then closes the connection and this
 * conversation.
 */
final class MilterConversation implements AutoCloseable {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger("dev.mailfilter.milter");

  /**
   * The actions we ask for: add and change headers (spam headers, removing forged ones),
   * quarantine, and our own macro lists.
   */
  static final int ACTIONS =
      Milter.SMFIF_ADDHDRS
          | Milter.SMFIF_CHGHDRS
          | Milter.SMFIF_QUARANTINE
          | Milter.SMFIF_SETSYMLIST;

  /**
   * The protocol steps we ask for, each only where our answer never depends on the command:
   *
   * <ul>
   *   <li>{@code SMFIP_NR_HDR}: a header field is always answered with continue (header checks run
   *       at the end of the header), so the MTA need not wait for each one;
   *   <li>{@code SMFIP_NOUNKNOWN}, {@code SMFIP_NR_UNKN}: unknown SMTP commands are of no use to
   *       the checks;
   *   <li>{@code SMFIP_HDR_LEADSPC}: header values arrive verbatim, the whitespace after the colon
   *       included, so that checks see the field's bytes as the client sent them;
   *   <li>{@code SMFIP_NR_BODY}: a body chunk is answered with continue (the checks run at the end
   *       of the message), so the MTA need not wait for each one; when the MTA offers it, {@code
   *       SMFIP_SKIP} is not asked for, since a chunk without a reply cannot be answered with
   *       {@code SMFIR_SKIP};
   *   <li>{@code SMFIP_SKIP}, only from an MTA without {@code SMFIP_NR_BODY}: we may tell the MTA
   *       to stop sending the body once the message is over the size limit;
   *   <li>{@code SMFIP_NR_HELO}, {@code SMFIP_NR_MAIL}, {@code SMFIP_NR_EOH}: three round trips
   *       less per message. A refusal there is not lost, because the session keeps it: a refusal at
   *       HELO or MAIL is the answer to every recipient of the transaction (as Postfix's own {@code
   *       smtpd_delay_reject} does), one at the end of the header is the verdict at the end of the
   *       message. The SMTP client sees a refusal at the end of the header only after its final dot
   *       either way; what changes is that the MTA sends the body to us.
   * </ul>
   *
   * <p>The trade of {@code SMFIR_SKIP} for no body replies is right: past {@code
   * limits.max_message_size} the session counts the bytes without keeping them, so the rest of an
   * oversized body costs only its transfer, while a reply per chunk costs a round trip on every
   * message.
   *
   * <p>No-reply for connect is added per connection when the filter cannot refuse there ({@link
   * #earlyNoReply}): a refusal at connect is what gives a listed client the MTA's 554 greeting.
   * Never asked: no-reply for RCPT, which carries every refusal of the envelope; and for DATA,
   * whose reply carries the ACK that keeps Nagle's algorithm from holding back the MTA's next
   * packet ({@code docs/milter.md}, "Latency").
   */
  static final int PROTOCOL =
      Milter.SMFIP_NR_HDR
          | Milter.SMFIP_NOUNKNOWN
          | Milter.SMFIP_NR_UNKN
          | Milter.SMFIP_HDR_LEADSPC
          | Milter.SMFIP_NR_BODY
          | Milter.SMFIP_SKIP
          | Milter.SMFIP_NR_HELO
          | Milter.SMFIP_NR_MAIL
          | Milter.SMFIP_NR_EOH;

  /**
   * The macros we ask for per stage when the MTA lets us ({@code SMFIF_SETSYMLIST}): only those the
   * conversation reads. Postfix then sends no others, and none at the stages not listed.
   */
  static final Map<Integer, String> MACROS =
      Map.of(
          Milter.SMFIM_HELO, "{tls_version} {cipher}",
          Milter.SMFIM_ENVFROM, "i {auth_authen}",
          // Postfix assigns the queue id at the first accepted recipient by default
          // (smtpd_delay_open_until_valid_rcpt), so it may first come here.
          Milter.SMFIM_ENVRCPT, "i",
          Milter.SMFIM_DATA, "i",
          Milter.SMFIM_EOM, "i");

  /**
   * The no-reply step for connect that {@code filter} allows: none when a check runs at connect or
   * the block list names client addresses (a refusal at connect is what gives a listed client
   * Postfix's 554 greeting), {@code SMFIP_NR_CONN} otherwise. The session still sees the connect
   * ({@code SMFIP_NOCONNECT} is never asked): later stages need the client's address.
   *
   * <p>A refusal where no reply was asked (a reload that added a connect check between the
   * negotiation and {@code SMFIC_CONNECT}) is not lost: the session repeats a connection's refusal
   * at every later stage, so the first recipient gets it.
   */
  static int earlyNoReply(MailFilter filter) {
    if (!filter.config().blockList().networks().isEmpty()) {
      return 0;
    }
    for (CheckSettings c : filter.checks()) {
      if (c.check().stage() == Stage.CONNECT) {
        return 0;
      }
    }
    return Milter.SMFIP_NR_CONN;
  }

  /**
   * Where a connection from a Unix-domain socket or an unknown family ({@code SMFIA_UNIX}, {@code
   * SMFIA_UNKNOWN}: mail submitted locally) comes from as far as the checks know: the loopback
   * address, port 0.
   */
  static final InetAddress LOCAL_PLACEHOLDER = InetAddress.getLoopbackAddress();

  private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");

  /** The filter to negotiate for and open the session on: fixed, or the one a reloader runs now. */
  private final Supplier<MailFilter> filters;

  /** The opened session's message size limit. */
  private long maxMessageSize = Long.MAX_VALUE;

  /** Bytes of the current message given to the session so far, as the session counts them. */
  private long messageBytes;

  /** Whether the body was skipped: no more chunks come for this message. */
  private boolean skipped;

  private Negotiation negotiation;
  private FilterSession session;
  private boolean quit;

  /** The latest macros per stage (the code of the command they belong to). */
  private final Map<Character, Map<String, String>> macros = new HashMap<>();

  /** Whether a transaction is open: after MAIL, until the end of the message or an abort. */
  private boolean inTransaction;

  /** A queue id seen before the transaction opened (Postfix sends {@code i} with MAIL's macros). */
  private String pendingQueueId;

  private String queueId;
  private String authUser;
  private TlsInfo tls;

  /** How often each header name (lower case) occurred in the current message. */
  private final Map<String, Integer> headerCounts = new HashMap<>();

  /** The queue id to name in log lines: the transaction's, kept until the next MAIL. */
  private String logQueueId;

  /** The verdict at the last end of message, until {@link #takeVerdict()}. */
  private Verdict verdict;

  /** The last refusal at any stage, until {@link #takeRefusal()}. */
  private Decision.Refuse refusal;

  /**
   * The refusal last counted in this transaction: the session gives a HELO or MAIL refusal to every
   * recipient, and a refused transaction counts once.
   */
  private Decision.Refuse counted;

  /** A conversation on {@code filter}; the session opens at {@code SMFIC_CONNECT}. */
  MilterConversation(MailFilter filter) {
    this(fixed(filter));
  }

  /**
   * A conversation on the filter {@code filters} gives, e.g. {@link FilterReloader#current()}: the
   * one at {@code SMFIC_OPTNEG} decides what is negotiated, the one at {@code SMFIC_CONNECT} runs
   * the session, so that a reload applies to the next SMTP session (Postfix opens a milter
   * connection per SMTP session).
   */
  MilterConversation(Supplier<MailFilter> filters) {
    this.filters = Objects.requireNonNull(filters, "filters");
  }

  /** {@code filter}, always. */
  static Supplier<MailFilter> fixed(MailFilter filter) {
    Objects.requireNonNull(filter, "filter");
    return () -> filter;
  }

  /**
   * Whether {@code SMFIR_PROGRESS} may be sent now: protocol version 6 (Postfix 2.6+, Sendmail
   * 8.14+) negotiated.
   */
  boolean mayProgress() {
    return negotiation != null && negotiation.version() >= 6;
  }

  /** Whether a transaction is open: after MAIL, until the end of the message or an abort. */
  boolean inTransaction() {
    return inTransaction;
  }

  /** Whether the MTA sent {@code SMFIC_QUIT}: the connection is over. */
  boolean quit() {
    return quit;
  }

  /** The current or last transaction's queue id, for log lines; empty before the MTA sent one. */
  Optional<String> queueId() {
    return Optional.ofNullable(logQueueId);
  }

  /** The verdict of the end of message just handled, once; null when there is none. */
  Verdict takeVerdict() {
    Verdict v = verdict;
    verdict = null;
    return v;
  }

  /** The refusal of the command just handled, once; null when there is none. */
  Decision.Refuse takeRefusal() {
    Decision.Refuse r = refusal;
    refusal = null;
    return r;
  }

  /**
   * Handles one command.
   *
   * @return the responses to send, in order; empty for commands that get no reply
   * @throws MilterProtocolException for a command out of order (before option negotiation, a stage
   *     before {@code SMFIC_CONNECT}, anything after {@code SMFIC_QUIT}) or a value the core
   *     refuses
   */
  List<Response> handle(Command command) throws MilterProtocolException {
    Objects.requireNonNull(command, "command");
    if (quit) {
      throw error(command, "the MTA already quit this connection");
    }
    if (negotiation == null && !(command instanceof Command.OptNeg)) {
      throw error(command, "before SMFIC_OPTNEG");
    }
    try {
      List<Response> replies = dispatch(command);
      if (noReply(command)) {
        // Not told to the MTA, so not counted: the session keeps it, and the next stage that is
        // answered (a recipient, the end of the message) tells it.
        refusal = null;
        return List.of();
      }
      if (refusal != null) {
        if (refusal == counted) {
          refusal = null; // told already to an earlier recipient of this transaction
        } else {
          counted = refusal;
        }
      }
      return replies;
    } catch (IllegalStateException | IllegalArgumentException e) {
      throw error(command, e.getMessage());
    }
  }

  private List<Response> dispatch(Command command) throws MilterProtocolException {
    return switch (command) {
      case Command.OptNeg o -> {
        if (session != null) {
          throw error(command, "during an SMTP session");
        }
        // Macro lists came with version 6; an older MTA may offer the bit (Postfix 2.5 does) but
        // not expect the list after the masks.
        int actions = o.version() >= 6 ? ACTIONS : ACTIONS & ~Milter.SMFIF_SETSYMLIST;
        int protocol =
            (o.protocol() & Milter.SMFIP_NR_BODY) != 0 ? PROTOCOL & ~Milter.SMFIP_SKIP : PROTOCOL;
        protocol |= earlyNoReply(filters.get());
        negotiation = Negotiation.agree(o, actions, protocol);
        yield List.of(negotiation.reply(MACROS));
      }
      case Command.Macro m -> {
        macros.put(m.stage(), m.macros());
        yield List.of();
      }
      case Command.Connect c -> {
        if (session != null) {
          throw error(command, "a session is already open");
        }
        open(connection(c));
        yield reply(session.connectDecision());
      }
      case Command.Helo h -> {
        applyMacros(Milter.SMFIC_HELO);
        yield reply(session().helo(h.name()));
      }
      case Command.Mail m -> {
        applyMacros(Milter.SMFIC_MAIL);
        headerCounts.clear();
        queueId = null;
        logQueueId = null;
        counted = null;
        messageBytes = 0;
        skipped = false;
        Decision d = session().mailFrom(m.args().getFirst(), esmtp(m.args()));
        inTransaction = true;
        if (pendingQueueId != null) {
          setQueueId(pendingQueueId);
          pendingQueueId = null;
        }
        yield reply(d);
      }
      case Command.Rcpt r -> {
        applyMacros(Milter.SMFIC_RCPT);
        yield reply(session().rcptTo(r.args().getFirst()));
      }
      case Command.Data d -> {
        applyMacros(Milter.SMFIC_DATA);
        session();
        yield List.of(Response.CONTINUE);
      }
      case Command.Header h -> {
        applyMacros(Milter.SMFIC_HEADER);
        appendHeader(h.name(), h.value());
        headerCounts.merge(h.name().toLowerCase(Locale.ROOT), 1, Integer::sum);
        yield List.of(Response.CONTINUE);
      }
      case Command.Eoh e -> {
        applyMacros(Milter.SMFIC_EOH);
        messageBytes += 2; // the empty line the session appends
        yield reply(session().endOfHeaders());
      }
      case Command.Body b -> {
        applyMacros(Milter.SMFIC_BODY);
        if (skipped) {
          // The MTA may have had chunks in flight when it read our SKIP.
          yield List.of(Response.CONTINUE);
        }
        session().append(b.chunk());
        messageBytes += b.chunk().length;
        if (messageBytes > maxMessageSize && negotiation.has(Milter.SMFIP_SKIP)) {
          // Over limits.max_message_size the session rejects the message whatever the rest
          // holds (552 5.3.4), so the rest need not cross the socket.
          skipped = true;
          yield List.of(Response.SKIP);
        }
        yield List.of(Response.CONTINUE);
      }
      case Command.BodyEob e -> {
        applyMacros(Milter.SMFIC_BODYEOB);
        Verdict v = session().endOfData();
        verdict = v;
        List<Response> out = endOfMessage(v);
        endTransaction();
        yield out;
      }
      case Command.Abort a -> {
        if (session != null) {
          session.reset();
        }
        endTransaction();
        yield List.of();
      }
      case Command.Unknown u -> List.of(Response.CONTINUE);
      case Command.Quit q -> {
        close();
        quit = true;
        yield List.of();
      }
      case Command.QuitNc q -> {
        // The MTA keeps the milter connection for its next SMTP session: everything but the
        // negotiation starts over.
        close();
        macros.clear();
        authUser = null;
        tls = null;
        yield List.of();
      }
    };
  }

  /**
   * Opens the session on the current filter; when a reload swapped and closed it in between, on the
   * new one (as {@link FilterReloader#open} does).
   */
  private void open(Connection connection) {
    while (true) {
      MailFilter f = filters.get();
      try {
        session = f.open(connection);
        maxMessageSize = f.config().limits().maxMessageSize();
        return;
      } catch (IllegalStateException e) {
        if (filters.get() == f) {
          throw e;
        }
      }
    }
  }

  /**
   * Whether {@code command} gets a reply: the option negotiation and every stage the MTA waits for.
   * Macros, abort and quit never do, nor the stages negotiated without a reply.
   */
  boolean answers(Command command) {
    return switch (command) {
      case Command.OptNeg o -> true;
      case Command.Macro m -> false;
      case Command.Abort a -> false;
      case Command.Quit q -> false;
      case Command.QuitNc q -> false;
      default -> negotiation == null || !noReply(command);
    };
  }

  /** Whether the negotiation told the MTA not to wait for a reply to this command. */
  private boolean noReply(Command command) {
    return switch (command) {
      case Command.Connect c -> negotiation.has(Milter.SMFIP_NR_CONN);
      case Command.Helo h -> negotiation.has(Milter.SMFIP_NR_HELO);
      case Command.Mail m -> negotiation.has(Milter.SMFIP_NR_MAIL);
      case Command.Rcpt r -> negotiation.has(Milter.SMFIP_NR_RCPT);
      case Command.Data d -> negotiation.has(Milter.SMFIP_NR_DATA);
      case Command.Eoh e -> negotiation.has(Milter.SMFIP_NR_EOH);
      case Command.Header h -> negotiation.has(Milter.SMFIP_NR_HDR);
      case Command.Body b -> negotiation.has(Milter.SMFIP_NR_BODY);
      case Command.Unknown u -> negotiation.has(Milter.SMFIP_NR_UNKN);
      default -> false;
    };
  }

  /**
   * One header field to the session. With {@code SMFIP_HDR_LEADSPC} the value is verbatim (the
   * whitespace after the colon included), so the raw line is {@code name:value}; without it the MTA
   * ate one space, which {@link FilterSession#appendHeader} puts back. Folds come with a bare LF
   * and go to the session as CRLF.
   */
  private void appendHeader(String name, String value) {
    if (!negotiation.has(Milter.SMFIP_HDR_LEADSPC)) {
      session().appendHeader(name, value);
      messageBytes += name.length() + value.length() + 4;
      return;
    }
    if (name.isEmpty()) {
      throw new IllegalArgumentException("not a header field name: \"\"");
    }
    // One array of the line's exact length, written char by char (ISO-8859-1: one byte each): a
    // stream for the name check and a StringBuilder, its String and that String's bytes were
    // four allocations per field more (JFR, a local loop of milter connections).
    int lineLength = name.length() + 1 + value.length() + 2;
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) == '\n' && (i == 0 || value.charAt(i - 1) != '\r')) {
        lineLength++;
      }
    }
    byte[] bytes = new byte[lineLength];
    int n = 0;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c <= ' ' || c > '~' || c == ':') {
        throw new IllegalArgumentException("not a header field name: \"" + name + "\"");
      }
      bytes[n++] = (byte) c;
    }
    bytes[n++] = ':';
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c > 0xff) {
        throw new IllegalArgumentException("header " + name + ": a char above U+00FF");
      }
      if (c == '\n' && (i == 0 || value.charAt(i - 1) != '\r')) {
        bytes[n++] = '\r';
      }
      bytes[n++] = (byte) c;
    }
    bytes[n++] = '\r';
    bytes[n] = '\n';
    session().append(bytes);
    messageBytes += bytes.length;
  }

  /** Closes the session, if one is open. Never throws. */
  @Override
  public void close() {
    if (session != null) {
      session.close();
      session = null;
    }
    endTransaction();
  }

  private void endTransaction() {
    inTransaction = false;
    pendingQueueId = null;
    queueId = null;
    headerCounts.clear();
    // Macros of the transaction's stages must not leak into the next one (a stale queue id).
    for (char stage :
        new char[] {
          Milter.SMFIC_MAIL,
          Milter.SMFIC_RCPT,
          Milter.SMFIC_DATA,
          Milter.SMFIC_HEADER,
          Milter.SMFIC_EOH,
          Milter.SMFIC_BODY,
          Milter.SMFIC_BODYEOB
        }) {
      macros.remove(stage);
    }
  }

  private FilterSession session() {
    if (session == null) {
      throw new IllegalStateException("no SMTP session: SMFIC_CONNECT has not come");
    }
    return session;
  }

  /**
   * Hands the stage's macros to the session: AUTH and TLS facts before the stage runs, so its
   * checks see them; the queue id once a transaction is open.
   */
  private void applyMacros(char stage) {
    Map<String, String> m = macros.getOrDefault(stage, Map.of());
    String user = m.getOrDefault("{auth_authen}", "");
    if (!user.isEmpty() && !user.equals(authUser)) {
      session().authenticated(user);
      authUser = user;
    }
    String version = m.getOrDefault("{tls_version}", "");
    String cipher = m.getOrDefault("{cipher}", "");
    if (!version.isEmpty() || !cipher.isEmpty()) {
      TlsInfo info = TlsInfo.of(version, cipher);
      if (!info.equals(tls)) {
        session().tlsStarted(info);
        tls = info;
      }
    }
    String id = m.getOrDefault("i", "");
    if (!id.isEmpty()) {
      if (inTransaction) {
        setQueueId(id);
      } else {
        pendingQueueId = id;
      }
    }
  }

  private void setQueueId(String id) {
    if (!id.equals(queueId)) {
      session().queueId(id);
      queueId = id;
      logQueueId = id;
    }
  }

  private static Connection connection(Command.Connect c) throws MilterProtocolException {
    String host = c.hostname();
    // Postfix gives "unknown" or "[address]" when the client has no verified name.
    String reverse = host.isEmpty() || host.equals("unknown") || host.startsWith("[") ? null : host;
    return switch (c.family()) {
      case INET, INET6 -> Connection.of(address(c), c.port(), reverse);
      case UNIX, UNKNOWN -> Connection.of(LOCAL_PLACEHOLDER, 0, reverse);
    };
  }

  // Parsed as a literal only: an address that is not one must never become a DNS lookup.
  private static InetAddress address(Command.Connect c) throws MilterProtocolException {
    String text = c.address();
    if (text.regionMatches(true, 0, "IPv6:", 0, 5)) {
      text = text.substring(5); // Sendmail's form
    }
    if (text.startsWith("[") && text.endsWith("]")) {
      text = text.substring(1, text.length() - 1);
    }
    boolean literal =
        c.family() == Command.Family.INET
            ? IPV4.matcher(text).matches()
            : text.indexOf(':') >= 0 && !text.contains("%");
    if (literal) {
      try {
        InetAddress a = InetAddress.getByName(text);
        if ((c.family() == Command.Family.INET) == (a.getAddress().length == 4)
            || c.family() == Command.Family.INET6) {
          return a;
        }
      } catch (UnknownHostException e) {
        // reported below
      }
    }
    throw new MilterProtocolException(
        "SMFIC_CONNECT: not an IPv"
            + (c.family() == Command.Family.INET ? "4" : "6")
            + " address: \""
            + c.address()
            + "\"");
  }

  /** MAIL's arguments after the sender, {@code KEY=VALUE} or a bare {@code KEY}. */
  private static Map<String, String> esmtp(List<String> args) {
    Map<String, String> params = new LinkedHashMap<>();
    for (String arg : args.subList(1, args.size())) {
      int eq = arg.indexOf('=');
      if (eq < 0) {
        params.put(arg, "");
      } else {
        params.put(arg.substring(0, eq), arg.substring(eq + 1));
      }
    }
    return params;
  }

  private List<Response> reply(Decision decision) {
    return switch (decision) {
      case Decision.Continue c -> List.of(Response.CONTINUE);
      case Decision.Refuse r -> {
        refusal = r;
        yield List.of(replyCode(r.reply()));
      }
    };
  }

  private static Response.ReplyCode replyCode(Reply reply) {
    // The milter reply needs an enhanced status; X.0.0 ("other or undefined") when the core has
    // none.
    String status = reply.enhanced().isEmpty() ? reply.code() / 100 + ".0.0" : reply.enhanced();
    return new Response.ReplyCode(reply.code(), status, reply.lines());
  }

  /** The header edits, then the final reply. */
  private List<Response> endOfMessage(Verdict verdict) {
    List<Response> out = new ArrayList<>();
    switch (verdict.action()) {
      case GREYLIST, SOFT_REJECT, REJECT, TEMPFAIL -> {
        out.add(replyCode(verdict.reply()));
        return out;
      }
      case DISCARD -> {
        out.add(Response.DISCARD);
        return out;
      }
      case ACCEPT, ADD_HEADER, REWRITE_SUBJECT, QUARANTINE -> {}
    }
    List<HeaderEdit.RemoveAt> removals = new ArrayList<>();
    for (HeaderEdit edit : verdict.headerEdits()) {
      // One beyond the fields of its name removes nothing, and needs no permission.
      if (edit instanceof HeaderEdit.RemoveAt r
          && r.index() <= headerCounts.getOrDefault(r.name().toLowerCase(Locale.ROOT), 0)) {
        removals.add(r);
      }
    }
    if (!removals.isEmpty()) {
      if ((negotiation.actions() & Milter.SMFIF_CHGHDRS) == 0) {
        // A field the verdict must remove (a forged Authentication-Results claiming our
        // authserv-id) would reach the recipient as if we had written it: defer rather than
        // deliver it, so that the MTA's configuration is fixed before mail is lost.
        LOG.warn(
            "milter: message deferred with {} {}: it holds {} forged {} field(s) to remove, and the"
                + " MTA did not offer SMFIF_CHGHDRS",
            CANNOT_REMOVE.code(),
            CANNOT_REMOVE.enhanced(),
            removals.size(),
            removals.getFirst().name());
        out.add(replyCode(CANNOT_REMOVE));
        return out;
      }
      removeAt(removals, out);
    }
    for (HeaderEdit edit : verdict.headerEdits()) {
      headerEdit(edit, out);
    }
    if (verdict.action() == dev.mailfilter.api.Action.QUARANTINE
        && (negotiation.actions() & Milter.SMFIF_QUARANTINE) != 0) {
      out.add(new Response.Quarantine(quarantineReason(verdict)));
    }
    out.add(Response.CONTINUE);
    return out;
  }

  private static String quarantineReason(Verdict verdict) {
    return "mailfilter: score " + dev.mailfilter.api.Scores.format(verdict.score());
  }

  /**
   * The answer to a message with a field to remove when the MTA did not offer {@code
   * SMFIF_CHGHDRS}: the removal protects the recipient, so the message waits instead.
   */
  static final Reply CANNOT_REMOVE =
      Reply.of(451, "4.7.0", "Cannot remove a forged header field: header changes not allowed");

  /**
   * The single-field removals (each within the received fields of its name), before any other edit:
   * their indexes count the header as received, and the MTA counts the fields it holds at the time,
   * added ones included. Each name's from the highest index down, so that one deletion leaves the
   * lower indexes valid.
   */
  private void removeAt(List<HeaderEdit.RemoveAt> removals, List<Response> out) {
    java.util.TreeSet<HeaderEdit.RemoveAt> ordered =
        new java.util.TreeSet<>(
            java.util.Comparator.comparing(
                    (HeaderEdit.RemoveAt r) -> r.name().toLowerCase(Locale.ROOT))
                .thenComparing(
                    java.util.Comparator.comparingInt(HeaderEdit.RemoveAt::index).reversed()));
    ordered.addAll(removals);
    for (HeaderEdit.RemoveAt r : ordered) {
      out.add(Response.ChgHeader.delete(r.index(), r.name()));
    }
    // The removals done, later Set and Remove edits count the fields that are left.
    for (HeaderEdit.RemoveAt r : ordered) {
      headerCounts.merge(r.name().toLowerCase(Locale.ROOT), -1, Integer::sum);
    }
  }

  // Headers the MTA did not let us change are left out rather than failing the message; the
  // single-field removals are done before (removeAt).
  private void headerEdit(HeaderEdit edit, List<Response> out) {
    boolean add = (negotiation.actions() & Milter.SMFIF_ADDHDRS) != 0;
    boolean change = (negotiation.actions() & Milter.SMFIF_CHGHDRS) != 0;
    int count = headerCounts.getOrDefault(edit.name().toLowerCase(Locale.ROOT), 0);
    switch (edit) {
      case HeaderEdit.Add a -> {
        if (add) {
          out.add(new Response.AddHeader(a.name(), value(a.value())));
        }
      }
      case HeaderEdit.Prepend p -> {
        if (add) {
          // SMFIR_INSHEADER came with protocol version 6; before it the field goes at the end.
          out.add(
              negotiation.version() >= 6
                  ? new Response.InsHeader(0, p.name(), value(p.value()))
                  : new Response.AddHeader(p.name(), value(p.value())));
        }
      }
      case HeaderEdit.Set s -> {
        if (change) {
          // From the highest index down, so that each deletion leaves the lower indexes valid.
          for (int i = count; i >= 2; i--) {
            out.add(Response.ChgHeader.delete(i, s.name()));
          }
          // Index 1 of a name that is absent adds the field.
          out.add(new Response.ChgHeader(1, s.name(), value(s.value())));
        }
      }
      case HeaderEdit.Remove r -> {
        if (change) {
          for (int i = count; i >= 1; i--) {
            out.add(Response.ChgHeader.delete(i, r.name()));
          }
        }
      }
      case HeaderEdit.RemoveAt r -> {}
    }
  }

  /**
   * A value for the MTA. Milter header values fold with a bare LF, as the MTA sends them; the core
   * folds with CRLF. With {@code SMFIP_HDR_LEADSPC} Postfix puts no space after the colon of the
   * fields we add or change (milter8.c, {@code MILTER8_HDR_SPACE}), so the value brings its own.
   */
  private String value(String value) {
    String v = value.replace("\r\n", "\n");
    if (negotiation.has(Milter.SMFIP_HDR_LEADSPC) && !v.startsWith(" ") && !v.startsWith("\t")) {
      v = " " + v;
    }
    return v;
  }

  private static MilterProtocolException error(Command command, String why) {
    return new MilterProtocolException(Command.name(command.toPacket().code()) + ": " + why);
  }
}
