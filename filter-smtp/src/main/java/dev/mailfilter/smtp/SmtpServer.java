package dev.mailfilter.smtp;

import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Action;
import dev.mailfilter.api.LatencyRecorder;
import dev.mailfilter.server.ConnectionSet;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The filtering SMTP gateway: an MX that filters each message during the SMTP conversation and
 * relays what the filter accepts to the route of the recipients' domain before it answers the
 * client.
 *
 * <pre>{@code
 * try (FilterReloader filters = FilterReloader.start(Path.of("/etc/mailfilter.yaml"));
 *     SmtpServer server =
 *         SmtpServer.builder()
 *             .filters(filters::current)
 *             .listen(new InetSocketAddress("0.0.0.0", 25))
 *             .hostName("mx1.example.net")
 *             .build()
 *             .start()) {
 *   ... // until shutdown
 * }
 * }</pre>
 *
 * <p>One virtual thread per connection on blocking sockets, {@code TCP_NODELAY}, a time limit on
 * every read ({@link SmtpTimeouts}). Connections are limited in total and per client address; over
 * a limit a client gets {@code 421 4.7.0} and is disconnected. Mail is accepted only for the
 * configured domains that have a route (see {@code docs/smtp.md}): without any domain every
 * recipient is refused with {@code 550 5.7.1}, so a gateway started by mistake is never an open
 * relay.
 *
 * <p>{@link #close()} is graceful: it stops accepting, answers {@code 421 4.3.2} to new commands
 * and lets transactions in flight finish, up to the drain timeout. The server does not close the
 * filters it was given. Thread-safe.
 */
public final class SmtpServer implements AutoCloseable {
  static final Logger LOG = LoggerFactory.getLogger("dev.mailfilter.smtp");

  final Supplier<MailFilter> filters;
  final Supplier<Optional<SmtpTls>> tls;
  // The keys that can change while the server runs (update): volatile, read by each connection
  // when it needs them.
  volatile SmtpLimits limits;
  volatile SmtpTimeouts timeouts;
  volatile int maxRecipients;
  private volatile int maxConnections;
  private volatile int maxConnectionsPerClient;
  private volatile SmtpSettings settings; // as running: the started ones with the live changes
  final String hostName;
  final Relay relay;
  private final InetSocketAddress listen;
  private final java.util.Optional<Quarantine.Settings> quarantineSettings;
  volatile Quarantine quarantine; // given to the builder, or opened by start(); null: none
  final ReplyBranding branding;
  private Thread expiry;
  private Thread statsLogger;
  volatile SmtpSettings.Proxy proxy;
  volatile boolean forbidUnauthPipelining;
  final RecipientVerifier verifier;

  final LongAdder connectionCount = new LongAdder();
  final LongAdder refusedConnections = new LongAdder();
  final LongAdder messages = new LongAdder();
  final LongAdder relayed = new LongAdder();
  final LongAdder rejected = new LongAdder();
  final LongAdder discarded = new LongAdder();
  final LongAdder quarantined = new LongAdder();
  final LatencyRecorder latency = new LatencyRecorder();
  final TenantCounts tenants;
  private final AtomicInteger open = new AtomicInteger();
  private final Map<InetAddress, AtomicInteger> perClient = new ConcurrentHashMap<>();
  private final ConnectionSet<SmtpConnection> connections = new ConnectionSet<>();
  private final AtomicLong sequence = new AtomicLong();
  private final Object lifecycle = new Object();

  private ServerSocket server; // guarded by lifecycle
  private boolean closed; // guarded by lifecycle
  private volatile boolean closing;
  private Thread acceptor;

  private SmtpServer(Builder b) {
    SmtpSettings s = b.settings;
    this.filters = b.filters;
    // Without a supplier of its own, the certificate of the settings, replaced by update().
    this.tls = b.tls != null ? b.tls : () -> settings.tls();
    this.settings = s;
    this.limits = s.limits();
    this.timeouts = s.timeouts();
    this.hostName = s.hostName();
    this.listen = s.listen();
    this.maxConnections = s.maxConnections();
    this.maxConnectionsPerClient = s.maxConnectionsPerClient();
    this.maxRecipients = s.maxRecipients();
    this.relay = new Relay(s.hostName(), b.relayTimeouts, s.relay(), Relay.dnsServers(b.filters));
    this.quarantine = b.quarantine;
    this.branding = b.branding;
    this.quarantineSettings = s.quarantine();
    this.proxy = s.proxy();
    this.forbidUnauthPipelining = s.forbidUnauthPipelining();
    this.tenants = new TenantCounts(b.maxTenants);
    this.verifier = new RecipientVerifier(new Callout(relay, b.calloutTimeouts), b.verifierTicker);
  }

  /** A builder; a filter supplier is required, everything else has a default. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Binds the listen address and starts accepting connections.
   *
   * @return this server
   * @throws IOException when the address cannot be bound (in use, no permission)
   * @throws IllegalStateException when the server was started or closed already
   */
  public SmtpServer start() throws IOException {
    synchronized (lifecycle) {
      if (server != null || closed) {
        throw new IllegalStateException("the SMTP server was already started");
      }
      if (listen.isUnresolved()) {
        throw new IOException("cannot listen on " + listen + ": unknown host");
      }
      if (quarantine == null && quarantineSettings.isPresent()) {
        Quarantine.Settings q = quarantineSettings.get();
        try {
          quarantine = Quarantine.open(q.dir(), q.lifetime(), java.time.Clock.systemUTC(), relay);
        } catch (IOException e) {
          throw new IOException("cannot open the quarantine " + q.dir() + ": " + e.getMessage(), e);
        }
      }
      ServerSocket s = new ServerSocket();
      try {
        s.setReuseAddress(true);
        s.bind(listen, 1024);
      } catch (IOException e) {
        s.close();
        throw new IOException("cannot listen on " + listen + ": " + e.getMessage(), e);
      }
      server = s;
      acceptor = Thread.ofVirtual().name("smtp-accept").start(this::acceptLoop);
      if (quarantine != null) {
        expiry = Thread.ofVirtual().name("smtp-quarantine-expiry").start(this::expireLoop);
      }
      statsLogger = Thread.ofVirtual().name("smtp-stats").start(this::statsLoop);
      LOG.info(
          "smtp listening on {} as {} (max {} connections, {} per client; timeouts {})",
          localAddress(),
          hostName,
          maxConnections,
          maxConnectionsPerClient,
          timeouts);
      return this;
    }
  }

  /**
   * The address the server listens on, with the real port when it was asked for port 0.
   *
   * @throws IllegalStateException before {@link #start()}
   */
  public InetSocketAddress localAddress() {
    synchronized (lifecycle) {
      if (server == null) {
        throw new IllegalStateException("the SMTP server is not started");
      }
      return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
    }
  }

  /** The counters now. */
  public SmtpStats stats() {
    return new SmtpStats(
        connectionCount.sum(),
        refusedConnections.sum(),
        open.get(),
        messages.sum(),
        relayed.sum(),
        rejected.sum(),
        discarded.sum(),
        quarantined.sum(),
        relay.opened(),
        relay.reused(),
        latency.snapshot());
  }

  boolean closing() {
    return closing;
  }

  /**
   * The filter's verdicts at the end of data per tenant, by action (every action present), since
   * the server started: the recipients' tenant path down to the domain ({@code
   * acme/bakery/bakery.example}); {@code _none} for a trusted network's relaying to domains not
   * configured; {@code _other} for the tenants beyond {@link Builder#maxTenants} (the first ones
   * seen keep their own count). Sorted by tenant.
   */
  public Map<String, Map<Action, Long>> tenantVerdicts() {
    return tenants.snapshot();
  }

  /**
   * Applies new settings, e.g. the {@code smtp:} section of a reloaded configuration, as far as
   * they can change while the server runs: the connection and recipient limits, the message size
   * and bare line end policy, the timeouts, the drain timeout and the STARTTLS certificate (unless
   * the builder was given a {@link Builder#tls supplier} of its own). New connections get all of
   * them; a connection open keeps its reader's limits and sees the rest from its next command.
   *
   * <p>The others need a restart: the listen address (a new socket), the host name (the relay leg's
   * EHLO and the quarantine's), the quarantine (an open store). They are left as they run and
   * returned, and so is any key this method does not know to apply, so that none is ignored
   * silently.
   *
   * @return the keys of the {@code smtp:} section, as the file spells them ({@code host_name}),
   *     that differ from the running ones and take effect only at the next start; empty when all
   *     were applied
   */
  public synchronized List<String> update(SmtpSettings next) {
    Objects.requireNonNull(next, "next");
    SmtpSettings running = settings;
    List<String> restart = new ArrayList<>();
    // Every component of the record is compared, so that a key added later and not applied here
    // is reported rather than dropped.
    for (java.lang.reflect.RecordComponent c : SmtpSettings.class.getRecordComponents()) {
      if (LIVE.contains(c.getName())) {
        continue;
      }
      try {
        java.lang.reflect.Method get = c.getAccessor();
        if (!Objects.equals(get.invoke(running), get.invoke(next))) {
          restart.add(c.getName().replaceAll("([A-Z])", "_$1").toLowerCase(java.util.Locale.ROOT));
        }
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot read " + c, e);
      }
    }
    limits = next.limits();
    timeouts = next.timeouts();
    maxRecipients = next.maxRecipients();
    maxConnections = next.maxConnections();
    maxConnectionsPerClient = next.maxConnectionsPerClient();
    proxy = next.proxy();
    forbidUnauthPipelining = next.forbidUnauthPipelining();
    settings =
        running
            .withLimits(next.limits())
            .withTimeouts(next.timeouts())
            .withMaxRecipients(next.maxRecipients())
            .withMaxConnections(next.maxConnections())
            .withMaxConnectionsPerClient(next.maxConnectionsPerClient())
            .withDrainTimeout(next.drainTimeout())
            .withStatsInterval(next.statsInterval())
            .withProxy(next.proxy())
            .withForbidUnauthPipelining(next.forbidUnauthPipelining())
            .withTls(next.tls());
    return List.copyOf(restart);
  }

  /** The components of {@link SmtpSettings} that {@link #update} applies. */
  private static final Set<String> LIVE =
      Set.of(
          "limits",
          "timeouts",
          "maxRecipients",
          "maxConnections",
          "maxConnectionsPerClient",
          "drainTimeout",
          "statsInterval",
          "proxy",
          "forbidUnauthPipelining",
          "tls");

  /** The settings as running: those started with, and the changes {@link #update} applied. */
  public SmtpSettings settings() {
    return settings;
  }

  private void acceptLoop() {
    ServerSocket s;
    synchronized (lifecycle) {
      s = server;
    }
    while (!closing) {
      Socket client;
      try {
        client = s.accept();
      } catch (SocketException e) {
        if (closing) {
          return; // closed by close()
        }
        LOG.warn("smtp accept failed: {}", e.toString());
        pause();
        continue;
      } catch (IOException e) {
        // EMFILE and the like: not this loop's to fix, but it must not spin.
        LOG.warn("smtp accept failed: {}", e.toString());
        pause();
        continue;
      }
      serve(client);
    }
  }

  /** Logs the counters every stats_interval (read anew each time: a reload may change it). */
  private void statsLoop() {
    while (!closing) {
      Duration every = settings.statsInterval();
      try {
        // Zero: only the line at stop; look again later in case a reload sets an interval.
        Thread.sleep(every.isZero() ? Duration.ofMinutes(1) : every);
      } catch (InterruptedException e) {
        return; // close()
      }
      if (!settings.statsInterval().isZero() && !closing) {
        LOG.info("smtp stats: {}", stats().toLogLine());
      }
    }
  }

  /** Deletes expired quarantine entries now and then, until close. */
  private void expireLoop() {
    Quarantine q = quarantine;
    Duration every = Duration.ofHours(1);
    if (q.lifetime().dividedBy(24).compareTo(every) < 0) {
      every = q.lifetime().dividedBy(24).plusSeconds(1);
    }
    while (!closing) {
      try {
        int n = q.expire();
        if (n > 0) {
          LOG.info("smtp: {} quarantine entries expired", n);
        }
      } catch (IOException | RuntimeException e) {
        LOG.warn("smtp: quarantine expiry failed: {}", e.toString());
      }
      try {
        Thread.sleep(every);
      } catch (InterruptedException e) {
        return; // close()
      }
    }
  }

  private static void pause() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void serve(Socket client) {
    InetAddress address = client.getInetAddress();
    String id = Long.toString(sequence.incrementAndGet(), 36);
    int total = open.incrementAndGet();
    // A balancer's connection is counted per client once its PROXY header names the client.
    boolean proxied = proxy.expectedFrom(address);
    boolean overTotal = total > maxConnections;
    String refusal = overTotal ? "too many connections" : proxied ? null : admit(address);
    InetAddress counted = overTotal || proxied ? null : address;
    SmtpConnection c = new SmtpConnection(this, client, id, refusal, proxied, counted);
    connections.start(c, "smtp-" + id);
    if (refusal != null) {
      refusedConnections.increment();
    } else {
      connectionCount.increment();
    }
    if (closing) {
      c.closeIfIdle(); // accepted while close() was sweeping
    }
  }

  /**
   * Counts a connection from a client address; the refusal when that is one too many, else null.
   * Every call is matched by {@link #ended} with the same address, refused or not.
   */
  String admit(InetAddress address) {
    int fromClient = perClient.computeIfAbsent(address, a -> new AtomicInteger()).incrementAndGet();
    return fromClient > maxConnectionsPerClient ? "too many connections from your address" : null;
  }

  /**
   * Called by a connection's thread when it is done, with the address {@link #admit} counted, or
   * null when none was (a balancer's connection that ended before its PROXY header).
   */
  void ended(SmtpConnection c, InetAddress address) {
    connections.ended(c);
    open.decrementAndGet();
    if (address != null) {
      perClient.computeIfPresent(address, (a, n) -> n.decrementAndGet() <= 0 ? null : n);
    }
  }

  /**
   * Stops accepting, answers {@code 421 4.3.2} to connections between transactions and waits for
   * transactions in flight to finish, up to the drain timeout; then closes what is left and logs
   * the counters. Idempotent.
   */
  @Override
  public void close() {
    ServerSocket s;
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
      closing = true;
      s = server;
    }
    if (s == null) {
      relay.close();
      return;
    }
    try {
      s.close();
    } catch (IOException e) {
      LOG.debug("smtp: close failed: {}", e.toString());
    }
    ConnectionSet.join(acceptor, Duration.ofSeconds(5));
    if (expiry != null) {
      expiry.interrupt();
    }
    if (statsLogger != null) {
      statsLogger.interrupt();
    }
    connections.drain(settings.drainTimeout());
    // After the drain: the pool's idle connections get their QUIT.
    relay.close();
    LOG.info("smtp stopped: {}", stats().toLogLine());
  }

  @Override
  public String toString() {
    return "SmtpServer[" + listen + "]";
  }

  /** Builds an {@link SmtpServer}. */
  public static final class Builder {
    private Supplier<MailFilter> filters;
    private Supplier<Optional<SmtpTls>> tls; // null: the settings' certificate
    private SmtpSettings settings = SmtpSettings.defaults();
    private Relay.Timeouts relayTimeouts = Relay.Timeouts.DEFAULT;
    private Quarantine quarantine;
    private ReplyBranding branding = ReplyBranding.none();
    private Callout.Timeouts calloutTimeouts = Callout.Timeouts.DEFAULT;
    private com.google.common.base.Ticker verifierTicker =
        com.google.common.base.Ticker.systemTicker();
    private int maxTenants = 100;

    private Builder() {}

    /**
     * How many tenants get a count of their own in {@link SmtpServer#tenantVerdicts()}, the first
     * ones seen; the rest count together as {@code _other}. Default 100; it bounds the memory of
     * the counts and the series of a metrics endpoint.
     *
     * @throws IllegalArgumentException when negative
     */
    public Builder maxTenants(int max) {
      if (max < 0) {
        throw new IllegalArgumentException("maxTenants must be 0 or more, got " + max);
      }
      this.maxTenants = max;
      return this;
    }

    /**
     * Where each connection gets its filter, asked once per connection: {@code
     * FilterReloader::current}, so that a reload applies to the next connection, or {@code () ->
     * filter}. Tenants, domains and routes come from the filter's configuration.
     */
    public Builder filters(Supplier<MailFilter> filters) {
      this.filters = Objects.requireNonNull(filters, "filters");
      return this;
    }

    /** Every setting at once, e.g. the {@code smtp:} section of the configuration file. */
    public Builder settings(SmtpSettings s) {
      this.settings = Objects.requireNonNull(s, "settings");
      return this;
    }

    /**
     * The STARTTLS certificate, asked once per connection like {@link #filters}: e.g. {@code () ->
     * reloader.current().config().section(SmtpSettings.SECTION).tls()}, so that a reloaded
     * certificate applies to the next connection. Empty: STARTTLS is not offered. Default: the
     * certificate of {@link #settings(SmtpSettings)} (none by default), replaced by {@link
     * SmtpServer#update}.
     */
    public Builder tls(Supplier<Optional<SmtpTls>> tls) {
      this.tls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /** Where to listen; default {@code 127.0.0.1:2525}; port 0 picks a free port. */
    public Builder listen(InetSocketAddress address) {
      settings = settings.withListen(Objects.requireNonNull(address, "address"));
      return this;
    }

    /** The codec's limits: line lengths, message size, bare line ends. */
    public Builder limits(SmtpLimits limits) {
      settings = settings.withLimits(Objects.requireNonNull(limits, "limits"));
      return this;
    }

    /** The read timeouts; default {@link SmtpTimeouts#rfc5321()}. */
    public Builder timeouts(SmtpTimeouts timeouts) {
      settings = settings.withTimeouts(Objects.requireNonNull(timeouts, "timeouts"));
      return this;
    }

    /** Connections served at once (default 1000); more get {@code 421 4.7.0}. */
    public Builder maxConnections(int max) {
      settings = settings.withMaxConnections(max);
      return this;
    }

    /** Connections served at once from one client address (default 50). */
    public Builder maxConnectionsPerClient(int max) {
      settings = settings.withMaxConnectionsPerClient(max);
      return this;
    }

    /**
     * Recipients accepted per transaction (default 1000, as Postfix's {@code
     * smtpd_recipient_limit}); more get {@code 452 4.5.3} (RFC 5321 section 4.5.3.1.10), which
     * clients send again in a following transaction. At least 1.
     */
    public Builder maxRecipients(int max) {
      settings = settings.withMaxRecipients(max);
      return this;
    }

    /**
     * This server's name in the banner, the EHLO reply, the {@code Received} field and its own EHLO
     * to the routes' servers; default {@code localhost}. An MX should give its public name.
     */
    public Builder hostName(String name) {
      settings = settings.withHostName(Objects.requireNonNull(name, "name"));
      return this;
    }

    /** How long {@link SmtpServer#close()} lets transactions in flight finish; default 30 s. */
    public Builder drainTimeout(Duration timeout) {
      settings = settings.withDrainTimeout(Objects.requireNonNull(timeout, "timeout"));
      return this;
    }

    /**
     * Where a quarantine verdict's message is kept; {@link SmtpServer#start()} opens the one of
     * {@link #settings(SmtpSettings)} otherwise. Without a quarantine such a message is answered
     * {@code 451 4.3.0}, never accepted silently. The server does not close it.
     */
    public Builder quarantine(Quarantine quarantine) {
      this.quarantine = Objects.requireNonNull(quarantine, "quarantine");
      return this;
    }

    /**
     * How the filter's refusals read per recipient domain (a reseller's brand); default {@link
     * ReplyBranding#none()}.
     */
    public Builder replyBranding(ReplyBranding branding) {
      this.branding = Objects.requireNonNull(branding, "branding");
      return this;
    }

    /**
     * The outbound leg: trust for {@code tls: verify} routes, MX lookups (with the name servers of
     * the filter's {@code dns:} section), the connection pool. Default: {@link
     * RelaySettings#defaults()}.
     */
    public Builder relay(RelaySettings settings) {
      this.settings = this.settings.withRelay(Objects.requireNonNull(settings, "settings"));
      return this;
    }

    /**
     * The load balancers that send a PROXY protocol header (v1 or v2) before the client's first
     * byte, and how long they have to send it. Their header's source address is the client's for
     * everything: relay control, the core session's checks, the per-client limit, logs. A
     * connection from such an address without a valid header within the timeout is closed without a
     * banner, and one log line says why. Default: none.
     */
    public Builder proxy(SmtpSettings.Proxy proxy) {
      this.settings = this.settings.withProxy(Objects.requireNonNull(proxy, "proxy"));
      return this;
    }

    /**
     * Whether a client that pipelines where RFC 2920 does not allow it is answered {@code 554 5.5.0
     * Error: SMTP protocol synchronization} and disconnected, as Postfix's {@code
     * smtpd_forbid_unauth_pipelining}: talking before the banner, any command sent behind another
     * when PIPELINING was not offered (before EHLO, after HELO), or behind a command that must end
     * a group (EHLO, HELO, DATA, VRFY, NOOP, QUIT, STARTTLS, HELP, a BDAT LAST). Default: true.
     */
    public Builder forbidUnauthPipelining(boolean forbid) {
      this.settings = this.settings.withForbidUnauthPipelining(forbid);
      return this;
    }

    /** The recipient callouts' timeouts; for tests. */
    Builder calloutTimeouts(Callout.Timeouts timeouts) {
      this.calloutTimeouts = Objects.requireNonNull(timeouts, "timeouts");
      return this;
    }

    /** The clock of the callout cache; for tests. */
    Builder verifierTicker(com.google.common.base.Ticker ticker) {
      this.verifierTicker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /** The relay leg's timeouts; for tests. */
    Builder relayTimeouts(Relay.Timeouts timeouts) {
      this.relayTimeouts = Objects.requireNonNull(timeouts, "timeouts");
      return this;
    }

    /**
     * The server, not yet listening: call {@link SmtpServer#start()}.
     *
     * @throws IllegalStateException when no filter supplier was given
     */
    public SmtpServer build() {
      if (filters == null) {
        throw new IllegalStateException("an SMTP server needs filters: call filters(...)");
      }
      return new SmtpServer(this);
    }
  }
}
