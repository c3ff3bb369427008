package dev.mailfilter.cluster.events;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The figures and the map that the pages show, computed from the store at most once per {@code
 * refresh} for each scope and period, so that a map embedded in a busy web site, or many viewers,
 * cost one scan of the store an hour rather than one a view. At most 256 scopes and periods are
 * kept (least recently used dropped).
 */
public final class EventViews {
  /** The figures of one scope and period, and the map drawn from them. */
  public record View(EventStats stats, String mapSvg, Instant computed) {
    public View {
      Objects.requireNonNull(stats, "stats");
      Objects.requireNonNull(mapSvg, "mapSvg");
      Objects.requireNonNull(computed, "computed");
    }
  }

  private record Key(String scope, Duration period) {}

  private final EventStore store;
  private final Duration refresh;
  private final Clock clock;
  private final Map<Key, View> cache =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, View> eldest) {
          return size() > 256;
        }
      };

  private EventViews(EventStore store, Duration refresh, Clock clock) {
    this.store = Objects.requireNonNull(store, "store");
    this.refresh = Objects.requireNonNull(refresh, "refresh");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Views of this store, each reused for {@code refresh}. */
  public static EventViews of(EventStore store, Duration refresh, Clock clock) {
    return new EventViews(store, refresh, clock);
  }

  /** The view of the last {@code period} that the scope allows, from the cache while fresh. */
  public View view(EventScope scope, Duration period) {
    Key k = new Key(scope.key(), period);
    Instant now = clock.instant();
    synchronized (cache) {
      View v = cache.get(k);
      if (v != null && v.computed().plus(refresh).isAfter(now)) {
        return v;
      }
    }
    // Computed outside the lock: two viewers of a stale view may both compute it, which is
    // cheaper than one waiting on the other's scan.
    EventStats stats = EventStats.compute(store, scope, now.minus(period), now, 20);
    String svg =
        WorldMap.render(
            stats.spamByCountry(),
            "Spam sources by country, last " + describe(period) + ", " + stats.spam() + " spam");
    View v = new View(stats, svg, now);
    synchronized (cache) {
      cache.put(k, v);
    }
    return v;
  }

  /** {@code 24 hours}, {@code 7 days}. */
  public static String describe(Duration period) {
    long h = period.toHours();
    return h % 24 == 0 && h >= 48 ? (h / 24) + " days" : h + " hours";
  }
}
