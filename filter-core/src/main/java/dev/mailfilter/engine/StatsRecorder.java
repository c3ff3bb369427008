package dev.mailfilter.engine;

import dev.mailfilter.api.Action;
import dev.mailfilter.api.FilterStats;
import dev.mailfilter.api.LatencyRecorder;
import dev.mailfilter.api.Stage;
import dev.mailfilter.spi.CheckSettings;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The live counters behind {@code MailFilter.stats()}. Every counter is a {@link LongAdder} made up
 * front (one per declared symbol too), so the hot path only increments: no map insertion, no lock,
 * no allocation.
 */
final class StatsRecorder {
  /** The counters of one check. */
  static final class CheckCounters {
    final String name;
    final Stage stage;
    final LongAdder runs = new LongAdder();
    final LongAdder failures = new LongAdder();
    final LongAdder timeouts = new LongAdder();
    final LatencyRecorder latency = new LatencyRecorder();
    private final Map<String, LongAdder> hits;

    CheckCounters(CheckSettings settings) {
      this.name = settings.check().name();
      this.stage = settings.check().stage();
      Map<String, LongAdder> h = new LinkedHashMap<>();
      for (String symbol : settings.scores().keySet()) {
        h.put(symbol, new LongAdder());
      }
      this.hits = Map.copyOf(h);
    }

    /** Counts a symbol found in a run; only declared symbols get here. */
    void hit(String symbol) {
      LongAdder a = hits.get(symbol);
      if (a != null) {
        a.increment();
      }
    }

    FilterStats.CheckStats snapshot() {
      Map<String, Long> h = new LinkedHashMap<>();
      hits.forEach((k, v) -> h.put(k, v.sum()));
      return new FilterStats.CheckStats(
          name, stage, runs.sum(), failures.sum(), timeouts.sum(), h, latency.snapshot());
    }
  }

  /** The counters of one stage. */
  static final class StageCounters {
    final LongAdder runs = new LongAdder();
    final LatencyRecorder latency = new LatencyRecorder();
  }

  private final List<CheckCounters> checks = new ArrayList<>();
  private final Map<CheckSettings, CheckCounters> bySettings = new IdentityHashMap<>();
  private final Map<Stage, StageCounters> stages = new EnumMap<>(Stage.class);
  private final Map<Action, LongAdder> verdicts = new EnumMap<>(Action.class);
  private final Map<Action, LongAdder> refusals = new EnumMap<>(Action.class);

  StatsRecorder(List<CheckSettings> all) {
    for (CheckSettings c : all) {
      CheckCounters counters = new CheckCounters(c);
      checks.add(counters);
      bySettings.put(c, counters);
    }
    for (Stage s : Stage.values()) {
      stages.put(s, new StageCounters());
    }
    for (Action a : Action.values()) {
      verdicts.put(a, new LongAdder());
      refusals.put(a, new LongAdder());
    }
  }

  /** The counters of a check this filter runs. */
  CheckCounters check(CheckSettings settings) {
    CheckCounters c = bySettings.get(settings);
    if (c == null) {
      throw new IllegalArgumentException("not a check of this filter: " + settings.check().name());
    }
    return c;
  }

  StageCounters stage(Stage stage) {
    return stages.get(stage);
  }

  void verdict(Action action) {
    verdicts.get(action).increment();
  }

  void refusal(Action action) {
    refusals.get(action).increment();
  }

  FilterStats snapshot() {
    List<FilterStats.CheckStats> checkStats = new ArrayList<>(checks.size());
    for (CheckCounters c : checks) {
      checkStats.add(c.snapshot());
    }
    Map<Stage, FilterStats.StageStats> stageStats = new EnumMap<>(Stage.class);
    for (Stage s : Stage.values()) {
      long failures = 0;
      long timeouts = 0;
      Map<String, Long> hits = new LinkedHashMap<>();
      for (FilterStats.CheckStats c : checkStats) {
        if (c.stage() == s) {
          failures += c.failures();
          timeouts += c.timeouts();
          c.hits().forEach((k, v) -> hits.merge(k, v, Long::sum));
        }
      }
      StageCounters sc = stages.get(s);
      stageStats.put(
          s,
          new FilterStats.StageStats(
              s, sc.runs.sum(), failures, timeouts, hits, sc.latency.snapshot()));
    }
    Map<Action, Long> v = new EnumMap<>(Action.class);
    verdicts.forEach((k, a) -> v.put(k, a.sum()));
    Map<Action, Long> r = new EnumMap<>(Action.class);
    refusals.forEach((k, a) -> r.put(k, a.sum()));
    return new FilterStats(stageStats, checkStats, v, r);
  }
}
