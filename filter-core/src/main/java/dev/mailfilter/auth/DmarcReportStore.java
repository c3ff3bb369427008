package dev.mailfilter.auth;

/**
 * Where DMARC keeps the rows of aggregate reports. {@link #append} must return at once: it is
 * called by the check while a client waits, so a store that cannot keep up drops rows (and counts
 * them) rather than block.
 */
public interface DmarcReportStore {
  /** Keeps {@code row}, or drops it when the store is behind. Never blocks, never throws. */
  void append(DmarcReportRow row);

  /** A store that keeps nothing. */
  static DmarcReportStore discarding() {
    return row -> {};
  }
}
