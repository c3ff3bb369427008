package dev.mailfilter.ops;

import dev.mailfilter.config.ConfigNode;
import dev.mailfilter.config.ConfigSection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code ops:} section: where each kind of node serves its operations endpoint ({@code
 * /metrics}, {@code /health/live}, {@code /health/ready}), the bearer token that guards the
 * metrics, and the bound on the tenants the metrics name.
 *
 * <p>Each kind of node has its own address, so that a gateway, a milter and the admin API can run
 * on one host from one file. The defaults are on loopback. The metrics are not free of secrets:
 * they name tenants and domains (and check names show the site's defences), so an address other
 * than loopback is refused unless {@code ops.token_file} names a bearer token, which {@code
 * /metrics} then demands; the health probes stay open (their answers name no tenant), as a load
 * balancer probes without credentials.
 *
 * @param listen per kind of node its address; empty: {@code off}
 * @param explicit the kinds whose address the file gave: a default address that is taken only
 *     warns, a given one that cannot be bound is an error
 * @param tokenFile a file holding the bearer token {@code /metrics} demands
 * @param maxTenants how many tenants get their own series; the others are summed as {@code _other}
 * @param shutdownDelay how long a stopping node reports not ready before it closes its listener, so
 *     that a balancer probing at intervals stops sending first
 */
public record OpsSettings(
    Map<Node, Optional<InetSocketAddress>> listen,
    Set<Node> explicit,
    Optional<Path> tokenFile,
    int maxTenants,
    Duration shutdownDelay) {

  /** The {@code ops:} section; register it when loading the file. */
  public static final ConfigSection<OpsSettings> SECTION =
      ConfigSection.of("ops", OpsSettings::parse);

  /** The most tenants {@code max_tenants} may allow: each is nine series of a counter. */
  public static final int MAX_TENANTS_LIMIT = 10_000;

  /** The kinds of node that serve an endpoint, each with its default port on loopback. */
  public enum Node {
    /** {@code mailfilter smtp}. */
    SMTP(9525),
    /** {@code mailfilter milter}. */
    MILTER(9526),
    /** {@code mailfilter admin}. */
    ADMIN(9527),
    /** {@code mailfilter web}. */
    WEB(9528);

    private final int defaultPort;

    Node(int defaultPort) {
      this.defaultPort = defaultPort;
    }

    /** The key under {@code ops.listen}: {@code smtp}. */
    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The default address: loopback, this kind's port. */
    public InetSocketAddress defaultAddress() {
      return new InetSocketAddress(InetAddress.getLoopbackAddress(), defaultPort);
    }
  }

  /** Checks the values. */
  public OpsSettings {
    EnumMap<Node, Optional<InetSocketAddress>> l = new EnumMap<>(Node.class);
    for (Node n : Node.values()) {
      l.put(n, Objects.requireNonNull(listen.get(n), () -> "no address for " + n));
    }
    listen = Collections.unmodifiableMap(l);
    explicit =
        explicit.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(explicit));
    Objects.requireNonNull(tokenFile, "tokenFile");
    if (maxTenants < 0 || maxTenants > MAX_TENANTS_LIMIT) {
      throw new IllegalArgumentException(
          "max_tenants must be 0.." + MAX_TENANTS_LIMIT + ", got " + maxTenants);
    }
    if (shutdownDelay.isNegative()) {
      throw new IllegalArgumentException("shutdown_delay is negative: " + shutdownDelay);
    }
    if (tokenFile.isEmpty()) {
      for (Node n : Node.values()) {
        Optional<InetSocketAddress> a = listen.get(n);
        if (a.isPresent() && !a.get().getAddress().isLoopbackAddress()) {
          throw new IllegalArgumentException(publicWithoutToken(a.get()));
        }
      }
    }
  }

  private static String publicWithoutToken(InetSocketAddress a) {
    return a.getAddress().getHostAddress()
        + ":"
        + a.getPort()
        + " is not a loopback address, and the metrics name tenants and domains:"
        + " give ops.token_file (a bearer token that /metrics then demands) to serve them there";
  }

  /** The defaults: every kind on loopback at its port, no token, 100 tenants, no delay. */
  public static OpsSettings defaults() {
    Map<Node, Optional<InetSocketAddress>> l = new EnumMap<>(Node.class);
    for (Node n : Node.values()) {
      l.put(n, Optional.of(n.defaultAddress()));
    }
    return new OpsSettings(l, Set.of(), Optional.empty(), 100, Duration.ZERO);
  }

  /** Where {@code node} serves its endpoint; empty when it is off. */
  public Optional<InetSocketAddress> listen(Node node) {
    return listen.get(node);
  }

  /** Whether the file gave {@code node}'s address (an unusable default only warns). */
  public boolean explicit(Node node) {
    return explicit.contains(node);
  }

  /** These settings with {@code node} at {@code address} (empty: off), as if the file said so. */
  public OpsSettings withListen(Node node, Optional<InetSocketAddress> address) {
    Map<Node, Optional<InetSocketAddress>> l = new EnumMap<>(listen);
    l.put(node, address);
    Set<Node> e = EnumSet.noneOf(Node.class);
    e.addAll(explicit);
    e.add(node);
    return new OpsSettings(l, e, tokenFile, maxTenants, shutdownDelay);
  }

  /**
   * Parses {@code HOST:PORT} ({@code [v6]:PORT}; port 0: any free port) or {@code off}.
   *
   * @throws IllegalArgumentException naming the bad text
   */
  public static Optional<InetSocketAddress> parseListen(String text) {
    if (text.equals("off")) {
      return Optional.empty();
    }
    int colon = text.lastIndexOf(':');
    String host = colon > 0 ? text.substring(0, colon) : "";
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port = -1;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      // reported below
    }
    if (host.isEmpty() || port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          "expected HOST:PORT (port 0-65535) or off, got \"" + text + "\"");
    }
    try {
      return Optional.of(new InetSocketAddress(InetAddress.getByName(host), port));
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("unknown host in \"" + text + "\"", e);
    }
  }

  private static OpsSettings parse(ConfigNode node) {
    OpsSettings d = defaults();
    Map<Node, Optional<InetSocketAddress>> listen = new EnumMap<>(d.listen());
    Set<Node> explicit = EnumSet.noneOf(Node.class);
    ConfigNode l = node.section("listen");
    Optional<Path> tokenFile = node.optionalString("token_file").map(Path::of);
    for (Node n : Node.values()) {
      Optional<String> text = l.optionalString(n.configName());
      if (text.isPresent()) {
        Optional<InetSocketAddress> a;
        try {
          a = parseListen(text.get());
        } catch (IllegalArgumentException e) {
          throw l.error(n.configName(), e.getMessage());
        }
        if (a.isPresent() && tokenFile.isEmpty() && !a.get().getAddress().isLoopbackAddress()) {
          throw l.error(n.configName(), publicWithoutToken(a.get()));
        }
        listen.put(n, a);
        explicit.add(n);
      }
    }
    int maxTenants = (int) node.integer("max_tenants", d.maxTenants(), 0, MAX_TENANTS_LIMIT);
    Duration delay = node.duration("shutdown_delay", Duration.ZERO);
    if (delay.compareTo(Duration.ofMinutes(10)) > 0) {
      throw node.error("shutdown_delay", "must be at most 10m, got " + delay);
    }
    return new OpsSettings(listen, explicit, tokenFile, maxTenants, delay);
  }
}
