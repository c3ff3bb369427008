package dev.mailfilter.smtp;

import dev.mailfilter.api.FilterStats;
import java.time.Duration;
import java.util.Locale;

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
 * @param latency the time from a message's end (the final dot or last BDAT chunk) to our reply: the
 *     filter's verdict plus the relay leg or the quarantine's write
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
    long relayReused,
    FilterStats.Latency latency) {
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
        + relayReused
        + " p50="
        + millis(latency.percentile(0.5))
        + " p99="
        + millis(latency.percentile(0.99))
        + " max="
        + millis(latency.max());
  }

  private static String millis(Duration d) {
    return String.format(Locale.ROOT, "%.1fms", d.toNanos() / 1e6);
  }
}
