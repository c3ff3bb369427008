package dev.mailfilter.smtp;

import dev.mailfilter.config.ConfigNode;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The outbound leg's settings, the {@code smtp.relay} section:
 *
 * <pre>{@code
 * smtp:
 *   relay:
 *     trust_certificates: /etc/mailfilter/ca.pem  # PEM bundle for tls: verify; default: the JDK's
 *     lookup_timeout: 10s                 # one MX or address lookup (servers: the dns: section)
 *     pool_size_per_destination: 10       # idle connections kept per route
 *     pool_size: 100                      # idle connections kept in total
 *     pool_idle_time: 2s                  # as Postfix's smtp_connection_cache_time_limit
 *     max_transactions_per_connection: 100
 *     mx_port: 25                         # where a trusted client's mail to other domains goes
 * }</pre>
 *
 * @param trustCertificates the certificates a {@code verify} route's server chain must lead to;
 *     empty: the JDK's trust store
 * @param lookupTimeout how long one DNS query of an MX route may take
 * @param poolSizePerDestination idle connections kept per route; 0 turns pooling off
 * @param poolSize idle connections kept in total; 0 turns pooling off
 * @param poolIdleTime how long an idle connection is kept
 * @param maxTransactionsPerConnection messages sent over one connection before it is closed
 * @param mxPort the port of the MX hosts of domains that are not ours, where a trusted client's
 *     mail for them goes (25; another only for tests or a port-forwarding setup)
 */
public record RelaySettings(
    List<X509Certificate> trustCertificates,
    Duration lookupTimeout,
    int poolSizePerDestination,
    int poolSize,
    Duration poolIdleTime,
    int maxTransactionsPerConnection,
    int mxPort) {

  /** Validates; the messages carry the bad value. */
  public RelaySettings {
    trustCertificates = List.copyOf(trustCertificates);
    Objects.requireNonNull(lookupTimeout, "lookupTimeout");
    Objects.requireNonNull(poolIdleTime, "poolIdleTime");
    if (lookupTimeout.isNegative() || lookupTimeout.isZero()) {
      throw new IllegalArgumentException("lookup_timeout must be positive, got " + lookupTimeout);
    }
    if (poolSizePerDestination < 0 || poolSize < 0) {
      throw new IllegalArgumentException(
          "pool sizes must not be negative, got " + poolSizePerDestination + " and " + poolSize);
    }
    if (poolIdleTime.isNegative()) {
      throw new IllegalArgumentException("pool_idle_time must not be negative: " + poolIdleTime);
    }
    if (mxPort < 1 || mxPort > 65535) {
      throw new IllegalArgumentException("mx_port must be 1..65535, got " + mxPort);
    }
    if (maxTransactionsPerConnection < 1) {
      throw new IllegalArgumentException(
          "max_transactions_per_connection must be at least 1, got "
              + maxTransactionsPerConnection);
    }
  }

  /** The defaults: the JDK's trust store, 10 s lookups, 10/100 idle connections for 2 s. */
  public static RelaySettings defaults() {
    return new RelaySettings(
        List.of(), Duration.ofSeconds(10), 10, 100, Duration.ofSeconds(2), 100, 25);
  }

  /** The same settings with another trust bundle; empty: the JDK's trust store. */
  public RelaySettings withTrustCertificates(List<X509Certificate> certificates) {
    return new RelaySettings(
        certificates,
        lookupTimeout,
        poolSizePerDestination,
        poolSize,
        poolIdleTime,
        maxTransactionsPerConnection,
        mxPort);
  }

  /** The same settings with other pool limits. */
  public RelaySettings withPool(int perDestination, int total, Duration idleTime, int maxTx) {
    return new RelaySettings(
        trustCertificates, lookupTimeout, perDestination, total, idleTime, maxTx, mxPort);
  }

  /** The same settings with another port for other domains' MX hosts. */
  public RelaySettings withMxPort(int port) {
    return new RelaySettings(
        trustCertificates,
        lookupTimeout,
        poolSizePerDestination,
        poolSize,
        poolIdleTime,
        maxTransactionsPerConnection,
        port);
  }

  /**
   * Reads a PEM bundle of trusted certificates.
   *
   * @throws IllegalArgumentException naming the file when it is missing or holds no certificate
   */
  public static List<X509Certificate> loadTrustCertificates(Path file) {
    Objects.requireNonNull(file, "file");
    return SmtpTls.readChain(file);
  }

  static RelaySettings parse(ConfigNode node) {
    RelaySettings d = defaults();
    List<X509Certificate> trust = d.trustCertificates();
    var file = node.optionalString("trust_certificates");
    if (file.isPresent()) {
      try {
        trust = loadTrustCertificates(Path.of(file.get()));
      } catch (IllegalArgumentException e) {
        throw node.error("trust_certificates", e.getMessage());
      }
    }
    try {
      return new RelaySettings(
          trust,
          node.duration("lookup_timeout", d.lookupTimeout()),
          (int) node.integer("pool_size_per_destination", d.poolSizePerDestination(), 0, 100_000),
          (int) node.integer("pool_size", d.poolSize(), 0, 1_000_000),
          node.duration("pool_idle_time", d.poolIdleTime()),
          (int)
              node.integer(
                  "max_transactions_per_connection",
                  d.maxTransactionsPerConnection(),
                  1,
                  1_000_000),
          (int) node.integer("mx_port", d.mxPort(), 1, 65535));
    } catch (IllegalArgumentException e) {
      throw node.error("", e.getMessage());
    }
  }
}
