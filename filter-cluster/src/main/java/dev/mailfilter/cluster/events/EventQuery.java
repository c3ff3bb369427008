package dev.mailfilter.cluster.events;

import dev.mailfilter.api.Action;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A message-tracking search over the stored events: every given criterion must hold. Texts match
 * case-insensitively as substrings (a sender's domain finds all its senders), the client address
 * exactly or as a prefix ({@code 192.0.2.}), the id either the transaction id or the queue id
 * exactly.
 *
 * @param from the earliest time, inclusive
 * @param to the latest time, exclusive
 * @param sender part of the envelope sender
 * @param recipient part of a recipient
 * @param client the client address or its prefix
 * @param actions the actions wanted; empty: any
 * @param id a transaction or queue id
 * @param scope what the viewer may see
 * @param limit the most results, newest first
 */
public record EventQuery(
    Optional<Instant> from,
    Optional<Instant> to,
    String sender,
    String recipient,
    String client,
    Set<Action> actions,
    String id,
    EventScope scope,
    int limit) {
  /**
   * Events reach a shared store in batches from several nodes, so the stream is in time order only
   * roughly: a scan stops this long before {@code from}.
   */
  static final Duration SLACK = Duration.ofMinutes(5);

  public EventQuery {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    sender = sender.strip().toLowerCase(Locale.ROOT);
    recipient = recipient.strip().toLowerCase(Locale.ROOT);
    client = client.strip().toLowerCase(Locale.ROOT);
    actions = actions.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(actions));
    id = id.strip();
    Objects.requireNonNull(scope, "scope");
    if (limit < 1 || limit > 10_000) {
      throw new IllegalArgumentException("limit must be 1 to 10000, got " + limit);
    }
  }

  /** Everything the scope allows, the newest {@code limit}. */
  public static EventQuery all(EventScope scope, int limit) {
    return new EventQuery(
        Optional.empty(), Optional.empty(), "", "", "", Set.of(), "", scope, limit);
  }

  /** Whether an event matches. */
  public boolean matches(VerdictEvent e) {
    if (from.isPresent() && e.time().isBefore(from.get())) {
      return false;
    }
    if (to.isPresent() && !e.time().isBefore(to.get())) {
      return false;
    }
    if (!actions.isEmpty() && !actions.contains(e.action())) {
      return false;
    }
    if (!id.isEmpty() && !id.equals(e.transactionId()) && !id.equals(e.queueId())) {
      return false;
    }
    if (!client.isEmpty() && !e.client().toLowerCase(Locale.ROOT).startsWith(client)) {
      return false;
    }
    if (!sender.isEmpty() && !e.sender().toLowerCase(Locale.ROOT).contains(sender)) {
      return false;
    }
    if (!recipient.isEmpty()) {
      boolean any = false;
      for (String r : e.recipients()) {
        any |= r.toLowerCase(Locale.ROOT).contains(recipient);
      }
      if (!any) {
        return false;
      }
    }
    return scope.allows(e);
  }

  /** The matching events, newest first, at most {@link #limit()}. */
  public List<VerdictEvent> run(EventStore store) {
    List<VerdictEvent> out = new ArrayList<>();
    Optional<Instant> stop = from.map(f -> f.minus(SLACK));
    store.forEachNewest(
        e -> {
          if (stop.isPresent() && e.time().isBefore(stop.get())) {
            return false;
          }
          if (matches(e)) {
            out.add(e);
          }
          return out.size() < limit;
        });
    return out;
  }
}
