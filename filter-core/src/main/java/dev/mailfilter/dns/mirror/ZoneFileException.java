package dev.mailfilter.dns.mirror;

import java.io.IOException;

/** A zone file that cannot be loaded, with the file and line that made it fail. */
public final class ZoneFileException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final int line;

  /** A failure at {@code line} (1-based; 0 when not about one line) of {@code source}. */
  public ZoneFileException(String source, int line, String message) {
    super(source + (line > 0 ? ":" + line : "") + ": " + message);
    this.source = source;
    this.line = line;
  }

  /** The file (or other source name) that failed. */
  public String source() {
    return source;
  }

  /** The 1-based line number, or 0 when the failure is not about one line. */
  public int line() {
    return line;
  }
}
