package dev.mailfilter.ops;

import dev.mailfilter.FilterReloader;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Action;
import dev.mailfilter.api.FilterStats;
import dev.mailfilter.api.Stage;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The filter's figures ({@link MailFilter#stats()}) as Prometheus metrics: per stage and per check
 * the runs, failures, timeouts and latency histograms, check hits, and verdicts and refusals per
 * action; with a {@link FilterReloader}, also its reloads and the running configuration's digest.
 *
 * <p>A reload builds a new filter whose figures start at zero, while a Prometheus counter must only
 * grow for as long as the process runs. So the figures of the filters replaced are kept and added:
 * a replaced filter is looked at until its sessions in flight are done, then its last figures are
 * folded into a sum and the filter itself is let go (at the next scrape or reload), so that at most
 * the filters still finishing their sessions stay referenced. Thread-safe.
 */
public final class FilterMetrics implements MultiCollector {
  /** Replaced filters looked at before the oldest is folded even with sessions in flight. */
  private static final int MAX_RETIRED = 4;

  private final Supplier<MailFilter> filters;
  private final Optional<FilterReloader> reloader;
  private final Object lock = new Object();
  private MailFilter last; // guarded by lock
  private final List<MailFilter> retired = new ArrayList<>(); // guarded by lock
  private final Sum folded = new Sum(); // guarded by lock

  private FilterMetrics(Supplier<MailFilter> filters, Optional<FilterReloader> reloader) {
    this.filters = filters;
    this.reloader = reloader;
  }

  /** The figures of the filters {@code filters} gives, one after the other. */
  public static FilterMetrics of(Supplier<MailFilter> filters) {
    FilterMetrics m =
        new FilterMetrics(Objects.requireNonNull(filters, "filters"), Optional.empty());
    m.observe(filters.get());
    return m;
  }

  /** The figures of a reloader's filters, its reloads and its configuration's digest. */
  public static FilterMetrics of(FilterReloader reloader) {
    FilterMetrics m = new FilterMetrics(reloader::current, Optional.of(reloader));
    m.observe(reloader.current()); // the first filter, which the first reload retires
    reloader.onReload(m::observe);
    return m;
  }

  /** Notes the running filter; a different one retires the last one seen. */
  private void observe(MailFilter now) {
    synchronized (lock) {
      if (now != last) {
        if (last != null) {
          retired.add(last);
        }
        last = now;
      }
      for (int i = 0; i < retired.size(); ) {
        MailFilter r = retired.get(i);
        if (r.sessionsInFlight() == 0 || retired.size() > MAX_RETIRED) {
          folded.add(r.stats());
          retired.remove(i);
        } else {
          i++;
        }
      }
    }
  }

  /** The figures of every filter so far, summed. */
  Sum total() {
    synchronized (lock) {
      observe(filters.get());
      Sum s = folded.copy();
      for (MailFilter r : retired) {
        s.add(r.stats());
      }
      s.add(last.stats());
      return s;
    }
  }

  @Override
  public MetricSnapshots collect() {
    Sum s = total();
    List<MetricSnapshot> out = new ArrayList<>();
    Map<Labels, Long> runs = new LinkedHashMap<>();
    Map<Labels, Long> failures = new LinkedHashMap<>();
    Map<Labels, Long> timeouts = new LinkedHashMap<>();
    Map<Labels, FilterStats.Latency> latency = new LinkedHashMap<>();
    s.stages.forEach(
        (stage, f) -> {
          Labels l = Labels.of("stage", stage.configName());
          runs.put(l, f.runs);
          failures.put(l, f.failures);
          timeouts.put(l, f.timeouts);
          latency.put(l, f.latency.latency());
        });
    out.add(
        MetricFamilies.counter(
            "mailfilter_stage_runs", "Times a stage ran its checks, per stage.", runs));
    out.add(
        MetricFamilies.counter(
            "mailfilter_stage_failures", "Checks of a stage that threw, per stage.", failures));
    out.add(
        MetricFamilies.counter(
            "mailfilter_stage_timeouts",
            "Checks of a stage that overran their deadline, per stage.",
            timeouts));
    out.add(
        MetricFamilies.seconds(
            "mailfilter_stage_duration_seconds",
            "Wall time of a stage, its checks in parallel.",
            latency));
    Map<Labels, Long> cRuns = new LinkedHashMap<>();
    Map<Labels, Long> cFailures = new LinkedHashMap<>();
    Map<Labels, Long> cTimeouts = new LinkedHashMap<>();
    Map<Labels, Long> cHits = new LinkedHashMap<>();
    Map<Labels, FilterStats.Latency> cLatency = new LinkedHashMap<>();
    s.checks.forEach(
        (name, f) -> {
          Labels l = Labels.of("check", name, "stage", f.stage.configName());
          cRuns.put(l, f.runs);
          cFailures.put(l, f.failures);
          cTimeouts.put(l, f.timeouts);
          cHits.put(l, f.hits);
          cLatency.put(l, f.latency.latency());
        });
    out.add(MetricFamilies.counter("mailfilter_check_runs", "Times a check was started.", cRuns));
    out.add(
        MetricFamilies.counter(
            "mailfilter_check_failures",
            "Times a check threw (symbol CHECK_FAILED_<NAME>).",
            cFailures));
    out.add(
        MetricFamilies.counter(
            "mailfilter_check_timeouts",
            "Times a check overran its deadline (symbol CHECK_TIMEOUT_<NAME>).",
            cTimeouts));
    out.add(
        MetricFamilies.counter(
            "mailfilter_check_hits",
            "Runs in which a check found one of its symbols, summed over its symbols.",
            cHits));
    out.add(
        MetricFamilies.seconds(
            "mailfilter_check_duration_seconds",
            "Time of each finished run of a check, failed and late runs included.",
            cLatency));
    out.add(
        MetricFamilies.counter(
            "mailfilter_verdicts",
            "Verdicts at the end of the message, per action.",
            byAction(s.verdicts)));
    out.add(
        MetricFamilies.counter(
            "mailfilter_refusals",
            "Refusals before the end of the message (connect, HELO, MAIL, RCPT), per action.",
            byAction(s.refusals)));
    reloader.ifPresent(r -> out.addAll(reloads(r.status())));
    return new MetricSnapshots(out);
  }

  private static List<MetricSnapshot> reloads(FilterReloader.Status st) {
    Map<Labels, Long> reloads = new LinkedHashMap<>();
    reloads.put(Labels.of("result", "ok"), st.reloads());
    reloads.put(Labels.of("result", "failed"), st.failures());
    return List.of(
        MetricFamilies.counter(
            "mailfilter_config_reloads",
            "Reloads of the configuration: swapped in (ok), or refused and the running one kept"
                + " (failed).",
            reloads),
        MetricFamilies.gauge(
            "mailfilter_config_loaded_timestamp_seconds",
            "When the running configuration was loaded, in Unix seconds.",
            st.loadedAt().toEpochMilli() / 1000.0),
        InfoSnapshot.builder()
            .name("mailfilter_config")
            .help("The running configuration file's SHA-256: equal on nodes that run the same one.")
            .dataPoint(
                InfoSnapshot.InfoDataPointSnapshot.builder()
                    .labels(Labels.of("sha256", st.configSha256()))
                    .build())
            .build());
  }

  private static Map<Labels, Long> byAction(Map<Action, Long> counts) {
    Map<Labels, Long> m = new LinkedHashMap<>();
    counts.forEach((a, n) -> m.put(Labels.of("action", a.configName()), n));
    return m;
  }

  /** Figures summed over filters: counters added, histograms added bucket by bucket. */
  static final class Sum {
    final Map<Stage, Figures> stages = new EnumMap<>(Stage.class);
    final Map<String, Figures> checks = new TreeMap<>();
    final Map<Action, Long> verdicts = new EnumMap<>(Action.class);
    final Map<Action, Long> refusals = new EnumMap<>(Action.class);

    Sum() {
      for (Stage st : Stage.values()) {
        stages.put(st, new Figures(st));
      }
      for (Action a : Action.values()) {
        verdicts.put(a, 0L);
        refusals.put(a, 0L);
      }
    }

    void add(FilterStats s) {
      s.stages()
          .forEach(
              (st, f) -> stages.get(st).add(f.runs(), f.failures(), f.timeouts(), 0, f.latency()));
      for (FilterStats.CheckStats c : s.checks()) {
        checks
            .computeIfAbsent(c.name(), n -> new Figures(c.stage()))
            .add(c.runs(), c.failures(), c.timeouts(), c.totalHits(), c.latency());
      }
      s.verdicts().forEach((a, n) -> verdicts.merge(a, n, Long::sum));
      s.refusals().forEach((a, n) -> refusals.merge(a, n, Long::sum));
    }

    Sum copy() {
      Sum c = new Sum();
      stages.forEach((st, f) -> c.stages.put(st, f.copy()));
      checks.forEach((n, f) -> c.checks.put(n, f.copy()));
      c.verdicts.putAll(verdicts);
      c.refusals.putAll(refusals);
      return c;
    }
  }

  /** One stage's or check's figures, summed. */
  static final class Figures {
    final Stage stage;
    long runs;
    long failures;
    long timeouts;
    long hits;
    final LatencySum latency = new LatencySum();

    Figures(Stage stage) {
      this.stage = stage;
    }

    void add(long runs, long failures, long timeouts, long hits, FilterStats.Latency l) {
      this.runs += runs;
      this.failures += failures;
      this.timeouts += timeouts;
      this.hits += hits;
      latency.add(l);
    }

    Figures copy() {
      Figures f = new Figures(stage);
      f.runs = runs;
      f.failures = failures;
      f.timeouts = timeouts;
      f.hits = hits;
      f.latency.add(latency.latency());
      return f;
    }
  }

  /** Histograms of the core's fixed buckets, added. */
  static final class LatencySum {
    private long count;
    private long totalNanos;
    private long maxNanos;
    private final long[] buckets = new long[FilterStats.Latency.bucketBounds().size() + 1];

    void add(FilterStats.Latency l) {
      // The buckets, not l.count(): a snapshot taken during recording may differ by a few, and
      // the exposition's +Inf must equal its count.
      for (int i = 0; i < buckets.length; i++) {
        long b = l.buckets().get(i);
        buckets[i] += b;
        count += b;
      }
      totalNanos += l.total().toNanos();
      maxNanos = Math.max(maxNanos, l.max().toNanos());
    }

    FilterStats.Latency latency() {
      List<Long> b = new ArrayList<>(buckets.length);
      for (long x : buckets) {
        b.add(x);
      }
      return new FilterStats.Latency(
          count, Duration.ofNanos(totalNanos), Duration.ofNanos(maxNanos), b);
    }
  }
}
