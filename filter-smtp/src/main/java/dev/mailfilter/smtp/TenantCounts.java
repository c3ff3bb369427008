package dev.mailfilter.smtp;

import dev.mailfilter.api.Action;
import dev.mailfilter.tenant.Recipient;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Verdicts per tenant, for the operator's figures, in bounded memory: the first {@code max} tenants
 * seen get a count of their own, every later one counts under {@link #OTHER}. First come rather
 * than the busiest, so that a tenant never moves between its own count and the rest: each count
 * only grows, as a Prometheus counter must. Thread-safe.
 */
final class TenantCounts {
  /** The tenants beyond the cap, together. */
  static final String OTHER = "_other";

  /** Transactions with no configured tenant: a trusted network's relaying. */
  static final String NONE = "_none";

  private final int max;
  private final Map<String, AtomicLongArray> counts = new ConcurrentHashMap<>();
  private int named; // tenants with a count of their own; guarded by this

  TenantCounts(int max) {
    if (max < 0) {
      throw new IllegalArgumentException("the tenant cap must be 0 or more, got " + max);
    }
    this.max = max;
  }

  /**
   * The tenant a transaction counts under: the recipient's tenant path down to its domain ({@code
   * acme/bakery/bakery.example}), without a user, so that users do not multiply the counts.
   */
  static String label(Recipient r) {
    String t = r.tenant();
    if (t.equals(r.domain()) || t.endsWith("/" + r.domain())) {
      return t;
    }
    int slash = t.lastIndexOf('/');
    return slash > 0 ? t.substring(0, slash) : t;
  }

  void count(String tenant, Action action) {
    String key = tenant == null || tenant.isEmpty() ? NONE : tenant;
    AtomicLongArray c = counts.get(key);
    if (c == null) {
      synchronized (this) {
        c = counts.get(key);
        if (c == null) {
          if (!key.equals(NONE)) {
            if (named >= max) {
              key = OTHER;
            } else {
              named++;
            }
          }
          c = counts.computeIfAbsent(key, k -> new AtomicLongArray(Action.values().length));
        }
      }
    }
    c.incrementAndGet(action.ordinal());
  }

  /** Per tenant, sorted, the verdicts by action (every action present). */
  Map<String, Map<Action, Long>> snapshot() {
    Map<String, Map<Action, Long>> out = new TreeMap<>();
    counts.forEach(
        (tenant, c) -> {
          Map<Action, Long> byAction = new EnumMap<>(Action.class);
          for (Action a : Action.values()) {
            byAction.put(a, c.get(a.ordinal()));
          }
          out.put(tenant, Collections.unmodifiableMap(byAction));
        });
    return Collections.unmodifiableMap(out);
  }
}
