package dev.mailfilter.smtp;

import dev.mailfilter.tenant.Route;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One message held in the {@link Quarantine}: its envelope, the verdict that held it and where a
 * release sends it.
 *
 * @param id the entry's name, unique in its store; entries sort by it in the order they were held
 * @param time when the message was held
 * @param from the envelope sender, {@code ""} for the null sender
 * @param recipients the envelope recipients
 * @param tenant the tenant path of the first recipient, e.g. {@code acme/bakery/bakery.example}
 * @param score the verdict's score
 * @param symbols the names of the symbols the verdict found
 * @param route where a release relays the message
 * @param size the stored message's size in bytes
 * @param released when it was released to all its recipients, if it was: a released entry is never
 *     released again
 * @param releasedTo the recipients it was released to so far (a user may release a message to their
 *     own address only); each is never released to again
 */
public record QuarantineEntry(
    String id,
    Instant time,
    String from,
    List<String> recipients,
    String tenant,
    double score,
    List<String> symbols,
    Route route,
    long size,
    Optional<Instant> released,
    List<String> releasedTo) {
  public QuarantineEntry {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(from, "from");
    recipients = List.copyOf(recipients);
    Objects.requireNonNull(tenant, "tenant");
    symbols = List.copyOf(symbols);
    Objects.requireNonNull(route, "route");
    Objects.requireNonNull(released, "released");
    releasedTo = List.copyOf(releasedTo);
  }

  /** Whether it was released to all its recipients. */
  public boolean isReleased() {
    return released.isPresent();
  }

  /** Whether it was released to this recipient (compared ignoring case). */
  public boolean isReleasedTo(String address) {
    return releasedTo.stream().anyMatch(a -> a.equalsIgnoreCase(address));
  }

  /** Whether this address is one of its recipients (compared ignoring case). */
  public boolean hasRecipient(String address) {
    return recipients.stream().anyMatch(a -> a.equalsIgnoreCase(address));
  }
}
