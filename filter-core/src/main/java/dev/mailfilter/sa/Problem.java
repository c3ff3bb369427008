package dev.mailfilter.sa;

import java.util.Objects;

/**
 * A rule that could not be loaded, or a directive that was skipped, with where it was written and
 * why.
 *
 * @param file the {@code .cf} file
 * @param line the line number, from 1; 0 when the problem is not one line's (a missing path)
 * @param subject the rule's name, or the directive's keyword
 * @param reason one short phrase
 */
public record Problem(String file, int line, String subject, String reason) {
  public Problem {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(reason, "reason");
  }

  /** {@code file:line: subject: reason}, as {@code mailfilter rules check} prints it. */
  @Override
  public String toString() {
    return file + ":" + line + ": " + subject + ": " + reason;
  }
}
