package dev.mailfilter.cli;

import java.io.Console;
import java.io.PrintStream;
import java.lang.reflect.Method;

/**
 * A progress bar on stderr, shown only when stderr is a terminal, so that redirected output and
 * tests stay clean. Redraws at most ten times a second.
 */
final class Progress {
  private final PrintStream err;
  private final int files;
  private final boolean enabled;
  private final long start = System.nanoTime();
  private int filesDone;
  private long messages;
  private long lastDraw;

  private Progress(PrintStream err, int files, boolean enabled) {
    this.err = err;
    this.files = files;
    this.enabled = enabled;
  }

  static Progress onTerminal(PrintStream err, int files) {
    return new Progress(err, files, err == System.err && isTerminal());
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

  synchronized void fileDone() {
    filesDone++;
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
    int filled = files == 0 ? width : (int) ((long) filesDone * width / files);
    double seconds = Math.max(1e-3, (now - start) / 1e9);
    err.printf(
        java.util.Locale.ROOT,
        "\r[%s%s] %d/%d files, %d messages, %.0f msg/s ",
        "#".repeat(filled),
        " ".repeat(width - filled),
        filesDone,
        files,
        messages,
        messages / seconds);
    err.flush();
  }
}
