package dev.mailfilter.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LatencyRecorderTest {
  @Test
  void bucketBoundsAreInclusiveOneTwoFiveFromOneMicrosecondToFiftySeconds() {
    List<Duration> bounds = FilterStats.Latency.bucketBounds();
    assertThat(bounds).hasSize(24);
    assertThat(bounds.getFirst()).isEqualTo(Duration.ofNanos(1_000));
    assertThat(bounds.get(1)).isEqualTo(Duration.ofNanos(2_000));
    assertThat(bounds.get(2)).isEqualTo(Duration.ofNanos(5_000));
    assertThat(bounds.getLast()).isEqualTo(Duration.ofSeconds(50));
    assertThat(LatencyRecorder.bucket(0)).isZero();
    assertThat(LatencyRecorder.bucket(1_000)).isZero();
    assertThat(LatencyRecorder.bucket(1_001)).isEqualTo(1);
    assertThat(LatencyRecorder.bucket(50_000_000_000L)).isEqualTo(23);
    assertThat(LatencyRecorder.bucket(50_000_000_001L)).isEqualTo(24);
    assertThat(LatencyRecorder.bucket(Long.MAX_VALUE)).isEqualTo(24);
  }

  @Test
  void percentilesInterpolateInsideTheirBucket() {
    LatencyRecorder h = new LatencyRecorder();
    List<Long> micros = new ArrayList<>();
    for (long us = 1; us <= 1000; us++) {
      micros.add(us);
    }
    Collections.shuffle(micros, new java.util.Random(7));
    micros.forEach(us -> h.record(TimeUnit.MICROSECONDS.toNanos(us)));
    FilterStats.Latency l = h.snapshot();
    assertThat(l.count()).isEqualTo(1000);
    assertThat(l.max()).isEqualTo(Duration.ofMillis(1));
    assertThat(l.mean()).isEqualTo(Duration.ofNanos(500_500));
    // Uniform values: interpolation inside a bucket is exact.
    assertThat(l.percentile(0.5)).isEqualTo(Duration.ofNanos(500_000));
    assertThat(l.percentile(0.99)).isEqualTo(Duration.ofNanos(990_000));
    assertThat(l.percentile(1.0)).isEqualTo(Duration.ofMillis(1));
    assertThat(l.percentile(0.0)).isEqualTo(Duration.ofNanos(1_000));
  }

  @Test
  void percentileNeverExceedsTheMaximumAndOverflowAnswersTheMaximum() {
    LatencyRecorder h = new LatencyRecorder();
    for (int i = 0; i < 100; i++) {
      h.record(3_000); // bucket (2 µs, 5 µs]
    }
    assertThat(h.snapshot().percentile(0.99)).isEqualTo(Duration.ofNanos(3_000));
    h.record(TimeUnit.SECONDS.toNanos(70)); // beyond 50 s
    FilterStats.Latency l = h.snapshot();
    assertThat(l.buckets().getLast()).isEqualTo(1);
    assertThat(l.percentile(1.0)).isEqualTo(Duration.ofSeconds(70));
    h.record(-5); // a clock step back counts as zero
    assertThat(h.snapshot().buckets().getFirst()).isEqualTo(1);
  }

  @Test
  void emptyHistogramAndBadPercentile() {
    FilterStats.Latency empty = new LatencyRecorder().snapshot();
    assertThat(empty.count()).isZero();
    assertThat(empty.percentile(0.5)).isEqualTo(Duration.ZERO);
    assertThat(empty.mean()).isEqualTo(Duration.ZERO);
    assertThatThrownBy(() -> empty.percentile(1.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1.5");
    assertThatThrownBy(() -> new FilterStats.Latency(0, Duration.ZERO, Duration.ZERO, List.of(1L)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("25");
  }

  @Test
  void concurrentRecordingLosesNothing() throws InterruptedException {
    LatencyRecorder h = new LatencyRecorder();
    long seed = new SplittableRandom().nextLong();
    int threads = 4;
    int each = 20_000;
    long[] sums = new long[threads];
    List<Thread> started = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      SplittableRandom r = new SplittableRandom(seed + t);
      int idx = t;
      started.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    for (int i = 0; i < each; i++) {
                      long v = r.nextLong(0, 60_000_000_000L);
                      sums[idx] += v;
                      h.record(v);
                    }
                  }));
    }
    for (Thread t : started) {
      t.join();
    }
    FilterStats.Latency l = h.snapshot();
    long expected = 0;
    for (long s : sums) {
      expected += s;
    }
    assertThat(l.count()).as("seed %s", seed).isEqualTo((long) threads * each);
    assertThat(l.buckets().stream().mapToLong(Long::longValue).sum()).isEqualTo(l.count());
    assertThat(l.total()).as("seed %s", seed).isEqualTo(Duration.ofNanos(expected));
  }
}
