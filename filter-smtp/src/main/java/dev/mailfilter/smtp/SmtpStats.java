package dev.mailfilter.smtp;

/**
 * The server's counters since it started.
 *
 * @param connections connections served
 * @param refusedConnections connections refused over a connection limit
 * @param open connections open now
 * @param messages messages whose content was received to its end
 * @param relayed messages the route's server accepted, answered 250
 * @param rejected messages refused at the end of data (by the filter, the codec or downstream)
 * @param discarded messages answered 250 and dropped by the verdict
 * @param quarantined messages answered 250 and held in the quarantine
 * @param relayConnections connections opened to the routes' servers
 * @param relayReused messages relayed over a pooled connection opened for an earlier one
 */
public record SmtpStats(
    long connections,
    long refusedConnections,
    long open,
    long messages,
    long relayed,
    long rejected,
    long discarded,
    long quarantined,
    long relayConnections,
    long relayReused) {
  /** The counters as one log line. */
  public String toLogLine() {
    return "connections="
        + connections
        + " refused="
        + refusedConnections
        + " open="
        + open
        + " messages="
        + messages
        + " relayed="
        + relayed
        + " rejected="
        + rejected
        + " discarded="
        + discarded
        + " quarantined="
        + quarantined
        + " relay_connections="
        + relayConnections
        + " relay_reused="
        + relayReused;
  }
}
