package dev.mailfilter.tenant;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Objects;

/**
 * Where the gateway hands on accepted mail for a domain.
 *
 * @param host the destination: a host name or IP literal, or with {@code mx} the domain whose MX
 *     records name the hosts
 * @param mx whether {@code host} is looked up as MX records (Postfix's {@code host}) rather than
 *     connected to directly (Postfix's {@code [host]})
 * @param port the TCP port, 1 to 65535
 * @param tls the TLS policy
 */
public record Route(String host, boolean mx, int port, TlsPolicy tls) {
  public Route {
    Objects.requireNonNull(host, "host");
    checkArgument(!host.isBlank(), "route host is blank");
    checkArgument(port >= 1 && port <= 65535, "port must be 1..65535: %s", port);
    Objects.requireNonNull(tls, "tls");
  }

  /** Postfix's transport notation: {@code [mail.example.com]:25} or {@code example.com:25}. */
  @Override
  public String toString() {
    return (mx ? host : "[" + host + "]")
        + ":"
        + port
        + " tls="
        + tls.name().toLowerCase(java.util.Locale.ROOT);
  }
}
