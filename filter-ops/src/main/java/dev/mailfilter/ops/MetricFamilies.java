package dev.mailfilter.ops;

import dev.mailfilter.api.FilterStats;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Prometheus metric families made from figures that exist already (counts, gauges, the core's
 * {@link FilterStats.Latency} histograms), for collectors that map a server's stats at scrape time.
 * Names are given without the {@code _total} suffix of a counter; the writer adds it.
 */
public final class MetricFamilies {
  // The core's bucket bounds in seconds, with +Inf for its overflow bucket.
  private static final double[] BOUNDS_SECONDS = bounds();

  private MetricFamilies() {}

  private static double[] bounds() {
    List<Duration> b = FilterStats.Latency.bucketBounds();
    double[] out = new double[b.size() + 1];
    for (int i = 0; i < b.size(); i++) {
      out[i] = b.get(i).toNanos() / 1e9;
    }
    out[b.size()] = Double.POSITIVE_INFINITY;
    return out;
  }

  /** A counter family with one point per label set, in the map's order. */
  public static CounterSnapshot counter(
      String name, String help, Map<Labels, ? extends Number> points) {
    CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
    points.forEach(
        (labels, v) ->
            b.dataPoint(
                CounterSnapshot.CounterDataPointSnapshot.builder()
                    .labels(labels)
                    .value(v.doubleValue())
                    .build()));
    return b.build();
  }

  /** A counter family of one point without labels. */
  public static CounterSnapshot counter(String name, String help, double value) {
    return counter(name, help, Map.of(Labels.EMPTY, value));
  }

  /** A gauge family with one point per label set, in the map's order. */
  public static GaugeSnapshot gauge(
      String name, String help, Map<Labels, ? extends Number> points) {
    GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
    points.forEach(
        (labels, v) ->
            b.dataPoint(
                GaugeSnapshot.GaugeDataPointSnapshot.builder()
                    .labels(labels)
                    .value(v.doubleValue())
                    .build()));
    return b.build();
  }

  /** A gauge family of one point without labels. */
  public static GaugeSnapshot gauge(String name, String help, double value) {
    return gauge(name, help, Map.of(Labels.EMPTY, value));
  }

  /**
   * A histogram family in seconds (the name must end in {@code _seconds}) with one point per label
   * set: the core's buckets (1 µs to 50 s on the 1-2-5 series) and {@code +Inf}, whose count is the
   * histogram's count.
   */
  public static HistogramSnapshot seconds(
      String name, String help, Map<Labels, FilterStats.Latency> points) {
    HistogramSnapshot.Builder b =
        HistogramSnapshot.builder().name(name).help(help).unit(Unit.SECONDS);
    points.forEach(
        (labels, latency) -> {
          long[] counts = new long[BOUNDS_SECONDS.length];
          for (int i = 0; i < counts.length; i++) {
            counts[i] = latency.buckets().get(i);
          }
          b.dataPoint(
              HistogramSnapshot.HistogramDataPointSnapshot.builder()
                  .labels(labels)
                  .classicHistogramBuckets(ClassicHistogramBuckets.of(BOUNDS_SECONDS, counts))
                  .sum(latency.total().toNanos() / 1e9)
                  .build());
        });
    return b.build();
  }
}
