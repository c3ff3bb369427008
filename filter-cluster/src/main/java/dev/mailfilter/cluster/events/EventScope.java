package dev.mailfilter.cluster.events;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Which events a viewer may see. An operator sees all; a reseller, customer or domain admin sees
 * the events with a recipient in one of its domains (its subtree's domains, which the caller reads
 * from the tenant tree). Refusals before RCPT have no recipient and belong to no tenant: only an
 * operator sees them.
 */
public sealed interface EventScope {
  /** Whether an event is visible. */
  boolean allows(VerdictEvent event);

  /** A stable key for caching what was computed for this scope. */
  String key();

  /** Every event. */
  static EventScope all() {
    return All.INSTANCE;
  }

  /** Events with a recipient in one of these domains (lower-case A-labels). */
  static EventScope domains(Set<String> domains) {
    return new Domains(domains);
  }

  /** Every event. */
  enum All implements EventScope {
    INSTANCE;

    @Override
    public boolean allows(VerdictEvent event) {
      return true;
    }

    @Override
    public String key() {
      return "*";
    }
  }

  /**
   * Events with a recipient in one of these domains.
   *
   * @param domains lower-case domain names
   */
  record Domains(Set<String> domains) implements EventScope {
    public Domains {
      domains =
          Set.copyOf(
              domains.stream()
                  .map(d -> Objects.requireNonNull(d).toLowerCase(Locale.ROOT))
                  .toList());
    }

    @Override
    public boolean allows(VerdictEvent event) {
      for (String d : event.recipientDomains()) {
        if (domains.contains(d)) {
          return true;
        }
      }
      return false;
    }

    @Override
    public String key() {
      return String.join(",", new java.util.TreeSet<>(domains));
    }
  }
}
