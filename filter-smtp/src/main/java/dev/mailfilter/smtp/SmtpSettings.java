package dev.mailfilter.smtp;

import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.config.ConfigSection;
import dev.mailfilter.config.IpRange;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The gateway's settings, as the {@code smtp:} section of the configuration file gives them:
 *
 * <pre>{@code
 * smtp:
 *   listen: 0.0.0.0:25            # HOST:PORT or [IPv6]:PORT; default 127.0.0.1:2525
 *   host_name: mx1.example.net    # banner, EHLO, Received; default localhost
 *   max_connections: 1000
 *   max_connections_per_client: 50
 *   max_recipients: 1000          # per transaction; more get 452 4.5.3
 *   max_message_size: 25MiB
 *   bare_line_end: normalize      # normalize, reject or note
 *   command_timeout: 5m           # RFC 5321 section 4.5.3.2.7
 *   data_timeout: 3m              # per block of content, section 4.5.3.2.5
 *   drain_timeout: 30s            # how long shutdown lets transactions finish
 *   quarantine:                   # without it a quarantine verdict is answered 451 4.3.0
 *     dir: /var/lib/mailfilter/quarantine
 *     lifetime: 7d                # default 7 days
 *   tls:                          # STARTTLS, offered only when both are given
 *     certificate: /etc/mailfilter/mx.pem    # PEM chain, the server's certificate first
 *     key: /etc/mailfilter/mx.key            # PEM PKCS#8, RSA or EC, not encrypted
 *   relay:                        # the outbound leg, see RelaySettings
 *     trust_certificates: /etc/mailfilter/ca.pem   # for tls: verify routes; default: the JDK's
 *   proxy:                        # the PROXY protocol, v1 or v2, from these balancers only
 *     from: [10.0.0.0/24, 192.0.2.7]
 *     timeout: 5s                 # to send the header; default 5s
 *   forbid_unauth_pipelining: true  # 554 5.5.0 and close on improper pipelining; default true
 *   stats_interval: 10m           # how often the counters are logged; 0s: only at stop
 * }</pre>
 *
 * @param listen where to listen
 * @param hostName this server's name
 * @param maxConnections connections served at once
 * @param maxConnectionsPerClient connections served at once from one address
 * @param maxRecipients recipients accepted per transaction (RFC 5321 section 4.5.3.1.8 asks for at
 *     least 100)
 * @param limits the codec's limits (message size, bare line ends)
 * @param timeouts the read timeouts
 * @param drainTimeout how long a shutdown lets transactions in flight finish
 * @param quarantine where held messages are kept, if anywhere
 * @param tls the STARTTLS certificate and key, read when the configuration is loaded; empty: no
 *     STARTTLS
 * @param relay the outbound leg: trust for {@code tls: verify} routes, MX lookups, pooling
 * @param proxy the load balancers that send a PROXY protocol header; none by default
 * @param forbidUnauthPipelining whether improper pipelining (Postfix's {@code
 *     smtpd_forbid_unauth_pipelining}) ends the connection with {@code 554 5.5.0}
 * @param statsInterval how often the counters ({@link SmtpStats#toLogLine()}) are logged; zero:
 *     only at stop
 */
public record SmtpSettings(
    InetSocketAddress listen,
    String hostName,
    int maxConnections,
    int maxConnectionsPerClient,
    int maxRecipients,
    SmtpLimits limits,
    SmtpTimeouts timeouts,
    Duration drainTimeout,
    Optional<Quarantine.Settings> quarantine,
    Optional<SmtpTls> tls,
    RelaySettings relay,
    Proxy proxy,
    boolean forbidUnauthPipelining,
    Duration statsInterval) {
  /** The {@code smtp:} section; register it when loading the file. */
  public static final ConfigSection<SmtpSettings> SECTION =
      ConfigSection.of("smtp", SmtpSettings::parse);

  public SmtpSettings {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(hostName, "hostName");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(timeouts, "timeouts");
    Objects.requireNonNull(drainTimeout, "drainTimeout");
    Objects.requireNonNull(quarantine, "quarantine");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(relay, "relay");
    if (hostName.isEmpty() || !hostName.chars().allMatch(c -> c > ' ' && c < 0x7f)) {
      throw new IllegalArgumentException(
          "host name must be printable ASCII, got \"" + hostName + "\"");
    }
    if (maxConnections < 1) {
      throw new IllegalArgumentException(
          "maxConnections must be at least 1, got " + maxConnections);
    }
    if (maxConnectionsPerClient < 1) {
      throw new IllegalArgumentException(
          "maxConnectionsPerClient must be at least 1, got " + maxConnectionsPerClient);
    }
    if (maxRecipients < 1) {
      throw new IllegalArgumentException("maxRecipients must be at least 1, got " + maxRecipients);
    }
    if (drainTimeout.isNegative()) {
      throw new IllegalArgumentException("drainTimeout must not be negative, got " + drainTimeout);
    }
    Objects.requireNonNull(proxy, "proxy");
    Objects.requireNonNull(statsInterval, "statsInterval");
    if (statsInterval.isNegative()) {
      throw new IllegalArgumentException(
          "statsInterval must not be negative, got " + statsInterval);
    }
  }

  /**
   * Where PROXY protocol headers are taken from (HAProxy's {@code proxy-protocol.txt}, v1 and v2).
   * A connection from one of these ranges must begin with a header within the timeout, and the
   * header's source address is the client's from then on; from any other address a PROXY line is an
   * ordinary bad command.
   *
   * @param from the balancers' addresses and CIDR ranges; empty: the PROXY protocol is off
   * @param timeout how long a balancer has to send the header (at least 3 s, the specification
   *     asks, to cover a TCP retransmit)
   */
  public record Proxy(List<IpRange> from, Duration timeout) {
    /** The default time to send the header, as Postfix's {@code smtpd_upstream_proxy_timeout}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    public Proxy {
      from = List.copyOf(from);
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException("proxy timeout must be at least 1s, got " + timeout);
      }
    }

    /** No balancers: every connection speaks SMTP from its first byte. */
    public static Proxy none() {
      return new Proxy(List.of(), DEFAULT_TIMEOUT);
    }

    /** Whether a connection from this address must begin with a PROXY header. */
    public boolean expectedFrom(InetAddress address) {
      for (IpRange r : from) {
        if (r.contains(address)) {
          return true;
        }
      }
      return false;
    }
  }

  /** The defaults: {@code 127.0.0.1:2525}, {@code localhost}, RFC 5321 timeouts. */
  public static SmtpSettings defaults() {
    return new SmtpSettings(
        new InetSocketAddress("127.0.0.1", 2525),
        "localhost",
        1000,
        50,
        1000,
        SmtpLimits.defaults(),
        SmtpTimeouts.rfc5321(),
        Duration.ofSeconds(30),
        Optional.empty(),
        Optional.empty(),
        RelaySettings.defaults(),
        Proxy.none(),
        true,
        Duration.ofMinutes(10));
  }

  /** The same settings listening elsewhere. */
  public SmtpSettings withListen(InetSocketAddress address) {
    return with(f -> f.listen = address);
  }

  /** The same settings under another host name. */
  public SmtpSettings withHostName(String name) {
    return with(f -> f.hostName = name);
  }

  /** The same settings with another limit of connections in total. */
  public SmtpSettings withMaxConnections(int max) {
    return with(f -> f.maxConnections = max);
  }

  /** The same settings with another limit of connections per client address. */
  public SmtpSettings withMaxConnectionsPerClient(int max) {
    return with(f -> f.maxConnectionsPerClient = max);
  }

  /** The same settings with another limit of recipients per transaction. */
  public SmtpSettings withMaxRecipients(int max) {
    return with(f -> f.maxRecipients = max);
  }

  /** The same settings with other codec limits. */
  public SmtpSettings withLimits(SmtpLimits limits) {
    return with(f -> f.limits = limits);
  }

  /** The same settings with other read timeouts. */
  public SmtpSettings withTimeouts(SmtpTimeouts timeouts) {
    return with(f -> f.timeouts = timeouts);
  }

  /** The same settings with another drain timeout. */
  public SmtpSettings withDrainTimeout(Duration timeout) {
    return with(f -> f.drainTimeout = timeout);
  }

  /** The same settings with another quarantine, or none. */
  public SmtpSettings withQuarantine(Optional<Quarantine.Settings> quarantine) {
    return with(f -> f.quarantine = quarantine);
  }

  /** The same settings with another STARTTLS certificate, or none. */
  public SmtpSettings withTls(Optional<SmtpTls> tls) {
    return with(f -> f.tls = tls);
  }

  /** The same settings with other PROXY protocol balancers. */
  public SmtpSettings withProxy(Proxy proxy) {
    return with(f -> f.proxy = proxy);
  }

  /** The same settings with improper pipelining refused, or not. */
  public SmtpSettings withForbidUnauthPipelining(boolean forbid) {
    return with(f -> f.forbidUnauthPipelining = forbid);
  }

  /** The same settings with the counters logged at another interval; zero: only at stop. */
  public SmtpSettings withStatsInterval(Duration interval) {
    return with(f -> f.statsInterval = interval);
  }

  /** The same settings with another outbound leg. */
  public SmtpSettings withRelay(RelaySettings relay) {
    return with(f -> f.relay = relay);
  }

  /**
   * A copy with one field changed. The fields are listed here once, rather than in every {@code
   * with} method, so that a new key is added in three places whatever the number of methods.
   */
  private SmtpSettings with(java.util.function.Consumer<Fields> change) {
    Fields f = new Fields(this);
    change.accept(f);
    return f.build();
  }

  /** The components as mutable fields, for {@link #with}. */
  private static final class Fields {
    InetSocketAddress listen;
    String hostName;
    int maxConnections;
    int maxConnectionsPerClient;
    int maxRecipients;
    SmtpLimits limits;
    SmtpTimeouts timeouts;
    Duration drainTimeout;
    Optional<Quarantine.Settings> quarantine;
    Optional<SmtpTls> tls;
    RelaySettings relay;
    Proxy proxy;
    boolean forbidUnauthPipelining;
    Duration statsInterval;

    Fields(SmtpSettings s) {
      listen = s.listen;
      hostName = s.hostName;
      maxConnections = s.maxConnections;
      maxConnectionsPerClient = s.maxConnectionsPerClient;
      maxRecipients = s.maxRecipients;
      limits = s.limits;
      timeouts = s.timeouts;
      drainTimeout = s.drainTimeout;
      quarantine = s.quarantine;
      tls = s.tls;
      relay = s.relay;
      proxy = s.proxy;
      forbidUnauthPipelining = s.forbidUnauthPipelining;
      statsInterval = s.statsInterval;
    }

    SmtpSettings build() {
      return new SmtpSettings(
          listen,
          hostName,
          maxConnections,
          maxConnectionsPerClient,
          maxRecipients,
          limits,
          timeouts,
          drainTimeout,
          quarantine,
          tls,
          relay,
          proxy,
          forbidUnauthPipelining,
          statsInterval);
    }
  }

  /**
   * Parses {@code HOST:PORT} or {@code [IPv6]:PORT}, without any DNS lookup for an address.
   *
   * @throws IllegalArgumentException naming the text when it is not of that form
   */
  public static InetSocketAddress parseListen(String text) {
    Objects.requireNonNull(text, "text");
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new IllegalArgumentException("expected HOST:PORT, got \"" + text + "\"");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      throw new IllegalArgumentException("an IPv6 address goes in brackets: \"" + text + "\"");
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("port is not a number in \"" + text + "\"", e);
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535 in \"" + text + "\"");
    }
    return host.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':')
        ? new InetSocketAddress(com.google.common.net.InetAddresses.forString(host), port)
        : new InetSocketAddress(host, port);
  }

  private static Optional<Quarantine.Settings> quarantine(ConfigNode node) {
    Optional<String> dir = node.optionalString("dir");
    Duration lifetime = node.duration("lifetime", Quarantine.DEFAULT_LIFETIME);
    if (dir.isEmpty()) {
      if (node.has("lifetime")) {
        throw node.error("dir", "a quarantine needs its dir");
      }
      return Optional.empty();
    }
    if (dir.get().isBlank()) {
      throw node.error("dir", "must not be empty");
    }
    try {
      return Optional.of(new Quarantine.Settings(java.nio.file.Path.of(dir.get()), lifetime));
    } catch (IllegalArgumentException e) {
      throw node.error("lifetime", e.getMessage());
    }
  }

  /** Both files or neither; a file that cannot be used is an error naming it. */
  private static Optional<SmtpTls> tls(ConfigNode node) {
    Optional<String> certificate = node.optionalString("certificate");
    Optional<String> key = node.optionalString("key");
    if (certificate.isEmpty() && key.isEmpty()) {
      return Optional.empty();
    }
    if (certificate.isEmpty()) {
      throw node.error("certificate", "is required with tls.key");
    }
    if (key.isEmpty()) {
      throw node.error("key", "is required with tls.certificate");
    }
    try {
      return Optional.of(
          SmtpTls.load(java.nio.file.Path.of(certificate.get()), java.nio.file.Path.of(key.get())));
    } catch (IllegalArgumentException e) {
      throw node.error("", e.getMessage());
    }
  }

  /** The balancers' list; each entry an address or a CIDR range, an error naming its index. */
  private static Proxy proxy(ConfigNode node) {
    List<String> texts = node.strings("from");
    List<IpRange> from = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      try {
        from.add(IpRange.parse(texts.get(i)));
      } catch (IllegalArgumentException e) {
        throw node.error("from[" + i + "]", e.getMessage());
      }
    }
    Duration timeout = node.duration("timeout", Proxy.DEFAULT_TIMEOUT);
    if (from.isEmpty() && node.has("timeout")) {
      throw node.error("from", "a proxy timeout needs the balancers' addresses in proxy.from");
    }
    try {
      return new Proxy(from, timeout);
    } catch (IllegalArgumentException e) {
      throw node.error("timeout", e.getMessage());
    }
  }

  private static SmtpSettings parse(ConfigNode node) {
    SmtpSettings d = defaults();
    InetSocketAddress listen = d.listen();
    Optional<String> listenText = node.optionalString("listen");
    if (listenText.isPresent()) {
      try {
        listen = parseListen(listenText.get());
      } catch (IllegalArgumentException e) {
        throw node.error("listen", e.getMessage());
      }
    }
    SmtpLimits limits =
        d.limits()
            .withMaxMessageSize(node.bytes("max_message_size", SmtpLimits.DEFAULT_MAX_MESSAGE_SIZE))
            .withBareLineEnd(
                node.enumValue("bare_line_end", BareLineEnd.class, BareLineEnd.NORMALIZE));
    try {
      return new SmtpSettings(
          listen,
          node.string("host_name", d.hostName()),
          (int) node.integer("max_connections", d.maxConnections(), 1, 1_000_000),
          (int)
              node.integer("max_connections_per_client", d.maxConnectionsPerClient(), 1, 1_000_000),
          (int) node.integer("max_recipients", d.maxRecipients(), 100, 1_000_000),
          limits,
          new SmtpTimeouts(
              node.duration("command_timeout", d.timeouts().command()),
              node.duration("data_timeout", d.timeouts().dataBlock())),
          node.duration("drain_timeout", d.drainTimeout()),
          quarantine(node.section("quarantine")),
          tls(node.section("tls")),
          RelaySettings.parse(node.section("relay")),
          proxy(node.section("proxy")),
          node.bool("forbid_unauth_pipelining", true),
          node.duration("stats_interval", d.statsInterval()));
    } catch (IllegalArgumentException e) {
      throw node.error("", e.getMessage());
    }
  }
}
