package dev.mailfilter.cluster.events;

import dev.mailfilter.api.Action;
import dev.mailfilter.api.Symbol;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The figures of the statistics page and the map over the events of one period and scope: messages
 * per hour by action, and the top symbols, countries, autonomous systems, recipient domains and
 * tenants, each with its total and its spam ({@link VerdictEvent#spam()}).
 *
 * @param from the period's start
 * @param to the period's end
 * @param total events counted
 * @param spam of which spam
 * @param hourly per hour (its start), the count of each action
 * @param symbols symbol name by how many events had it
 * @param countries ISO code by events; the label is the code
 * @param asns {@code AS<number>} with the organisation as label
 * @param domains recipient domain
 * @param tenants tenant ({@code acme/bakery/bakery.example})
 */
public record EventStats(
    Instant from,
    Instant to,
    long total,
    long spam,
    SortedMap<Instant, Map<Action, Long>> hourly,
    List<Count> symbols,
    List<Count> countries,
    List<Count> asns,
    List<Count> domains,
    List<Count> tenants) {

  /**
   * One row of a top list.
   *
   * @param key what is counted
   * @param label how it is shown
   * @param total its events
   * @param spam of which spam
   */
  public record Count(String key, String label, long total, long spam) {
    public Count {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(label, "label");
    }
  }

  public EventStats {
    hourly = Collections.unmodifiableSortedMap(new TreeMap<>(hourly));
    symbols = List.copyOf(symbols);
    countries = List.copyOf(countries);
    asns = List.copyOf(asns);
    domains = List.copyOf(domains);
    tenants = List.copyOf(tenants);
  }

  /** The spam count per country code, for the map. */
  public Map<String, Long> spamByCountry() {
    Map<String, Long> m = new HashMap<>();
    for (Count c : countries) {
      if (c.spam() > 0) {
        m.put(c.key(), c.spam());
      }
    }
    return m;
  }

  /**
   * The figures of the events in {@code [from, to)} that the scope allows.
   *
   * @param top how many rows each top list keeps
   */
  public static EventStats compute(
      EventStore store, EventScope scope, Instant from, Instant to, int top) {
    Counter counter = new Counter();
    Instant stop = from.minus(EventQuery.SLACK);
    store.forEachNewest(
        e -> {
          if (e.time().isBefore(stop)) {
            return false;
          }
          if (!e.time().isBefore(from) && e.time().isBefore(to) && scope.allows(e)) {
            counter.add(e);
          }
          return true;
        });
    return counter.stats(from, to, top);
  }

  /** Counts events one by one. */
  static final class Counter {
    private long total;
    private long spam;
    private final SortedMap<Instant, Map<Action, Long>> hourly = new TreeMap<>();
    private final Map<String, long[]> symbols = new HashMap<>();
    private final Map<String, long[]> countries = new HashMap<>();
    private final Map<String, long[]> asns = new HashMap<>();
    private final Map<String, String> asLabels = new HashMap<>();
    private final Map<String, long[]> domains = new HashMap<>();
    private final Map<String, long[]> tenants = new HashMap<>();

    void add(VerdictEvent e) {
      boolean isSpam = e.spam();
      total++;
      if (isSpam) {
        spam++;
      }
      hourly
          .computeIfAbsent(e.time().truncatedTo(ChronoUnit.HOURS), h -> new EnumMap<>(Action.class))
          .merge(e.action(), 1L, Long::sum);
      for (Symbol s : e.symbols()) {
        count(symbols, s.name(), isSpam);
      }
      if (!e.country().isEmpty()) {
        count(countries, e.country(), isSpam);
      }
      if (e.asn() != 0) {
        String k = "AS" + e.asn();
        count(asns, k, isSpam);
        asLabels.putIfAbsent(k, e.asOrg().isEmpty() ? k : k + " " + e.asOrg());
      }
      for (String d : e.recipientDomains()) {
        count(domains, d, isSpam);
      }
      if (!e.tenant().isEmpty()) {
        count(tenants, e.tenant(), isSpam);
      }
    }

    private static void count(Map<String, long[]> m, String key, boolean isSpam) {
      long[] c = m.computeIfAbsent(key, k -> new long[2]);
      c[0]++;
      if (isSpam) {
        c[1]++;
      }
    }

    EventStats stats(Instant from, Instant to, int top) {
      return new EventStats(
          from,
          to,
          total,
          spam,
          hourly,
          top(symbols, Map.of(), top),
          top(countries, Map.of(), Integer.MAX_VALUE), // all: the map colours every one
          top(asns, asLabels, top),
          top(domains, Map.of(), top),
          top(tenants, Map.of(), top));
    }

    private static List<Count> top(Map<String, long[]> m, Map<String, String> labels, int top) {
      List<Count> out = new ArrayList<>(m.size());
      m.forEach((k, v) -> out.add(new Count(k, labels.getOrDefault(k, k), v[0], v[1])));
      out.sort(Comparator.comparingLong(Count::total).reversed().thenComparing(Count::key));
      return out.size() <= top ? out : out.subList(0, top);
    }
  }
}
