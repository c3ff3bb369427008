package dev.mailfilter.milter;

import dev.mailfilter.api.Action;
import dev.mailfilter.api.LatencyRecorder;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server's counters, updated by every connection's thread without locks. Message times go into
 * a histogram of logarithmic buckets, eight per doubling (about 9% wide), from 1 microsecond up:
 * small and fixed, and precise enough for percentiles of latency.
 */
final class Counters {
  private static final int PER_DOUBLING = 8;
  private static final int BUCKETS = 40 * PER_DOUBLING; // up to 2^40 us, about 12 days

  final LongAdder connections = new LongAdder();
  final LongAdder refusedConnections = new LongAdder();
  final AtomicInteger open = new AtomicInteger();
  final LongAdder protocolErrors = new LongAdder();
  final LongAdder timeouts = new LongAdder();
  private final LongAdder messages = new LongAdder();
  private final AtomicLongArray verdicts = new AtomicLongArray(Action.values().length);
  private final AtomicLongArray refusals = new AtomicLongArray(Action.values().length);
  private final AtomicLongArray histogram = new AtomicLongArray(BUCKETS);
  private final AtomicLong maxNanos = new AtomicLong();
  // The same times on the core's fixed buckets, which an exporter can hand on as they are.
  final LatencyRecorder latency = new LatencyRecorder();

  /** A message reached its verdict after {@code nanos} of our time. */
  void message(Action action, long nanos) {
    messages.increment();
    verdicts.incrementAndGet(action.ordinal());
    histogram.incrementAndGet(bucket(nanos));
    maxNanos.accumulateAndGet(nanos, Math::max);
    latency.record(nanos);
  }

  /** A transaction was refused before the end of the message. */
  void refusal(Action action) {
    refusals.incrementAndGet(action.ordinal());
  }

  MilterStats snapshot() {
    long[] counts = new long[BUCKETS];
    long total = 0;
    for (int i = 0; i < BUCKETS; i++) {
      counts[i] = histogram.get(i);
      total += counts[i];
    }
    Map<Action, Long> byAction = new EnumMap<>(Action.class);
    Map<Action, Long> refused = new EnumMap<>(Action.class);
    for (Action a : Action.values()) {
      byAction.put(a, verdicts.get(a.ordinal()));
      refused.put(a, refusals.get(a.ordinal()));
    }
    return new MilterStats(
        connections.sum(),
        refusedConnections.sum(),
        open.get(),
        messages.sum(),
        byAction,
        refused,
        protocolErrors.sum(),
        timeouts.sum(),
        percentile(counts, total, 0.50),
        percentile(counts, total, 0.90),
        percentile(counts, total, 0.99),
        Duration.ofNanos(maxNanos.get()));
  }

  static int bucket(long nanos) {
    double micros = Math.max(1.0, nanos / 1000.0);
    int b = (int) Math.floor(Math.log(micros) / Math.log(2) * PER_DOUBLING);
    return Math.min(Math.max(b, 0), BUCKETS - 1);
  }

  /** The upper bound of a bucket, so that a percentile is never reported lower than it was. */
  static Duration upperBound(int bucket) {
    double micros = Math.pow(2, (bucket + 1) / (double) PER_DOUBLING);
    return Duration.ofNanos(Math.round(micros * 1000));
  }

  private Duration percentile(long[] counts, long total, double q) {
    if (total == 0) {
      return Duration.ZERO;
    }
    long rank = (long) Math.ceil(q * total);
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) {
        Duration bound = upperBound(i);
        Duration max = Duration.ofNanos(maxNanos.get());
        return bound.compareTo(max) > 0 ? max : bound;
      }
    }
    return Duration.ofNanos(maxNanos.get());
  }
}
