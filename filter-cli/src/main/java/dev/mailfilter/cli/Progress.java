package dev.mailfilter.cli;

import java.io.PrintStream;

/** A one-line progress counter, shown only when the command runs on a terminal. */
final class Progress {
  private final PrintStream err;
  private final String what;
  private final long total;
  private final boolean shown;
  private long done;
  private long lastPrint;

  private Progress(PrintStream err, String what, long total, boolean shown) {
    this.err = err;
    this.what = what;
    this.total = total;
    this.shown = shown;
  }

  static Progress on(PrintStream err, String what, long total) {
    return new Progress(err, what, total, err == System.err && System.console() != null);
  }

  void step() {
    done++;
    long now = System.nanoTime();
    if (shown && (now - lastPrint > 100_000_000L || done == total)) {
      lastPrint = now;
      int width = 30;
      int filled = total == 0 ? width : (int) (width * done / total);
      err.print(
          "\r"
              + what
              + " ["
              + "#".repeat(filled)
              + " ".repeat(width - filled)
              + "] "
              + done
              + "/"
              + total);
      err.flush();
    }
  }

  void done() {
    if (shown) {
      err.print("\r" + " ".repeat(60 + what.length()) + "\r");
      err.flush();
    }
  }
}
