package dev.mailfilter.engine;

import dev.mailfilter.api.Action;
import dev.mailfilter.api.Addresses;
import dev.mailfilter.api.Connection;
import dev.mailfilter.api.Decision;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.FilterSession;
import dev.mailfilter.api.HeaderEdit;
import dev.mailfilter.api.Policy;
import dev.mailfilter.api.Reply;
import dev.mailfilter.api.Stage;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.api.TlsInfo;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.api.VerdictScope;
import dev.mailfilter.config.IpRange;
import dev.mailfilter.mime.ByteView;
import dev.mailfilter.mime.MessageAccumulator;
import dev.mailfilter.mime.MessageParser;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The engine's {@link FilterSession}: stage state, allow and block lists, limits, decisions, and
 * the one buffer a streamed message is appended to.
 */
final class Session implements FilterSession {
  static final Reply SIZE_EXCEEDED = Reply.of(552, "5.3.4", "Message size exceeds fixed limit");
  static final Reply SIZE_SYNTAX = Reply.of(501, "5.5.4", "Invalid SIZE parameter");
  static final Reply TRANSACTION_TIME =
      Reply.of(451, "4.4.2", "Transaction time limit exceeded, please try again later");
  static final Reply SESSION_TIME =
      Reply.of(421, "4.4.2", "Session time limit exceeded, closing connection");
  private static final byte[] CRLF = {'\r', '\n'};
  // The buffer only keeps what the parser will look at and the size limit allows.
  private final MessageParser bufferParser;

  private final Engine filter;
  private final EngineSettings config;
  private final Instant opened;
  private Connection connection; // replaced by STARTTLS and AUTH
  private final VerdictScope scope;
  private final Findings connectFindings = new Findings();
  private Findings heloFindings = new Findings();
  private final Decision connectDecision;
  private Decision connectionRefusal; // sticky for the session
  private String helo = "";
  private boolean connectionAllowed;
  private List<Symbol> connectionAllowSymbols = List.of();
  private boolean closed;
  private Decision.Refuse sessionExpired; // set once the session is over its time

  // The current transaction; null between transactions, when noTx says why (for misuse errors).
  private Tx tx;
  private String noTx = "before mailFrom";

  private static final class Tx {
    final String id;
    final Instant started;
    final TransactionCache cache = new TransactionCache();
    final Findings findings = new Findings();
    String sender;
    Map<String, String> params;
    final List<String> recipients = new ArrayList<>();
    Policy policy;
    Decision refusal;
    boolean allowed;
    final List<Symbol> allowSymbols = new ArrayList<>();
    Optional<String> queueId = Optional.empty();
    MessageAccumulator buffer; // made at the first append
    boolean headersDone; // the HEADERS stage ran (or an allowed transaction passed it)
    final RecipientGate gate;

    Tx(String id, Instant started, VerdictScope scope) {
      this.id = id;
      this.started = started;
      this.gate = new RecipientGate(scope);
    }
  }

  Session(Engine filter, Connection connection, VerdictScope scope) {
    this.filter = filter;
    this.scope = Objects.requireNonNull(scope, "scope");
    this.config = filter.settings();
    this.bufferParser = MessageParser.create(config.mimeLimits());
    this.connection = Objects.requireNonNull(connection, "connection");
    this.opened = filter.clock().instant();
    this.connectDecision = connect();
  }

  private Decision connect() {
    Optional<IpRange> allowed = config.allowList().matchClient(connection.clientAddress());
    if (allowed.isPresent()) {
      connectionAllowed = true;
      connectionAllowSymbols = List.of(Symbol.of("ALLOWLIST_IP", 0, allowed.get().toString()));
      return Decision.proceed();
    }
    Optional<IpRange> blocked = config.blockList().matchClient(connection.clientAddress());
    if (blocked.isPresent()) {
      connectionRefusal =
          refuse(
              "-",
              Action.REJECT,
              config.blockedReply(),
              List.of(Symbol.of("BLOCKLIST_IP", 0, blocked.get().toString())));
      return connectionRefusal;
    }
    String id = filter.newId();
    filter
        .runner()
        .run(
            Stage.CONNECT,
            id,
            envelope(""),
            Optional.empty(),
            null,
            connectFindings,
            new TransactionCache());
    Decision d = decide(id, filter.defaultPolicy(), connectFindings);
    if (d.refused()) {
      connectionRefusal = d;
    }
    return d;
  }

  @Override
  public Connection connection() {
    return connection;
  }

  @Override
  public Decision connectDecision() {
    return connectDecision;
  }

  @Override
  public Decision helo(String name) {
    ensureOpen();
    Objects.requireNonNull(name, "name");
    helo = name.strip();
    endTransaction("after helo");
    checkSessionTime();
    if (connectionRefusal != null) {
      return connectionRefusal;
    }
    if (connectionAllowed) {
      return Decision.proceed();
    }
    heloFindings = new Findings();
    String id = filter.newId();
    filter
        .runner()
        .run(
            Stage.HELO,
            id,
            envelope(""),
            Optional.empty(),
            null,
            heloFindings,
            new TransactionCache());
    Decision d = decide(id, filter.defaultPolicy(), connectFindings, heloFindings);
    if (d.refused()) {
      connectionRefusal = d;
    }
    return d;
  }

  @Override
  public Decision mailFrom(String sender, Map<String, String> esmtpParameters) {
    ensureOpen();
    Objects.requireNonNull(sender, "sender");
    Objects.requireNonNull(esmtpParameters, "esmtpParameters");
    tx = new Tx(filter.newId(), filter.clock().instant(), scope);
    tx.sender = Addresses.unbracket(sender);
    Map<String, String> params = new LinkedHashMap<>();
    esmtpParameters.forEach((k, v) -> params.put(k.toUpperCase(Locale.ROOT), v == null ? "" : v));
    tx.params = Map.copyOf(params);
    checkSessionTime();
    if (connectionRefusal != null) {
      tx.refusal = connectionRefusal;
      return connectionRefusal;
    }
    Decision size = declaredSize(tx.params.get("SIZE"));
    if (size.refused()) {
      tx.refusal = size;
      return size;
    }
    if (connectionAllowed) {
      tx.allowed = true;
      return Decision.proceed();
    }
    String domain = Addresses.domain(tx.sender);
    if (config.allowList().matchesSender(tx.sender)) {
      tx.allowed = true;
      tx.allowSymbols.add(Symbol.of("ALLOWLIST_SENDER", 0, tx.sender));
      return Decision.proceed();
    }
    Optional<String> allowedDomain = config.allowList().matchDomain(domain);
    if (allowedDomain.isPresent()) {
      tx.allowed = true;
      tx.allowSymbols.add(Symbol.of("ALLOWLIST_DOMAIN", 0, allowedDomain.get()));
      return Decision.proceed();
    }
    if (config.blockList().matchesSender(tx.sender)) {
      tx.refusal =
          refuse(
              tx.id,
              Action.REJECT,
              config.blockedReply(),
              List.of(Symbol.of("BLOCKLIST_SENDER", 0, tx.sender)));
      return tx.refusal;
    }
    Optional<String> blockedDomain = config.blockList().matchDomain(domain);
    if (blockedDomain.isPresent()) {
      tx.refusal =
          refuse(
              tx.id,
              Action.REJECT,
              config.blockedReply(),
              List.of(Symbol.of("BLOCKLIST_DOMAIN", 0, blockedDomain.get())));
      return tx.refusal;
    }
    filter
        .runner()
        .run(Stage.MAIL_FROM, tx.id, envelope(), Optional.empty(), null, tx.findings, tx.cache);
    Decision d = decide(tx.id, filter.defaultPolicy(), connectFindings, heloFindings, tx.findings);
    if (d.refused()) {
      tx.refusal = d;
    }
    return d;
  }

  @Override
  public Decision rcptTo(String recipient) {
    ensureOpen();
    Objects.requireNonNull(recipient, "recipient");
    if (tx == null) {
      throw new IllegalStateException("rcptTo before mailFrom: " + recipient);
    }
    if (tx.refusal != null) {
      return tx.refusal;
    }
    String rcpt = Addresses.unbracket(recipient);
    if (filter.tenants().relayControl()) {
      return tenantRcpt(rcpt);
    }
    Policy policy = tx.policy != null ? tx.policy : filter.policyResolver().resolve(rcpt);
    if (tx.allowed) {
      acceptRecipient(rcpt, policy);
      return Decision.proceed();
    }
    Findings rcptFindings = new Findings();
    filter
        .runner()
        .run(Stage.RCPT, tx.id, envelope(), Optional.of(rcpt), null, rcptFindings, tx.cache);
    Decision d = decide(tx.id, policy, connectFindings, heloFindings, tx.findings, rcptFindings);
    if (!d.refused()) {
      tx.findings.addAll(rcptFindings);
      acceptRecipient(rcpt, policy);
    }
    return d;
  }

  /** RCPT TO with configured domains: relay control, tenant lists and policy, grouping. */
  private Decision tenantRcpt(String rcpt) {
    RecipientGate.Admission a =
        tx.gate.admit(
            filter.tenants(),
            filter.defaultTenantPolicy(),
            rcpt,
            connection.clientAddress(),
            tx.sender,
            config.blockedReply());
    if (a instanceof RecipientGate.Refused r) {
      if (r.log()) {
        filter.logRefusal(
            tx.id, queueIdOf(tx), connection, helo, tx.sender, r.refusal(), Optional.empty());
      }
      return r.refusal();
    }
    RecipientGate.Admitted admitted = (RecipientGate.Admitted) a;
    Policy policy = admitted.policy().policy();
    if (!tx.allowed && !admitted.allowed()) {
      Findings rcptFindings = new Findings();
      filter
          .runner()
          .run(Stage.RCPT, tx.id, envelope(), Optional.of(rcpt), null, rcptFindings, tx.cache);
      Decision d = decide(tx.id, policy, connectFindings, heloFindings, tx.findings, rcptFindings);
      if (d.refused()) {
        return d;
      }
      tx.findings.addAll(rcptFindings);
    }
    tx.gate.accept(admitted);
    tx.recipients.add(rcpt);
    tx.policy = tx.gate.policy().orElseThrow();
    return Decision.proceed();
  }

  private void acceptRecipient(String rcpt, Policy policy) {
    tx.recipients.add(rcpt);
    if (tx.policy == null) {
      tx.policy = policy;
    }
  }

  @Override
  public void tlsStarted(TlsInfo tls) {
    ensureOpen();
    connection = connection.withTls(tls);
  }

  @Override
  public void authenticated(String user) {
    ensureOpen();
    connection = connection.withAuthenticatedUser(user);
  }

  @Override
  public void queueId(String queueId) {
    ensureOpen();
    Objects.requireNonNull(queueId, "queueId");
    Tx t = transaction("queueId(" + queueId + ")");
    t.queueId = envelope(t).withQueueId(queueId).queueId(); // validated by the envelope
  }

  @Override
  public void append(byte[] bytes, int offset, int length) {
    ensureOpen();
    Objects.requireNonNull(bytes, "bytes");
    buffer(transaction("append of " + length + " bytes")).append(bytes, offset, length);
  }

  @Override
  public void append(ByteBuffer bytes) {
    ensureOpen();
    Objects.requireNonNull(bytes, "bytes");
    buffer(transaction("append of " + bytes.remaining() + " bytes")).append(bytes);
  }

  @Override
  public void appendHeader(String name, String value) {
    ensureOpen();
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    Tx t = transaction("appendHeader(" + name + ")");
    if (t.headersDone) {
      throw new IllegalStateException(
          "appendHeader(" + name + ") after endOfHeaders in transaction " + t.id);
    }
    String folded = crlfFolds(value);
    new HeaderEdit.Add(name, folded); // the same validation as a header edit: no forged lines
    String field = name + ": " + folded + "\r\n";
    for (int i = 0; i < field.length(); i++) {
      if (field.charAt(i) > 0xFF) {
        throw new IllegalArgumentException(
            "appendHeader("
                + name
                + "): the field must be given one char per byte (ISO-8859-1), as the MTA sent"
                + " it; U+"
                + Integer.toHexString(field.charAt(i)).toUpperCase(Locale.ROOT)
                + " is no byte");
      }
    }
    byte[] line = field.getBytes(StandardCharsets.ISO_8859_1);
    buffer(t).append(line, 0, line.length);
  }

  @Override
  public Decision endOfHeaders() {
    ensureOpen();
    Tx t = transaction("endOfHeaders");
    if (t.headersDone) {
      throw new IllegalStateException("endOfHeaders called twice in transaction " + t.id);
    }
    MessageAccumulator buf = buffer(t);
    ByteView sofar = buf.bytes();
    if (!endsWithEmptyLine(sofar)) {
      if (sofar.size() > 0 && sofar.byteAt(sofar.size() - 1) != '\n') {
        buf.append(CRLF); // an unterminated last field: end its line first
      }
      buf.append(CRLF);
    }
    t.headersDone = true;
    if (t.refusal != null) {
      return t.refusal;
    }
    Decision.Refuse limit = limitExceeded(t, buf.size());
    if (limit != null) {
      t.refusal = limit == sessionExpired ? limit : logged(t.id, limit);
      return limit;
    }
    if (t.allowed) {
      return Decision.proceed();
    }
    runHeaders(t, RawMessage.of(buf.bytes()));
    Decision d = decide(t.id, policy(t), connectFindings, heloFindings, t.findings);
    if (d.refused()) {
      t.refusal = d;
    }
    return d;
  }

  @Override
  public Verdict endOfData() {
    ensureOpen();
    Tx t = transaction("endOfData");
    return finish(
        t, t.buffer == null ? RawMessage.of(new byte[0]) : RawMessage.of(t.buffer.bytes()));
  }

  @Override
  public Verdict endOfData(byte[] message) {
    Objects.requireNonNull(message, "message");
    return endOfData(message, message.length);
  }

  @Override
  public Verdict endOfData(byte[] message, int length) {
    ensureOpen();
    Objects.requireNonNull(message, "message");
    Objects.checkFromIndexSize(0, length, message.length);
    Tx t = transaction("endOfData(byte[" + length + "])");
    if (t.buffer != null) {
      throw new IllegalStateException(
          "endOfData(byte[]) after "
              + t.buffer.size()
              + " bytes were appended in transaction "
              + t.id
              + ": call endOfData() to classify what was appended");
    }
    // Only an array of the message's own size can stand for it where checks need one array.
    return finish(
        t,
        length == message.length
            ? RawMessage.of(message)
            : RawMessage.of(ByteView.of(message, 0, length)));
  }

  private Verdict finish(Tx t, RawMessage raw) {
    long start = System.nanoTime();
    Policy policy = policy(t);
    double required = policy.thresholds().required();
    Verdict v;
    Optional<Findings.Forced> demand = Optional.empty();
    if (t.refusal == null) {
      t.refusal = limitExceeded(t, t.buffer != null ? t.buffer.size() : raw.view().size());
    }
    if (t.refusal instanceof Decision.Refuse r) {
      v = new Verdict(r.action(), sum(r.symbols()), required, r.symbols(), List.of(), r.reply());
    } else if (t.allowed || t.gate.allowed()) {
      List<Symbol> symbols = new ArrayList<>(connectionAllowSymbols);
      symbols.addAll(t.allowed ? t.allowSymbols : t.gate.allowSymbols());
      v =
          new Verdict(
              Action.ACCEPT,
              0,
              required,
              symbols,
              RecipientGate.headers(
                  policy,
                  ResultHeaders.edits(
                      config.headers(),
                      Action.ACCEPT,
                      0,
                      required,
                      symbols,
                      raw.view(),
                      Findings.headers(connectFindings, heloFindings),
                      List.of())),
              Reply.OK);
    } else {
      if (!t.headersDone && filter.runner().hasChecks(Stage.HEADERS)) {
        t.headersDone = true;
        runHeaders(t, RawMessage.of(raw.view().slice(0, headerEnd(raw.view()))));
      }
      filter
          .runner()
          .run(Stage.DATA, t.id, envelope(t), Optional.empty(), raw, t.findings, t.cache);
      Findings[] all = {connectFindings, heloFindings, t.findings};
      // A demand of a check whose group the policy turns off does not count, like its symbols.
      demand = Findings.winningDemand(x -> !policy.symbolRules().groupOff(x.check()), all);
      v = verdict(policy, raw.view(), demand, all);
      filter.runner().verdictReached(t.id, raw, t.cache, v);
    }
    endTransaction("after endOfData");
    filter.logVerdict(
        t.id,
        t.queueId,
        connection,
        helo,
        t.sender,
        t.recipients,
        v,
        demand,
        System.nanoTime() - start);
    return v;
  }

  /** The HEADERS stage over the header block, with a cache of its own: the body is not there. */
  private void runHeaders(Tx t, RawMessage header) {
    filter
        .runner()
        .run(
            Stage.HEADERS,
            t.id,
            envelope(t),
            Optional.empty(),
            header,
            t.findings,
            new TransactionCache());
  }

  private Policy policy(Tx t) {
    return t.policy != null ? t.policy : filter.defaultPolicy();
  }

  /**
   * The limit the transaction is over at the end of headers or data, not yet logged: the session's
   * time, the transaction's time, or the size of the message ({@code size} bytes). Null when none.
   */
  private Decision.Refuse limitExceeded(Tx t, long size) {
    checkSessionTime();
    if (sessionExpired != null) {
      return sessionExpired;
    }
    Duration took = Duration.between(t.started, filter.clock().instant());
    Duration max = config.limits().maxTransactionTime();
    if (took.compareTo(max) > 0) {
      return new Decision.Refuse(
          Action.TEMPFAIL,
          TRANSACTION_TIME,
          List.of(
              Symbol.of(
                  "TRANSACTION_TIME_LIMIT", 0, took.toMillis() + "ms > " + max.toMillis() + "ms")));
    }
    return oversize(size, "message");
  }

  private Decision.Refuse oversize(long size, String what) {
    long max = config.limits().maxMessageSize();
    if (size <= max) {
      return null;
    }
    return new Decision.Refuse(
        Action.REJECT,
        SIZE_EXCEEDED,
        List.of(Symbol.of("MESSAGE_SIZE_LIMIT", 0, what + " of " + size + " bytes > " + max)));
  }

  private Decision.Refuse logged(String id, Decision.Refuse r) {
    filter.logRefusal(
        id, queueIdOf(tx), connection, helo, tx == null ? null : tx.sender, r, Optional.empty());
    return r;
  }

  private static Optional<String> queueIdOf(Tx t) {
    return t == null ? Optional.empty() : t.queueId;
  }

  /** The MAIL FROM {@code SIZE=} parameter against the limit (RFC 1870). */
  private Decision declaredSize(String size) {
    if (size == null) {
      return Decision.proceed();
    }
    long declared;
    try {
      declared = size.isEmpty() || size.length() > 20 ? -1 : Long.parseLong(size);
    } catch (NumberFormatException e) {
      declared = -1;
    }
    if (declared < 0 || !size.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return refuse(
          tx.id,
          Action.REJECT,
          SIZE_SYNTAX,
          List.of(Symbol.of("SIZE_PARAMETER_INVALID", 0, "SIZE=" + size)));
    }
    Decision.Refuse r = oversize(declared, "SIZE=");
    return r == null ? Decision.proceed() : logged(tx.id, r);
  }

  /** From now on every stage answers 421 when the session is over its time. */
  private void checkSessionTime() {
    if (sessionExpired != null) {
      return;
    }
    Duration took = Duration.between(opened, filter.clock().instant());
    if (took.compareTo(config.limits().maxSessionTime()) > 0) {
      sessionExpired =
          refuse(
              tx == null ? "-" : tx.id,
              Action.TEMPFAIL,
              SESSION_TIME,
              List.of(
                  Symbol.of(
                      "SESSION_TIME_LIMIT",
                      0,
                      took.toMillis()
                          + "ms > "
                          + config.limits().maxSessionTime().toMillis()
                          + "ms")));
      connectionRefusal = sessionExpired; // sticks, like a refusal at connect
    }
  }

  private MessageAccumulator buffer(Tx t) {
    if (t.buffer == null) {
      t.buffer =
          bufferParser.accumulator(
              Math.min(config.limits().maxMessageSize(), config.mimeLimits().maxMessageSize()));
    }
    return t.buffer;
  }

  /** The current transaction, or an {@link IllegalStateException} saying why there is none. */
  private Tx transaction(String call) {
    if (tx == null) {
      throw new IllegalStateException(
          call + " outside a transaction (" + noTx + "): call mailFrom");
    }
    return tx;
  }

  private void endTransaction(String why) {
    tx = null;
    noTx = why;
  }

  /** Folds as the MTA may give them, LF then space or tab, made CRLF like the rest of the line. */
  private static String crlfFolds(String value) {
    if (value.indexOf('\n') < 0) {
      return value;
    }
    StringBuilder sb = new StringBuilder(value.length() + 8);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\n' && (i == 0 || value.charAt(i - 1) != '\r')) {
        sb.append('\r');
      }
      sb.append(c);
    }
    return sb.toString();
  }

  /** Whether the bytes end with an empty line: LF LF or LF CR LF. */
  private static boolean endsWithEmptyLine(ByteView b) {
    int n = b.size();
    if (n == 0) {
      return false;
    }
    if (n >= 2 && b.byteAt(n - 1) == '\n' && b.byteAt(n - 2) == '\n') {
      return true;
    }
    return n >= 3 && b.byteAt(n - 1) == '\n' && b.byteAt(n - 2) == '\r' && b.byteAt(n - 3) == '\n';
  }

  /** The length of the header block with its empty line; the whole message when it has none. */
  static int headerEnd(ByteView b) {
    int n = b.size();
    if (n > 0 && (b.byteAt(0) == '\n' || (n > 1 && b.byteAt(0) == '\r' && b.byteAt(1) == '\n'))) {
      return b.byteAt(0) == '\n' ? 1 : 2; // no header at all
    }
    for (int i = 0; i < n; i++) {
      if (b.byteAt(i) == '\n') {
        if (i + 1 < n && b.byteAt(i + 1) == '\n') {
          return i + 2;
        }
        if (i + 2 < n && b.byteAt(i + 1) == '\r' && b.byteAt(i + 2) == '\n') {
          return i + 3;
        }
      }
    }
    return n;
  }

  private Verdict verdict(
      Policy policy, ByteView message, Optional<Findings.Forced> forced, Findings... all) {
    List<Symbol> symbols = policy.symbolRules().apply(Findings.merged(all), filter::groupOf);
    double score = sum(symbols);
    double required = policy.thresholds().required();
    Action action = policy.effectiveAction(policy.thresholds().actionFor(score));
    boolean tempfail = false;
    for (Findings f : all) {
      tempfail |= f.tempfailFailure();
    }
    Reply reply;
    if (forced.isPresent()) {
      action = policy.effectiveAction(forced.get().action());
      reply = action == forced.get().action() ? replyFor(forced.get()) : config.reply(action);
    } else {
      if (tempfail && !action.refusesClient()) {
        action = Action.TEMPFAIL;
      }
      reply = config.reply(action);
    }
    List<HeaderEdit> edits =
        RecipientGate.headers(
            policy,
            ResultHeaders.edits(
                config.headers(),
                action,
                score,
                required,
                symbols,
                message,
                Findings.headers(all),
                Findings.removals(all)));
    return new Verdict(action, score, required, symbols, edits, reply);
  }

  /** The demanding check's own reply, or the configured one of its action. */
  private Reply replyFor(Findings.Forced demand) {
    return demand.reply().orElseGet(() -> config.reply(demand.action()));
  }

  /** The decision before DATA: a demanded refusal, a failed check on tempfail, or early reject. */
  private Decision decide(String id, Policy policy, Findings... all) {
    Optional<Findings.Forced> forced =
        Findings.winningDemand(
            x -> x.action().refusesClient() && !policy.symbolRules().groupOff(x.check()), all);
    boolean tempfail = false;
    for (Findings f : all) {
      tempfail |= f.tempfailFailure();
    }
    if (forced.isEmpty() && !tempfail && !config.earlyReject()) {
      return Decision.proceed();
    }
    List<Symbol> symbols = policy.symbolRules().apply(Findings.merged(all), filter::groupOf);
    if (forced.isPresent()) {
      return refuse(id, forced.get().action(), replyFor(forced.get()), symbols, forced);
    }
    if (tempfail) {
      return refuse(id, Action.TEMPFAIL, config.reply(Action.TEMPFAIL), symbols);
    }
    var reject = policy.thresholds().threshold(Action.REJECT);
    if (reject.isPresent() && sum(symbols) >= reject.getAsDouble()) {
      return refuse(id, Action.REJECT, config.reply(Action.REJECT), symbols);
    }
    return Decision.proceed();
  }

  private Decision.Refuse refuse(String id, Action action, Reply reply, List<Symbol> symbols) {
    return refuse(id, action, reply, symbols, Optional.empty());
  }

  private Decision.Refuse refuse(
      String id,
      Action action,
      Reply reply,
      List<Symbol> symbols,
      Optional<Findings.Forced> demand) {
    Decision.Refuse r = new Decision.Refuse(action, reply, symbols);
    filter.logRefusal(
        id, queueIdOf(tx), connection, helo, tx == null ? null : tx.sender, r, demand);
    return r;
  }

  private static double sum(List<Symbol> symbols) {
    double s = 0;
    for (Symbol x : symbols) {
      s += x.score();
    }
    return s;
  }

  private Envelope envelope(String sender) {
    return new Envelope(connection, helo, sender, Map.of(), List.of());
  }

  private Envelope envelope() {
    return envelope(tx);
  }

  private Envelope envelope(Tx t) {
    return new Envelope(connection, helo, t.sender, t.params, t.recipients, t.queueId);
  }

  @Override
  public void reset() {
    ensureOpen();
    endTransaction("after reset");
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    endTransaction("after close");
    filter.sessionClosed(); // once: the engine's close waits for this
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("session closed");
    }
  }
}
