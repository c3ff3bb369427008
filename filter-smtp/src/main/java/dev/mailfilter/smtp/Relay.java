package dev.mailfilter.smtp;

import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Reply;
import dev.mailfilter.dns.DnsSettings;
import dev.mailfilter.tenant.Route;
import dev.mailfilter.tenant.TlsPolicy;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The outbound leg: hands one accepted transaction to its route's server, before the gateway
 * answers its own client. The route's server is the route's host, or for an {@code mx} route the
 * hosts of its MX records ({@link RelayDns}), tried in order. STARTTLS follows the route's {@link
 * TlsPolicy}. After a 250 to the final dot the connection goes back to a pool ({@link RelayPool})
 * for the next message to the same route.
 *
 * <p>The outcome is the reply the gateway gives its client: {@code 250} only after the downstream
 * server said 250 to the end of data; otherwise the downstream reply (with an enhanced code of our
 * own when it had none), or a {@code 451 4.x.x} when no server could be reached, TLS could not be
 * had as the policy requires, or the server broke the protocol. Per-recipient failures at RCPT
 * cannot be answered one by one any more (our RCPT replies are gone), so the message is not sent
 * and the worst failure is the answer: a temporary one if any was temporary (the client retries
 * every recipient), else the first permanent one.
 */
final class Relay implements AutoCloseable {
  /** A recipient as relayed: the address for RCPT TO and its parameters. */
  record Recipient(String address, RcptParameters parameters) {}

  /** What is relayed: the envelope and the message, already edited and unstuffed. */
  record Transaction(
      String from, MailParameters parameters, List<Recipient> recipients, byte[] message) {}

  /** How long the relay leg may wait: to connect, for a reply, for the reply to the final dot. */
  record Timeouts(Duration connect, Duration reply, Duration endOfData) {
    /** RFC 5321 section 4.5.3.2's client timeouts; 30 s to connect. */
    static final Timeouts DEFAULT =
        new Timeouts(Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofMinutes(10));
  }

  private final String heloName;
  private final Timeouts timeouts;
  private final RelayDns dns;
  private final RelayPool pool;
  private final int mxPort;
  private final SSLSocketFactory unchecked;
  private final SSLSocketFactory verifying;
  private final LongAdder opened = new LongAdder();
  private final LongAdder reused = new LongAdder();

  /** Without pooling, with the system's name servers: for one-off deliveries (a release). */
  Relay(String heloName, Timeouts timeouts) {
    this(heloName, timeouts, RelaySettings.defaults().withPool(0, 0, Duration.ZERO, 1), List::of);
  }

  /**
   * @param dnsServers the name servers for MX lookups, asked per lookup (the core's {@code dns:}
   *     section of the current configuration); empty: the system's
   */
  Relay(
      String heloName,
      Timeouts timeouts,
      RelaySettings settings,
      Supplier<List<InetSocketAddress>> dnsServers) {
    this.heloName = heloName;
    this.timeouts = timeouts;
    this.dns = new RelayDns(dnsServers, settings.lookupTimeout(), new Random());
    this.pool = new RelayPool(settings);
    this.mxPort = settings.mxPort();
    this.unchecked = context(new TrustManager[] {new TrustAll()});
    this.verifying = context(trustManagers(settings.trustCertificates()));
  }

  /**
   * The name servers of the current filter's {@code dns:} section, asked per lookup so that a
   * reload applies; the system's when the configuration has no such section.
   */
  static Supplier<List<InetSocketAddress>> dnsServers(Supplier<MailFilter> filters) {
    return () -> {
      try {
        return filters.get().config().section(DnsSettings.SECTION).servers();
      } catch (IllegalArgumentException e) {
        return List.of();
      }
    };
  }

  /** The port of other domains' MX hosts, for a trusted client's mail (smtp.relay.mx_port). */
  int mxPort() {
    return mxPort;
  }

  /** Connections opened to routes' servers so far. */
  long opened() {
    return opened.sum();
  }

  /** Transactions sent over a pooled connection so far. */
  long reused() {
    return reused.sum();
  }

  /** Idle pooled connections now. */
  int idle() {
    return pool.size();
  }

  /** Closes the idle connections; connections in use are closed after their transaction. */
  @Override
  public void close() {
    pool.close();
  }

  /** Delivers the transaction to the route; never throws for network trouble. */
  Reply deliver(Route route, Transaction t) {
    // A pooled connection saves the lookup, the connection, the greeting and the handshake.
    RelayConnection c;
    while ((c = pool.take(route)) != null) {
      if (!reset(c)) {
        continue;
      }
      Reply r = transact(route, c, t, true);
      if (r != null) {
        reused.increment();
        return r;
      }
      // It failed before any byte of the message went out: a fresh connection tries again.
    }
    Opened o = open(route, timeouts);
    return switch (o) {
      case Failed f -> f.reply();
      case Connected k -> transact(route, k.connection(), t, false);
    };
  }

  /** RFC 5321 section 4.1.1.5: a reused connection starts with RSET; anything but 250 ends it. */
  private static boolean reset(RelayConnection c) {
    try {
      if (c.command("RSET").code() == 250) {
        return true;
      }
    } catch (IOException | RelayConnection.ProtocolException e) {
      // the server closed it while idle: open another
    }
    c.close();
    return false;
  }

  /**
   * One transaction on {@code c}; null when a pooled connection failed before the message's first
   * byte went out (the caller retries on a fresh one).
   */
  private Reply transact(Route route, RelayConnection c, Transaction t, boolean pooled) {
    try {
      Reply r = c.transact(t);
      if (r.code() == 250) {
        pool.give(route, c);
        return r;
      }
      if (pooled && r.code() == 421 && !c.messageStarted()) {
        c.close();
        return null;
      }
      c.quitAndClose();
      return withEnhanced(r);
    } catch (SocketTimeoutException e) {
      c.close();
      return pooled && !c.messageStarted()
          ? null
          : Reply.of(451, "4.4.2", "Downstream server timed out: " + c.name());
    } catch (IOException e) {
      c.close();
      return pooled && !c.messageStarted()
          ? null
          : Reply.of(451, "4.4.2", "Connection to the downstream server lost: " + c.name());
    } catch (RelayConnection.ProtocolException e) {
      c.close();
      return pooled && !c.messageStarted()
          ? null
          : Reply.of(451, "4.4.2", "Downstream server broke the protocol: " + e.getMessage());
    }
  }

  private sealed interface Opened {}

  private record Connected(RelayConnection connection) implements Opened {}

  /** No connection; {@code tryNext}: another of the route's servers may do better. */
  private record Failed(Reply reply, boolean tryNext) implements Opened {}

  /**
   * Asks the route's server whether it takes {@code address}, as Postfix's {@code verify(8)} does:
   * {@code MAIL FROM:<>} (what a bounce uses, so a server that takes the probe takes the bounce
   * too), {@code RCPT TO}, QUIT, and no message. The connection is opened as for delivery: the MX
   * hosts of an MX route in order, STARTTLS as the route's policy asks (a probe never shows the
   * address in plain text where the route forbids it), with the probe's own, shorter, time limits,
   * since our client waits at RCPT. Only a reply to RCPT decides; never throws for what the network
   * does.
   */
  Callout.Result probe(Route route, String address, Timeouts probeTimeouts) {
    Opened o = open(route, probeTimeouts);
    if (o instanceof Failed f) {
      return new Callout.Result.Failed(route + ": " + f.reply().toWire().strip());
    }
    RelayConnection c = ((Connected) o).connection();
    try {
      Reply mail = c.command("MAIL FROM:<>");
      if (mail.code() != 250) {
        c.quitAndClose();
        return new Callout.Result.Failed(
            c.name() + " refused MAIL FROM:<>: " + mail.toWire().strip());
      }
      Reply rcpt = c.command("RCPT TO:<" + address + ">");
      c.quitAndClose();
      return switch (rcpt.code() / 100) {
        case 2 -> new Callout.Result.Accepted();
        case 5 -> new Callout.Result.Refused(rcpt);
        default -> new Callout.Result.Failed(c.name() + " answered RCPT " + rcpt.toWire().strip());
      };
    } catch (SocketTimeoutException e) {
      c.close();
      return new Callout.Result.Failed(c.name() + " did not answer in time");
    } catch (IOException e) {
      c.close();
      return new Callout.Result.Failed(c.name() + ": connection lost: " + e.getMessage());
    } catch (RelayConnection.ProtocolException e) {
      c.close();
      return new Callout.Result.Failed(c.name() + " broke the protocol: " + e.getMessage());
    }
  }

  /** A connection past EHLO and, as the route's policy asks, STARTTLS. */
  private Opened open(Route route, Timeouts limits) {
    List<RelayDns.Target> targets;
    if (route.mx()) {
      switch (dns.lookup(route.host())) {
        case RelayDns.Failure f -> {
          return new Failed(f.reply(), false);
        }
        case RelayDns.Targets ts -> targets = ts.targets();
      }
    } else {
      InetSocketAddress a = new InetSocketAddress(route.host(), route.port());
      if (a.isUnresolved()) {
        return new Failed(unreachable(route.host()), false);
      }
      targets = List.of(new RelayDns.Target(route.host(), a.getAddress()));
    }
    Failed last = null;
    for (RelayDns.Target target : targets) {
      Opened o = open(route, target, true, limits);
      if (o instanceof Failed f) {
        SmtpServer.LOG.info(
            "smtp relay: {} at {}: {}",
            target.name(),
            target.address(),
            f.reply().toWire().strip());
        last = f;
        if (f.tryNext()) {
          continue;
        }
      }
      return o;
    }
    return last;
  }

  private Opened open(Route route, RelayDns.Target target, boolean tryTls, Timeouts limits) {
    RelayConnection c;
    try {
      c =
          RelayConnection.connect(
              new InetSocketAddress(target.address(), route.port()), target.name(), limits);
    } catch (IOException e) {
      return new Failed(unreachable(target.name()), true);
    }
    opened.increment();
    try {
      Reply greeting = c.read();
      if (greeting.code() != 220) {
        c.quitAndClose();
        return new Failed(temporary(greeting), true);
      }
      Reply hello = c.hello(heloName);
      if (hello.code() != 250) {
        c.quitAndClose();
        return new Failed(temporary(hello), true);
      }
      TlsPolicy policy = route.tls();
      if (policy == TlsPolicy.NONE || (policy == TlsPolicy.MAY && !tryTls)) {
        return new Connected(c);
      }
      if (!c.offers("STARTTLS")) {
        if (policy == TlsPolicy.MAY) {
          return new Connected(c);
        }
        c.quitAndClose();
        return new Failed(
            Reply.of(
                451,
                "4.7.5",
                "TLS is required for this route, and " + target.name() + " does not offer it"),
            true);
      }
      String failure = startTls(c, policy == TlsPolicy.VERIFY);
      if (failure == null) {
        return new Connected(c);
      }
      c.close();
      if (policy == TlsPolicy.MAY) {
        // As Postfix's "may": the same server again, in plain text, on a new connection.
        SmtpServer.LOG.info(
            "smtp relay: TLS with {} failed ({}); plain text", target.name(), failure);
        return open(route, target, false, limits);
      }
      return new Failed(
          Reply.of(451, "4.7.5", "TLS with " + target.name() + " failed: " + failure), true);
    } catch (SocketTimeoutException e) {
      c.close();
      return new Failed(
          Reply.of(451, "4.4.2", "Downstream server timed out: " + target.name()), true);
    } catch (IOException e) {
      c.close();
      return new Failed(
          Reply.of(451, "4.4.2", "Connection to the downstream server lost: " + target.name()),
          true);
    } catch (RelayConnection.ProtocolException e) {
      c.close();
      return new Failed(
          Reply.of(451, "4.4.2", "Downstream server broke the protocol: " + e.getMessage()), true);
    }
  }

  /** STARTTLS and EHLO again (RFC 3207 section 4.2); null when done, else why not. */
  private String startTls(RelayConnection c, boolean verify)
      throws IOException, RelayConnection.ProtocolException {
    Reply r = c.command("STARTTLS");
    if (r.code() != 220) {
      return "STARTTLS answered " + r.toWire().strip();
    }
    try {
      c.startTls(verify ? verifying : unchecked, verify);
    } catch (IOException e) {
      return String.valueOf(rootMessage(e));
    }
    Reply hello = c.hello(heloName);
    if (hello.code() != 250) {
      return "EHLO after STARTTLS answered " + hello.toWire().strip();
    }
    return null;
  }

  private static String rootMessage(Throwable e) {
    String m = e.getMessage();
    Throwable cause = e.getCause();
    while (cause != null) {
      if (cause.getMessage() != null) {
        m = cause.getMessage();
      }
      cause = cause.getCause();
    }
    return m;
  }

  private static Reply unreachable(String host) {
    return Reply.of(451, "4.4.1", "Downstream server not reachable: " + host);
  }

  private static SSLSocketFactory context(TrustManager[] trust) {
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, trust, null);
      return ctx.getSocketFactory();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no TLS: " + e.getMessage(), e);
    }
  }

  /** The JDK's trust store, or only the configured certificates. */
  private static TrustManager[] trustManagers(List<X509Certificate> certificates) {
    try {
      TrustManagerFactory f =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      if (certificates.isEmpty()) {
        f.init((KeyStore) null);
      } else {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        for (int i = 0; i < certificates.size(); i++) {
          ks.setCertificateEntry("trusted-" + i, certificates.get(i));
        }
        f.init(ks);
      }
      return f.getTrustManagers();
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot set up TLS trust: " + e.getMessage(), e);
    }
  }

  /**
   * For {@code may} and {@code encrypt}: encryption without authentication, as Postfix's levels of
   * the same names; a certificate of any kind is taken.
   */
  private static final class TrustAll extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  /** A failure before the transaction: always temporary towards our client. */
  private static Reply temporary(Reply downstream) {
    return new Reply(
        451, "4.4.0", List.of("Downstream server refused us: " + downstream.lines().getFirst()));
  }

  /** The downstream reply with an enhanced code of ours when it had none. */
  static Reply withEnhanced(Reply r) {
    if (!r.enhanced().isEmpty()) {
      return r;
    }
    return new Reply(r.code(), (r.code() / 100) + ".0.0", r.lines());
  }
}
