package dev.mailfilter.cli;

import dev.mailfilter.api.Action;
import dev.mailfilter.api.FilterStats;
import dev.mailfilter.api.Stage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of a run as a plain-text table, as {@code scan --stats} prints them: one row per
 * check (stage, runs, failures, timeouts, p50 / p99 / max latency, symbol hits), one per stage that
 * ran, then the verdicts and early refusals by action.
 */
final class StatsTable {
  private static final String[] HEADER = {
    "check", "stage", "runs", "failed", "timeout", "p50", "p99", "max", "hits"
  };

  private StatsTable() {}

  static String render(FilterStats stats) {
    List<String[]> rows = new ArrayList<>();
    rows.add(HEADER);
    for (FilterStats.CheckStats c : stats.checks()) {
      rows.add(
          row(
              c.name(),
              c.stage(),
              c.runs(),
              c.failures(),
              c.timeouts(),
              c.latency(),
              c.totalHits()));
    }
    for (FilterStats.StageStats s : stats.stages().values()) {
      if (s.runs() > 0) {
        long hits = s.hits().values().stream().mapToLong(Long::longValue).sum();
        rows.add(
            row("(stage)", s.stage(), s.runs(), s.failures(), s.timeouts(), s.latency(), hits));
      }
    }
    int[] widths = new int[HEADER.length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        widths[i] = Math.max(widths[i], r[i].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        if (i > 0) {
          sb.append("  ");
        }
        // Names left-aligned, figures right-aligned.
        String cell = r[i];
        String pad = " ".repeat(widths[i] - cell.length());
        sb.append(i < 2 ? cell + pad : pad + cell);
      }
      sb.append(System.lineSeparator());
    }
    sb.append("verdicts: ").append(byAction(stats.verdicts())).append(System.lineSeparator());
    sb.append("refused before data: ")
        .append(byAction(stats.refusals()))
        .append(System.lineSeparator());
    return sb.toString();
  }

  private static String[] row(
      String name,
      Stage stage,
      long runs,
      long failures,
      long timeouts,
      FilterStats.Latency latency,
      long hits) {
    return new String[] {
      name,
      stage.name().toLowerCase(Locale.ROOT),
      Long.toString(runs),
      Long.toString(failures),
      Long.toString(timeouts),
      duration(latency.percentile(0.5), latency.count()),
      duration(latency.percentile(0.99), latency.count()),
      duration(latency.max(), latency.count()),
      Long.toString(hits)
    };
  }

  private static String byAction(Map<Action, Long> counts) {
    StringBuilder sb = new StringBuilder();
    counts.forEach(
        (a, n) -> {
          if (n > 0) {
            sb.append(sb.length() > 0 ? ", " : "").append(a.configName()).append(' ').append(n);
          }
        });
    return sb.length() == 0 ? "none" : sb.toString();
  }

  /**
   * Three significant digits in the unit that suits: {@code 12.3us}, {@code 4.56ms}, {@code 1.20s}.
   */
  static String duration(Duration d, long count) {
    if (count == 0) {
      return "-";
    }
    long nanos = d.toNanos();
    if (nanos < 1_000) {
      return nanos + "ns";
    }
    if (nanos < 1_000_000) {
      return significant(nanos / 1e3) + "us";
    }
    if (nanos < 1_000_000_000) {
      return significant(nanos / 1e6) + "ms";
    }
    return significant(nanos / 1e9) + "s";
  }

  private static String significant(double v) {
    String f = v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f";
    return String.format(Locale.ROOT, f, v);
  }
}
