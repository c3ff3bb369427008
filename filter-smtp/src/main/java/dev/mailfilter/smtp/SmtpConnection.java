package dev.mailfilter.smtp;

import static dev.mailfilter.smtp.SmtpServer.LOG;

import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Connection;
import dev.mailfilter.api.Decision;
import dev.mailfilter.api.FilterSession;
import dev.mailfilter.api.HeaderEdit;
import dev.mailfilter.api.Reply;
import dev.mailfilter.api.TlsInfo;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.api.VerdictScope;
import dev.mailfilter.server.ConnectionSet;
import dev.mailfilter.tenant.Recipient;
import dev.mailfilter.tenant.RecipientVerification;
import dev.mailfilter.tenant.Route;
import dev.mailfilter.tenant.TenantDirectory;
import dev.mailfilter.tenant.TlsPolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * One client connection: the SMTP state machine between the codec and the core's {@link
 * FilterSession}, and the relay of accepted messages. Runs on its own virtual thread.
 */
final class SmtpConnection implements ConnectionSet.Member {
  private static final int HARD_ERROR_LIMIT = 20;

  static final Reply OK = Reply.of(250, "2.0.0", "Ok");
  static final Reply SHUTTING_DOWN =
      Reply.of(421, "4.3.2", "Service shutting down, closing transmission channel");
  static final Reply TIMEOUT = Reply.of(421, "4.4.2", "Error: timeout exceeded");
  static final Reply TOO_MANY_ERRORS = Reply.of(421, "4.7.0", "Error: too many errors");
  static final Reply NEED_HELO = Reply.of(503, "5.5.1", "Error: send HELO/EHLO first");
  static final Reply NESTED_MAIL = Reply.of(503, "5.5.1", "Error: nested MAIL command");
  static final Reply NEED_MAIL = Reply.of(503, "5.5.1", "Error: need MAIL command");
  static final Reply NO_RECIPIENTS = Reply.of(554, "5.5.1", "Error: no valid recipients");
  static final Reply BDAT_STARTED = Reply.of(503, "5.5.1", "Error: BDAT transfer in progress");
  static final Reply REFUSED_SESSION =
      Reply.of(503, "5.5.1", "Error: this session was refused, only QUIT is accepted");
  static final Reply QUARANTINE_UNAVAILABLE =
      Reply.of(451, "4.3.0", "Error: message held for quarantine, but no quarantine is configured");
  static final Reply PROTOCOL_SYNCHRONIZATION =
      Reply.of(554, "5.5.0", "Error: SMTP protocol synchronization");
  static final Reply ROUTING_FORM =
      Reply.of(550, "5.7.1", "Relay access denied: routing forms are not accepted");

  private final SmtpServer server;
  private final Socket socket;
  private final String id;
  private String limitRefusal;
  private final boolean proxied;
  private InetAddress clientAddress; // the socket's, or the PROXY header's source
  private int clientPort;
  private InetAddress counted; // what server.admit counted, for server.ended

  private volatile boolean inTransaction;
  private SmtpReader reader;
  private ReplyWriter writer;
  private FilterSession session;
  private MailFilter filter;
  private Capabilities offered = Capabilities.none();
  private Optional<SmtpTls> tls = Optional.empty(); // offered until the handshake
  private SSLSocket tlsSocket;
  private String helo;
  private int errors;
  private int messageCount;

  // The transaction.
  private Command.Mail mail;
  private final List<Relay.Recipient> recipients = new ArrayList<>();
  private Route route;
  private String tenant;
  private String tenantLabel; // the tenant the transaction counts under (TenantCounts)
  private String brandDomain; // the first recipient's domain: whose brand the refusals carry
  private boolean bdat;
  private Reply bdatFailure;
  private final Buffer content = new Buffer();

  /**
   * A connection to serve.
   *
   * @param limitRefusal why the connection is refused with 421 (over a limit), or null
   * @param proxied whether it comes from a load balancer that sends a PROXY header first; then the
   *     per-client limit is applied once the header names the client
   * @param counted the address the server counted for the per-client limit, or null
   */
  SmtpConnection(
      SmtpServer server,
      Socket socket,
      String id,
      String limitRefusal,
      boolean proxied,
      InetAddress counted) {
    this.server = server;
    this.socket = socket;
    this.id = id;
    this.limitRefusal = limitRefusal;
    this.proxied = proxied;
    this.clientAddress = socket.getInetAddress();
    this.clientPort = socket.getPort();
    this.counted = counted;
  }

  /**
   * The message content as it arrives, held once: the filter session classifies this buffer at the
   * end of data ({@code endOfData(bytes, length)}, no copy), and the relay sends it.
   */
  private final class Buffer implements DataSink {
    private byte[] bytes = new byte[8192];
    private int length;

    @Override
    public void accept(byte[] b, int offset, int n) {
      if (length + n > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + n));
      }
      System.arraycopy(b, offset, bytes, length, n);
      length += n;
    }

    void reset() {
      length = 0;
      if (bytes.length > 1 << 20) {
        bytes = new byte[8192]; // a large message's buffer is not kept for the next one
      }
    }
  }

  @Override
  public void run() {
    try {
      socket.setTcpNoDelay(true);
      if (proxied && limitRefusal == null && !readProxyHeader()) {
        return;
      }
      socket.setSoTimeout(millis(server.timeouts.command()));
      reader = SmtpReader.of(socket.getInputStream(), server.limits);
      writer = ReplyWriter.of(socket.getOutputStream());
      if (limitRefusal != null) {
        LOG.warn("smtp {} [{}]: refused, {}", id, clientAddress.getHostAddress(), limitRefusal);
        writer.send(Reply.of(421, "4.7.0", server.hostName + " Error: " + limitRefusal));
        return;
      }
      converse();
    } catch (SocketTimeoutException e) {
      LOG.info("smtp {} [{}]: timeout, closing", id, clientAddress.getHostAddress());
      sendQuietly(TIMEOUT);
    } catch (IOException e) {
      LOG.debug("smtp {}: connection lost: {}", id, e.toString());
    } catch (RuntimeException e) {
      // A bug must cost one connection, not the server.
      LOG.error("smtp {}: internal error, closing", id, e);
      sendQuietly(Reply.of(421, "4.3.0", "Error: internal error"));
    } finally {
      // Closed here, not by try-with-resources, so that the catch clauses can still answer.
      forceClose();
      if (session != null) {
        session.close();
      }
      server.ended(this, counted);
    }
  }

  /**
   * Reads the balancer's PROXY header; false when the connection must close (logged once). No
   * banner and no reply is sent then: the peer is a balancer, not an SMTP client.
   */
  private boolean readProxyHeader() throws IOException {
    String from = clientAddress.getHostAddress();
    socket.setSoTimeout(millis(server.proxy.timeout()));
    ProxyHeader.Result header;
    try {
      header = ProxyHeader.read(socket.getInputStream());
    } catch (SocketTimeoutException e) {
      LOG.warn(
          "smtp {} [{}]: no PROXY header within {}, closing", id, from, server.proxy.timeout());
      return false;
    }
    switch (header) {
      case ProxyHeader.Result.Malformed m -> {
        LOG.warn("smtp {} [{}]: bad PROXY header, closing: {}", id, from, m.reason());
        return false;
      }
      case ProxyHeader.Result.Local l ->
          LOG.debug(
              "smtp {} [{}]: PROXY v{} header without a client address", id, from, l.version());
      case ProxyHeader.Result.Proxied p -> {
        clientAddress = p.source().getAddress();
        clientPort = p.source().getPort();
        LOG.debug(
            "smtp {} [{}]: PROXY v{} for [{}]:{}",
            id,
            from,
            p.version(),
            clientAddress.getHostAddress(),
            clientPort);
      }
    }
    counted = clientAddress;
    limitRefusal = server.admit(clientAddress);
    return true;
  }

  private void sendQuietly(Reply r) {
    try {
      if (writer != null) {
        writer.send(r);
      }
    } catch (IOException e) {
      // the client is gone
    }
  }

  /** Ends the connection now unless a transaction is in flight, whose end sends the 421. */
  @Override
  public void closeIfIdle() {
    if (!inTransaction) {
      try {
        socket.shutdownInput(); // the blocked read sees the end: the thread answers 421 and ends
      } catch (IOException e) {
        forceClose();
      }
    }
  }

  /** Ends the connection at once, transaction or not (the drain timeout is over). */
  @Override
  public void forceClose() {
    try {
      socket.close();
    } catch (IOException e) {
      // already closed
    }
  }

  private void converse() throws IOException {
    filter = server.filters.get();
    tls = server.tls.get();
    Connection connection = Connection.of(clientAddress, clientPort, null);
    session = filter.open(connection, VerdictScope.ONE_GROUP_PER_TRANSACTION);
    boolean refusedSession = false;
    if (session.connectDecision() instanceof Decision.Refuse r) {
      Reply reply = r.reply();
      if (reply.isTemporary()) {
        writer.send(new Reply(421, reply.enhanced(), reply.lines()));
        return;
      }
      // RFC 5321 section 3.1: a 554 greeting, then only QUIT.
      writer.send(new Reply(554, reply.enhanced(), reply.lines()));
      refusedSession = true;
    } else if (server.forbidUnauthPipelining && reader.hasBufferedInput()) {
      // Talking before the banner (pre-greet): a client that does not wait for replies.
      refusePipelining("CONNECT");
      return;
    } else {
      writer.send(Reply.of(220, "", server.hostName + " ESMTP mailfilter"));
    }
    while (true) {
      Optional<Command> next = reader.readCommand(offered, smtpUtf8());
      if (next.isEmpty()) {
        if (server.closing()) {
          sendQuietly(SHUTTING_DOWN);
        } else if (inTransaction) {
          LOG.info("smtp {}: client left in the middle of a transaction", id);
        }
        return;
      }
      Command command = next.get();
      if (server.closing() && !inTransaction && !(command instanceof Command.Quit)) {
        writer.send(SHUTTING_DOWN);
        return;
      }
      if (server.forbidUnauthPipelining && improperlyPipelined(command)) {
        refusePipelining(verb(command));
        return;
      }
      if (refusedSession && !(command instanceof Command.Quit)) {
        if (!reply(REFUSED_SESSION)) {
          return;
        }
      } else if (!handle(command)) {
        return;
      }
      if (!reader.hasBufferedInput()) {
        writer.flush();
      }
      if (server.closing() && !inTransaction) {
        writer.send(SHUTTING_DOWN);
        return;
      }
    }
  }

  /**
   * Whether input is waiting behind a command where RFC 2920 does not allow it: behind any command
   * when PIPELINING was not offered (before EHLO, after HELO), or behind one that must end a group
   * (section 3.1: EHLO, DATA, VRFY, QUIT, NOOP; and HELO, and STARTTLS, RFC 3207 section 4.2). A
   * BDAT chunk follows its command by design, and message content may start a group, so neither
   * counts.
   */
  private boolean improperlyPipelined(Command command) throws IOException {
    if (command instanceof Command.Bdat || !reader.hasBufferedInput()) {
      return false;
    }
    if (!offered.pipelining()) {
      return true;
    }
    return switch (command) {
      case Command.Ehlo e -> true;
      case Command.Helo h -> true;
      case Command.Data d -> true;
      case Command.Vrfy v -> true;
      case Command.Noop n -> true;
      case Command.Quit q -> true;
      case Command.StartTls t -> true;
      default -> false;
    };
  }

  /** Postfix's answer to improper pipelining: 554 5.5.0, a log line with the input, close. */
  private void refusePipelining(String after) throws IOException {
    byte[] peek = reader.peekBuffered(64);
    LOG.info(
        "smtp {} [{}]: improper command pipelining after {}: {}",
        id,
        clientAddress.getHostAddress(),
        after,
        ProxyHeader.printable(peek, peek.length));
    writer.send(PROTOCOL_SYNCHRONIZATION);
  }

  private static String verb(Command command) {
    return switch (command) {
      case Command.Ehlo e -> "EHLO";
      case Command.Helo h -> "HELO";
      case Command.Mail m -> "MAIL";
      case Command.Rcpt r -> "RCPT";
      case Command.Data d -> "DATA";
      case Command.Bdat b -> "BDAT";
      case Command.Rset r -> "RSET";
      case Command.Noop n -> "NOOP";
      case Command.Vrfy v -> "VRFY";
      case Command.Help h -> "HELP";
      case Command.Quit q -> "QUIT";
      case Command.StartTls t -> "STARTTLS";
      case Command.Invalid i -> "a bad command";
    };
  }

  private boolean smtpUtf8() {
    return mail != null && mail.parameters().smtpUtf8();
  }

  /** Adds a reply; false when the connection must end (too many errors). */
  private boolean reply(Reply r) throws IOException {
    writer.add(r);
    if (r.code() >= 500 && ++errors >= HARD_ERROR_LIMIT) {
      writer.send(TOO_MANY_ERRORS);
      return false;
    }
    return true;
  }

  /** Handles one command; false when the connection ends. */
  private boolean handle(Command command) throws IOException {
    return switch (command) {
      case Command.Ehlo e -> greet(e.domain(), true);
      case Command.Helo h -> greet(h.domain(), false);
      case Command.Mail m -> mail(m);
      case Command.Rcpt r -> rcpt(r);
      case Command.Data d -> data();
      case Command.Bdat b -> bdat(b);
      case Command.Rset r -> {
        endTransaction(true);
        yield reply(OK);
      }
      case Command.Noop n -> reply(OK);
      case Command.Vrfy v ->
          reply(
              Reply.of(
                  252, "2.0.0", "Cannot VRFY user, but will accept message and attempt delivery"));
      case Command.Help h -> reply(Reply.of(214, "2.0.0", "See RFC 5321"));
      case Command.Quit q -> {
        writer.send(Reply.of(221, "2.0.0", "Bye"));
        yield false;
      }
      case Command.StartTls s -> startTls();
      case Command.Invalid i -> {
        boolean go = reply(i.reply());
        if (i.close()) {
          writer.flush();
          yield false;
        }
        yield go;
      }
    };
  }

  private boolean greet(String domain, boolean extended) throws IOException {
    endTransaction(true); // EHLO and HELO reset the transaction (RFC 5321 section 4.1.4)
    Decision d = session.helo(domain);
    if (d instanceof Decision.Refuse r) {
      return reply(r.reply());
    }
    helo = domain;
    if (extended) {
      offered =
          new Capabilities(
              true,
              true,
              server.limits.maxMessageSize(),
              true,
              true,
              true,
              tls.isPresent() && tlsSocket == null,
              true,
              false,
              true);
      writer.enhancedCodes(true);
      return reply(
          offered.ehloReply(
              server.hostName, "Hello " + domain + " [" + clientAddress.getHostAddress() + "]"));
    }
    offered = Capabilities.none();
    writer.enhancedCodes(false);
    return reply(Reply.of(250, "", server.hostName));
  }

  /**
   * RFC 3207. Plain text the client pipelined behind STARTTLS is dropped, never read as if it came
   * over TLS (CVE-2011-0411 class); after the handshake everything learnt from the client is
   * forgotten (section 4.2): it must say EHLO again.
   */
  private boolean startTls() throws IOException {
    if (tlsSocket != null || tls.isEmpty()) {
      // The parser refuses STARTTLS unless offered, and it is not offered again under TLS.
      return reply(Reply.of(503, "5.5.1", "Error: TLS already active"));
    }
    if (inTransaction) {
      return reply(Reply.of(503, "5.5.1", "Error: STARTTLS inside a transaction"));
    }
    writer.send(Reply.of(220, "2.0.0", "Ready to start TLS"));
    reader.discardBuffered();
    SSLSocket ssl = tls.get().wrap(socket);
    try {
      ssl.startHandshake();
    } catch (IOException e) {
      LOG.info(
          "smtp {} [{}]: TLS handshake failed: {}",
          id,
          clientAddress.getHostAddress(),
          e.getMessage());
      return false;
    }
    tlsSocket = ssl;
    SSLSession t = ssl.getSession();
    LOG.info("smtp {}: STARTTLS {} {}", id, t.getProtocol(), t.getCipherSuite());
    reader = SmtpReader.of(ssl.getInputStream(), server.limits);
    writer = ReplyWriter.of(ssl.getOutputStream());
    endTransaction(true);
    helo = null;
    offered = Capabilities.none();
    writer.enhancedCodes(false);
    session.tlsStarted(TlsInfo.of(t.getProtocol(), t.getCipherSuite()));
    return true;
  }

  private boolean mail(Command.Mail m) throws IOException {
    if (helo == null) {
      return reply(NEED_HELO);
    }
    if (inTransaction) {
      return reply(NESTED_MAIL);
    }
    Decision d = session.mailFrom(m.from().mailbox(), m.parameters().all());
    if (d instanceof Decision.Refuse r) {
      return reply(r.reply());
    }
    mail = m;
    inTransaction = true;
    return reply(Reply.of(250, "2.1.0", "Ok"));
  }

  private boolean rcpt(Command.Rcpt r) throws IOException {
    if (!inTransaction) {
      return reply(NEED_MAIL);
    }
    if (bdat) {
      return reply(BDAT_STARTED);
    }
    if (recipients.size() >= server.maxRecipients) {
      return reply(Reply.of(452, "4.5.3", "Error: too many recipients"));
    }
    Path to = r.to();
    // Forms an old MTA downstream may take as routing: they could make us relay elsewhere.
    if (to.has(Path.Form.PERCENT_HACK)
        || to.has(Path.Form.BANG_PATH)
        || to.has(Path.Form.AT_IN_LOCAL_PART)) {
      return reply(ROUTING_FORM);
    }
    if (to.isPostmaster()) {
      return reply(
          Reply.of(550, "5.7.1", "Relay access denied: write to postmaster@ a configured domain"));
    }
    String address = to.localPart() + "@" + to.normalizedDomain();
    TenantDirectory directory = filter.config().tenants();
    Optional<Recipient> known = directory.resolve(address);
    Route recipientRoute;
    if (known.isEmpty()) {
      if (!directory.relayControl()) {
        return reply(Reply.of(550, "5.7.1", "Relay access denied: no domains are configured"));
      }
      if (!directory.trusted(clientAddress)) {
        // The core refuses it, with its symbol and log line; a proceed here would be a core bug.
        if (session.rcptTo(address) instanceof Decision.Refuse refuse) {
          return reply(refuse.reply());
        }
        return reply(Reply.of(550, "5.7.1", "Relay access denied"));
      }
      if (to.has(Path.Form.ADDRESS_LITERAL)) {
        return reply(Reply.of(550, "5.1.2", "Relay access denied: no MX for an address literal"));
      }
      // A trusted client (trusted_networks, as Postfix's mynetworks) may send to any domain: to
      // its MX hosts, with TLS when they offer it.
      recipientRoute = new Route(to.normalizedDomain(), true, server.relay.mxPort(), TlsPolicy.MAY);
    } else if (known.get().route().isPresent()) {
      recipientRoute = known.get().route().get();
    } else {
      LOG.warn("smtp {}: domain {} has no route; refusing {}", id, known.get().domain(), address);
      return reply(Reply.of(451, "4.3.5", "Error: no route is configured for this domain"));
    }
    if (route != null && !route.equals(recipientRoute)) {
      return reply(
          Reply.of(452, "4.5.3", "Too many recipients, send this one in a new transaction"));
    }
    // Before the core session hears of the recipient: a refused one must not be in its envelope.
    Optional<RecipientVerification> verification =
        known.flatMap(k -> directory.verification(k.domain()));
    if (verification.isPresent()) {
      Optional<Reply> unknown =
          server.verifier.verify(address, to.localPart(), verification.get(), recipientRoute, id);
      if (unknown.isPresent()) {
        return reply(unknown.get());
      }
    }
    Decision d = session.rcptTo(address);
    if (d instanceof Decision.Refuse refuse) {
      return reply(brand(known.map(Recipient::domain).orElse(null), refuse.reply()));
    }
    route = recipientRoute;
    if (tenant == null) {
      tenant = known.map(Recipient::tenant).orElse("");
      tenantLabel = known.map(TenantCounts::label).orElse("");
      brandDomain = known.map(Recipient::domain).orElse(null);
    }
    recipients.add(new Relay.Recipient(address, r.parameters()));
    return reply(Reply.of(250, "2.1.5", "Ok"));
  }

  private boolean data() throws IOException {
    if (!inTransaction) {
      return reply(NEED_MAIL);
    }
    if (bdat) {
      return reply(BDAT_STARTED);
    }
    if (recipients.isEmpty()) {
      return reply(NO_RECIPIENTS);
    }
    writer.send(Reply.of(354, "", "End data with <CR><LF>.<CR><LF>"));
    content.reset();
    socket.setSoTimeout(millis(server.timeouts.dataBlock()));
    DataResult result = reader.readData(content);
    socket.setSoTimeout(millis(server.timeouts.command()));
    if (!result.ended()) {
      LOG.info("smtp {}: client left during DATA", id);
      return false;
    }
    return finish(result.refusal());
  }

  private boolean bdat(Command.Bdat b) throws IOException {
    boolean usable = inTransaction && !recipients.isEmpty();
    long max = server.limits.maxMessageSize();
    if (usable && !bdat) {
      bdat = true;
      bdatFailure = null;
      content.reset();
    }
    DataSink sink = DataSink.DISCARD;
    if (usable && bdatFailure == null) {
      if (content.length + b.size() > max) {
        bdatFailure = Replies.MESSAGE_TOO_BIG;
      } else {
        sink = content;
      }
    }
    socket.setSoTimeout(millis(server.timeouts.dataBlock()));
    ChunkResult chunk = reader.readChunk(b.size(), sink);
    socket.setSoTimeout(millis(server.timeouts.command()));
    if (!chunk.ended()) {
      LOG.info("smtp {}: client left during BDAT", id);
      return false;
    }
    if (!usable) {
      return reply(inTransaction ? NO_RECIPIENTS : NEED_MAIL);
    }
    if (!b.last()) {
      return reply(
          bdatFailure != null
              ? bdatFailure
              : Reply.of(250, "2.0.0", b.size() + " octets received"));
    }
    return finish(Optional.ofNullable(bdatFailure));
  }

  /** The end of a message: the codec's refusal, or the filter's verdict and the relay. */
  private boolean finish(Optional<Reply> codecRefusal) throws IOException {
    long start = System.nanoTime();
    server.messages.increment();
    String txid = id + "." + ++messageCount;
    Reply answer;
    if (codecRefusal.isPresent()) {
      session.reset();
      answer = codecRefusal.get();
      server.rejected.increment();
      LOG.info("smtp {}: refused by the codec: {}", txid, answer.toWire().strip());
    } else {
      Verdict v = session.endOfData(content.bytes, content.length);
      server.tenants.count(tenantLabel, v.action());
      answer =
          switch (v.action()) {
            case ACCEPT, ADD_HEADER, REWRITE_SUBJECT -> relay(txid, v);
            case QUARANTINE -> quarantine(txid, v);
            case DISCARD -> {
              server.discarded.increment();
              yield v.reply();
            }
            case GREYLIST, SOFT_REJECT, REJECT, TEMPFAIL -> {
              server.rejected.increment();
              yield brand(brandDomain, v.reply());
            }
          };
      LOG.info(
          "smtp {}: from=<{}> rcpts={} action={} score={} reply={}",
          txid,
          mail.from().mailbox(),
          recipients.size(),
          v.action().configName(),
          v.score(),
          answer.toWire().strip());
    }
    endTransaction(false);
    server.latency.record(System.nanoTime() - start);
    return reply(answer);
  }

  /** A refusal with the brand of the recipient's tenant; a failing branding changes nothing. */
  private Reply brand(String domain, Reply refusal) {
    if (domain == null || refusal.code() < 400) {
      return refusal;
    }
    try {
      return Objects.requireNonNull(server.branding.brand(domain, refusal), "branded reply");
    } catch (RuntimeException e) {
      LOG.warn(
          "smtp {}: reply branding for {} failed, sent unbranded: {}", id, domain, e.toString());
      return refusal;
    }
  }

  /** Holds the message durably before the 250; without a store it stays with the client. */
  private Reply quarantine(String txid, Verdict v) {
    Quarantine q = server.quarantine;
    if (q == null) {
      LOG.warn(
          "smtp {}: verdict quarantine but quarantine storage is not configured; answered 451",
          txid);
      server.rejected.increment();
      return QUARANTINE_UNAVAILABLE;
    }
    try {
      QuarantineEntry e =
          q.hold(
              new Quarantine.Held(
                  mail.from().mailbox(),
                  mail.parameters(),
                  List.copyOf(recipients),
                  tenant,
                  v.score(),
                  v.symbols().stream().map(s -> s.name()).toList(),
                  route,
                  edited(txid, v)));
      LOG.info("smtp {}: quarantined as {}", txid, e.id());
      server.quarantined.increment();
      // The same words as a relayed message's: the sender is not told it was held.
      return Reply.of(250, "2.0.0", "Ok: queued as " + txid);
    } catch (IOException e) {
      LOG.error("smtp {}: quarantine storage failed, answered 451: {}", txid, e.toString());
      server.rejected.increment();
      return Reply.of(451, "4.3.0", "Error: local error in processing");
    }
  }

  private byte[] edited(String txid, Verdict v) {
    List<HeaderEdit> edits = new ArrayList<>(v.headerEdits());
    edits.add(new HeaderEdit.Prepend("Received", received(txid)));
    return HeaderEditor.apply(content.bytes, content.length, edits);
  }

  private Reply relay(String txid, Verdict v) {
    byte[] message = edited(txid, v);
    Reply downstream =
        server.relay.deliver(
            route,
            new Relay.Transaction(mail.from().mailbox(), mail.parameters(), recipients, message));
    if (downstream.code() == 250) {
      server.relayed.increment();
      return Reply.of(250, "2.0.0", "Ok: queued as " + txid + " by " + route.host());
    }
    server.rejected.increment();
    LOG.info("smtp {}: downstream {} answered {}", txid, route, downstream.toWire().strip());
    return Relay.withEnhanced(downstream);
  }

  // RFC 5321 section 4.4: a relaying server adds its trace field.
  private String received(String txid) {
    return "from "
        + helo
        + " (["
        + clientAddress.getHostAddress()
        + "])\r\n\tby "
        + server.hostName
        + " (mailfilter) with "
        + (offered.enhancedStatusCodes() ? "ESMTP" : "SMTP")
        + (tlsSocket != null ? "S" : "")
        + " id "
        + txid
        + ";\r\n\t"
        + DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now());
  }

  private void endTransaction(boolean resetSession) {
    if (resetSession && inTransaction) {
      session.reset();
    }
    inTransaction = false;
    mail = null;
    recipients.clear();
    route = null;
    tenant = null;
    tenantLabel = null;
    brandDomain = null;
    bdat = false;
    bdatFailure = null;
    content.reset();
  }

  private static int millis(java.time.Duration d) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
  }
}
