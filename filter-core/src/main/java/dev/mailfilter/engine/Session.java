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
import dev.mailfilter.api.Verdict;
import dev.mailfilter.api.VerdictScope;
import dev.mailfilter.config.IpRange;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** The engine's {@link FilterSession}: stage state, allow and block lists, decisions. */
final class Session implements FilterSession {
  private final Engine filter;
  private final EngineSettings config;
  private final Connection connection;
  private final VerdictScope scope;
  private final Findings connectFindings = new Findings();
  private Findings heloFindings = new Findings();
  private final Decision connectDecision;
  private Decision connectionRefusal; // sticky for the session
  private String helo = "";
  private boolean connectionAllowed;
  private List<Symbol> connectionAllowSymbols = List.of();
  private boolean closed;

  // The current transaction; null between transactions.
  private Tx tx;

  private static final class Tx {
    final String id;
    final TransactionCache cache = new TransactionCache();
    final Findings findings = new Findings();
    String sender;
    Map<String, String> params;
    final List<String> recipients = new ArrayList<>();
    Policy policy;
    Decision refusal;
    boolean allowed;
    final List<Symbol> allowSymbols = new ArrayList<>();
    final RecipientGate gate;

    Tx(String id, VerdictScope scope) {
      this.id = id;
      this.gate = new RecipientGate(scope);
    }
  }

  Session(Engine filter, Connection connection, VerdictScope scope) {
    this.filter = filter;
    this.scope = Objects.requireNonNull(scope, "scope");
    this.config = filter.settings();
    this.connection = Objects.requireNonNull(connection, "connection");
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
    tx = null;
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
    tx = new Tx(filter.newId(), scope);
    tx.sender = Addresses.unbracket(sender);
    Map<String, String> params = new LinkedHashMap<>();
    esmtpParameters.forEach((k, v) -> params.put(k.toUpperCase(Locale.ROOT), v == null ? "" : v));
    tx.params = Map.copyOf(params);
    if (connectionRefusal != null) {
      tx.refusal = connectionRefusal;
      return connectionRefusal;
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
        filter.logRefusal(tx.id, connection, helo, tx.sender, r.refusal(), Optional.empty());
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
  public Verdict endOfData(byte[] message) {
    ensureOpen();
    Objects.requireNonNull(message, "message");
    if (tx == null) {
      throw new IllegalStateException("endOfData before mailFrom");
    }
    Tx t = tx;
    tx = null;
    Policy policy = t.policy != null ? t.policy : filter.defaultPolicy();
    double required = policy.thresholds().required();
    Verdict v;
    Optional<Findings.Forced> demand = Optional.empty();
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
                      config.headers(), Action.ACCEPT, 0, required, symbols, message)),
              Reply.OK);
    } else {
      filter
          .runner()
          .run(Stage.DATA, t.id, envelope(t), Optional.empty(), message, t.findings, t.cache);
      Findings[] all = {connectFindings, heloFindings, t.findings};
      demand = Findings.winningDemand(a -> true, all);
      v = verdict(policy, message, demand, all);
      filter.runner().verdictReached(t.id, message, v);
    }
    filter.logVerdict(t.id, connection, helo, t.sender, t.recipients, v, demand);
    return v;
  }

  private Verdict verdict(
      Policy policy, byte[] message, Optional<Findings.Forced> forced, Findings... all) {
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
            ResultHeaders.edits(config.headers(), action, score, required, symbols, message));
    return new Verdict(action, score, required, symbols, edits, reply);
  }

  /** The demanding check's own reply, or the configured one of its action. */
  private Reply replyFor(Findings.Forced demand) {
    return demand.reply().orElseGet(() -> config.reply(demand.action()));
  }

  /** The decision before DATA: a demanded refusal, a failed check on tempfail, or early reject. */
  private Decision decide(String id, Policy policy, Findings... all) {
    Optional<Findings.Forced> forced = Findings.winningDemand(Action::refusesClient, all);
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
    filter.logRefusal(id, connection, helo, tx == null ? null : tx.sender, r, demand);
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
    return new Envelope(connection, helo, t.sender, t.params, t.recipients);
  }

  @Override
  public void reset() {
    ensureOpen();
    tx = null;
  }

  @Override
  public void close() {
    closed = true;
    tx = null;
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("session closed");
    }
  }
}
