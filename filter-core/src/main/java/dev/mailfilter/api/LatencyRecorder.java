package dev.mailfilter.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * A fixed-bucket latency histogram written by many threads at once: one {@link LongAdder} per
 * bucket, so recording costs a binary search over 24 bounds and an uncontended add, and nothing is
 * allocated. Buckets follow the 1-2-5 series from 1 µs to 50 s (the shape Prometheus users know),
 * plus one for everything slower.
 *
 * <p>The engine keeps one per check and stage for {@link FilterStats}; servers keep their own for
 * the time a message spends with them (the SMTP gateway: from the final dot to its reply, relay leg
 * included). Thread-safe.
 */
public final class LatencyRecorder {
  /** Upper bounds (inclusive) of the buckets, in nanoseconds. */
  static final long[] BOUNDS_NANOS =
      FilterStats.Latency.bucketBounds().stream().mapToLong(Duration::toNanos).toArray();

  private final LongAdder[] counts = new LongAdder[BOUNDS_NANOS.length + 1];
  private final LongAdder totalNanos = new LongAdder();
  private final LongAccumulator maxNanos = new LongAccumulator(Math::max, 0);

  /** An empty recorder. */
  public LatencyRecorder() {
    for (int i = 0; i < counts.length; i++) {
      counts[i] = new LongAdder();
    }
  }

  /** The bucket of a latency: the first whose bound is at or above it, or the overflow bucket. */
  static int bucket(long nanos) {
    int i = Arrays.binarySearch(BOUNDS_NANOS, nanos);
    return i >= 0 ? i : -i - 1;
  }

  /** Records one latency; a negative one (a clock step) counts as zero. */
  public void record(long nanos) {
    long n = Math.max(0, nanos);
    counts[bucket(n)].increment();
    totalNanos.add(n);
    maxNanos.accumulate(n);
  }

  /** The figures so far. Concurrent recording may make count and buckets differ by a few. */
  public FilterStats.Latency snapshot() {
    List<Long> buckets = new ArrayList<>(counts.length);
    long count = 0;
    for (LongAdder c : counts) {
      long v = c.sum();
      buckets.add(v);
      count += v;
    }
    return new FilterStats.Latency(
        count, Duration.ofNanos(totalNanos.sum()), Duration.ofNanos(maxNanos.get()), buckets);
  }
}
