package dev.mailfilter.cli;

import java.io.Console;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.util.Locale;

/**
 * A progress bar on stderr, shown only when stderr is a terminal, so that redirected output and
 * tests stay clean. Counts steps of a known total (files, folds, training passes) and, where the
 * command knows them, messages. Redraws at most ten times a second.
 */
final class Progress {
  private final PrintStream err;
  private final String unit;
  private final long total;
  private final boolean enabled;
  private final long start = System.nanoTime();
  private long done;
  private long messages;
  private long lastDraw;

  private Progress(PrintStream err, String unit, long total, boolean enabled) {
    this.err = err;
    this.unit = unit;
    this.total = total;
    this.enabled = enabled;
  }

  /** A bar over {@code total} steps named {@code unit}, drawn only on a terminal. */
  static Progress on(PrintStream err, String unit, long total) {
    return new Progress(err, unit, total, err == System.err && isTerminal());
  }

  /**
   * Whether the process talks to a terminal. On JDK 22+ {@code System.console()} exists even when
   * redirected, so ask {@code Console.isTerminal()} when the JDK has it.
   */
  static boolean isTerminal() {
    Console c = System.console();
    if (c == null) {
      return false;
    }
    try {
      Method m = Console.class.getMethod("isTerminal");
      return (Boolean) m.invoke(c);
    } catch (ReflectiveOperationException e) {
      return true; // JDK 21: a console exists only for a terminal
    }
  }

  synchronized void messageDone() {
    messages++;
    draw(false);
  }

  synchronized void step() {
    done++;
    draw(false);
  }

  synchronized void finish() {
    if (enabled) {
      draw(true);
      err.println();
    }
  }

  private void draw(boolean force) {
    if (!enabled) {
      return;
    }
    long now = System.nanoTime();
    if (!force && now - lastDraw < 100_000_000L) {
      return;
    }
    lastDraw = now;
    int width = 30;
    int filled = total <= 0 ? width : (int) Math.min(width, done * width / total);
    double seconds = Math.max(1e-3, (now - start) / 1e9);
    String rate =
        messages > 0
            ? String.format(Locale.ROOT, ", %d messages, %.0f msg/s", messages, messages / seconds)
            : "";
    err.printf(
        Locale.ROOT,
        "\r[%s%s] %d/%d %s%s ",
        "#".repeat(filled),
        " ".repeat(width - filled),
        done,
        total,
        unit,
        rate);
    err.flush();
  }
}
