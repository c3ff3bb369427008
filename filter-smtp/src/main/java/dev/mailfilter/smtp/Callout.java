package dev.mailfilter.smtp;

import dev.mailfilter.api.Reply;
import dev.mailfilter.tenant.Route;
import java.time.Duration;
import java.util.Objects;

/**
 * Asks a route's server whether it takes a recipient, as Postfix's {@code verify(8)} probes do:
 * {@code MAIL FROM:<>}, {@code RCPT TO:<address>}, QUIT, and no message, over a connection the
 * relay leg opens as it would for delivery (MX hosts, the route's TLS policy; {@link Relay#probe}).
 *
 * <p>Only a reply to RCPT decides: 2xx accepts, 5xx refuses. Anything else (no connection, a
 * timeout, a refused greeting, EHLO or MAIL, TLS the route requires and cannot have, a 4xx, a reply
 * that is not SMTP) leaves the recipient unverified, for the caller to answer with a temporary
 * failure. Thread-safe: a connection per probe.
 */
final class Callout {
  /**
   * Time limits of a probe. A probe holds up our client's RCPT, so they are shorter than the
   * relay's: {@code connect} to connect, {@code reply} for each reply.
   */
  record Timeouts(Duration connect, Duration reply) {
    static final Timeouts DEFAULT = new Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(30));

    Timeouts {
      Objects.requireNonNull(connect, "connect");
      Objects.requireNonNull(reply, "reply");
    }
  }

  /** What the route's server said about a recipient. */
  sealed interface Result {
    /** RCPT was answered 2xx. */
    record Accepted() implements Result {}

    /** RCPT was answered 5xx: the reply. */
    record Refused(Reply reply) implements Result {}

    /** No answer either way, and why. */
    record Failed(String reason) implements Result {}
  }

  private final Relay relay;
  private final Relay.Timeouts timeouts;

  Callout(Relay relay, Timeouts timeouts) {
    this.relay = Objects.requireNonNull(relay, "relay");
    this.timeouts = new Relay.Timeouts(timeouts.connect(), timeouts.reply(), timeouts.reply());
  }

  /** Probes the route's server for one recipient. Never throws for what the network does. */
  Result probe(Route route, String address) {
    return relay.probe(route, address, timeouts);
  }
}
