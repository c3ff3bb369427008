package dev.mailfilter.smtp;

import dev.mailfilter.api.Reply;
import dev.mailfilter.tenant.Route;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Mail the service writes itself (the quarantine digest), sent to a domain's route through the same
 * relay leg the gateway uses: its STARTTLS policy per route, its trust bundle for {@code tls:
 * verify} routes, its name servers for MX routes. So a digest reaches the mailbox the way released
 * and filtered mail does, and a route that refuses it answers with its own reply.
 *
 * <pre>{@code
 * try (Outbound out = Outbound.open("mx1.example.net", smtp.relay(), dns.servers())) {
 *   Reply r = out.send(route, "quarantine@example.net", List.of("bob@bakery.example"), bytes);
 * }
 * }</pre>
 */
public final class Outbound implements AutoCloseable {
  private final Relay relay;

  Outbound(Relay relay) {
    this.relay = relay;
  }

  /**
   * A relay leg with the gateway's settings, without connection pooling (a digest run is one
   * message per mailbox).
   *
   * @param hostName the name given in EHLO
   * @param settings the {@code smtp.relay} section
   * @param dnsServers name servers for MX lookups; empty: the system's
   */
  public static Outbound open(
      String hostName, RelaySettings settings, List<InetSocketAddress> dnsServers) {
    Objects.requireNonNull(hostName, "hostName");
    List<InetSocketAddress> servers = List.copyOf(dnsServers);
    return new Outbound(
        new Relay(
            hostName,
            Relay.Timeouts.DEFAULT,
            settings.withPool(0, 0, Duration.ZERO, 1),
            () -> servers));
  }

  /**
   * Sends one message; never throws for network trouble.
   *
   * @param route where the recipients' domain receives mail
   * @param from the envelope sender, {@code ""} for the null sender
   * @param recipients the envelope recipients, at least one
   * @param message the whole message with CRLF line ends, not dot-stuffed
   * @return the route's answer to the final dot ({@code 250} when accepted), or why it was not sent
   */
  public Reply send(Route route, String from, List<String> recipients, byte[] message) {
    Objects.requireNonNull(route, "route");
    Objects.requireNonNull(from, "from");
    if (recipients.isEmpty()) {
      throw new IllegalArgumentException("a message needs at least one recipient");
    }
    return relay.deliver(
        route,
        new Relay.Transaction(
            from,
            MailParameters.NONE,
            recipients.stream().map(a -> new Relay.Recipient(a, RcptParameters.NONE)).toList(),
            message.clone()));
  }

  @Override
  public void close() {
    relay.close();
  }
}
