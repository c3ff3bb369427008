package dev.mailfilter.api;

import static com.google.common.base.Preconditions.checkArgument;

import dev.mailfilter.MailFilter;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of a {@link MailFilter}'s counters since it was built: per stage and per check how
 * often it ran, failed and overran, which symbols it found how often, and how long it took; and how
 * many messages ended in each action. Immutable; take a new one with {@link MailFilter#stats()}.
 *
 * @param stages every stage, in session order, with its figures (zero for a stage without checks)
 * @param checks every check, in configuration order
 * @param verdicts end-of-data verdicts by action (every action present, most of them zero)
 * @param refusals refusals before the end of data (connect, HELO, MAIL FROM, RCPT) by action
 */
public record FilterStats(
    Map<Stage, StageStats> stages,
    List<CheckStats> checks,
    Map<Action, Long> verdicts,
    Map<Action, Long> refusals) {

  public FilterStats {
    stages = Collections.unmodifiableMap(enumMap(Stage.class, stages));
    checks = List.copyOf(checks);
    verdicts = Collections.unmodifiableMap(enumMap(Action.class, verdicts));
    refusals = Collections.unmodifiableMap(enumMap(Action.class, refusals));
  }

  private static <K extends Enum<K>, V> EnumMap<K, V> enumMap(Class<K> type, Map<K, V> from) {
    EnumMap<K, V> m = new EnumMap<>(type);
    from.forEach((k, v) -> m.put(Objects.requireNonNull(k), Objects.requireNonNull(v)));
    return m;
  }

  /** The figures of the check of this name, if the filter runs one. */
  public Optional<CheckStats> check(String name) {
    return checks.stream().filter(c -> c.name().equals(name)).findFirst();
  }

  /** End-of-data verdicts of all actions together. */
  public long verdictCount() {
    return verdicts.values().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * One stage's figures.
   *
   * @param stage the stage
   * @param runs how often the stage ran its checks (a stage without checks never runs)
   * @param failures checks of this stage that threw
   * @param timeouts checks of this stage that overran their deadline
   * @param hits per symbol, in how many check runs of this stage it was found
   * @param latency the stage's wall time, all its checks in parallel
   */
  public record StageStats(
      Stage stage,
      long runs,
      long failures,
      long timeouts,
      Map<String, Long> hits,
      Latency latency) {
    public StageStats {
      Objects.requireNonNull(stage, "stage");
      hits = Map.copyOf(hits);
      Objects.requireNonNull(latency, "latency");
    }
  }

  /**
   * One check's figures.
   *
   * @param name the check's name
   * @param stage the stage it runs at
   * @param runs how often it was started
   * @param failures how often it threw ({@code CHECK_FAILED_<NAME>})
   * @param timeouts how often it overran ({@code CHECK_TIMEOUT_<NAME>})
   * @param hits per declared symbol, in how many runs it was found (a symbol added twice in one run
   *     counts once); every declared symbol is present
   * @param latency the time of each finished run, including runs that failed and runs that ended
   *     after their deadline
   */
  public record CheckStats(
      String name,
      Stage stage,
      long runs,
      long failures,
      long timeouts,
      Map<String, Long> hits,
      Latency latency) {
    public CheckStats {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(stage, "stage");
      hits = Map.copyOf(hits);
      Objects.requireNonNull(latency, "latency");
    }

    /** Runs in which any of the check's symbols was found, summed over its symbols. */
    public long totalHits() {
      return hits.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /**
   * A latency histogram: counts per fixed bucket ({@link #bucketBounds()}, the 1-2-5 series from 1
   * µs to 50 s, then one bucket for everything slower).
   *
   * @param count how many latencies were recorded
   * @param total their sum
   * @param max the largest
   * @param buckets the count per bucket, one more than {@link #bucketBounds()}: the last is the
   *     overflow
   */
  public record Latency(long count, Duration total, Duration max, List<Long> buckets) {
    // The 1-2-5 series from 1 µs to 50 s (the shape Prometheus users know).
    private static final long[] BOUNDS_NANOS = bounds();
    private static final List<Duration> BOUNDS =
        java.util.Arrays.stream(BOUNDS_NANOS).mapToObj(Duration::ofNanos).toList();

    private static long[] bounds() {
      long[] out = new long[24];
      int i = 0;
      for (long decade = 1_000; decade <= 10_000_000_000L; decade *= 10) {
        out[i++] = decade;
        out[i++] = 2 * decade;
        out[i++] = 5 * decade;
      }
      return out;
    }

    public Latency {
      checkArgument(count >= 0, "count is negative: %s", count);
      Objects.requireNonNull(total, "total");
      Objects.requireNonNull(max, "max");
      buckets = List.copyOf(buckets);
      checkArgument(
          buckets.size() == BOUNDS.size() + 1,
          "need %s bucket counts, got %s",
          BOUNDS.size() + 1,
          buckets.size());
    }

    /** The inclusive upper bound of each bucket but the last, ascending. */
    public static List<Duration> bucketBounds() {
      return BOUNDS;
    }

    /** The mean latency, zero when nothing was recorded. */
    public Duration mean() {
      return count == 0 ? Duration.ZERO : total.dividedBy(count);
    }

    /**
     * An estimate of the latency below which a share {@code q} of the recorded ones lie: found in
     * its bucket by rank and interpolated linearly inside it (as Prometheus' {@code
     * histogram_quantile}), never above {@link #max()}. Zero when nothing was recorded.
     *
     * @param q from 0 to 1, e.g. 0.99
     * @throws IllegalArgumentException for q outside 0..1
     */
    public Duration percentile(double q) {
      checkArgument(q >= 0 && q <= 1, "percentile must be 0..1: %s", q);
      long recorded = 0;
      for (long b : buckets) {
        recorded += b;
      }
      if (recorded == 0) {
        return Duration.ZERO;
      }
      double rank = Math.max(1, Math.ceil(q * recorded));
      long below = 0;
      for (int i = 0; i < buckets.size(); i++) {
        long inBucket = buckets.get(i);
        if (inBucket > 0 && below + inBucket >= rank) {
          if (i == BOUNDS.size()) {
            return max; // the overflow bucket has no upper bound
          }
          long lower = i == 0 ? 0 : BOUNDS_NANOS[i - 1];
          long upper = BOUNDS_NANOS[i];
          double share = (rank - below) / inBucket;
          Duration estimate = Duration.ofNanos(lower + Math.round((upper - lower) * share));
          return estimate.compareTo(max) > 0 ? max : estimate;
        }
        below += inBucket;
      }
      return max;
    }
  }
}
