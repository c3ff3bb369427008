package dev.mailfilter.mime;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Objects;

/**
 * Something wrong with a message that the parser worked around, like Python's {@code
 * email.errors.MessageDefect}. Defects are values, never exceptions: malformed mail still parses,
 * and the defect list is a spam signal for the checks.
 *
 * @param type what kind of defect
 * @param offset byte offset into the message where it was seen, or -1 when it has no single place
 *     (for example, a defect found while decoding a header value that was already unfolded)
 * @param detail a short human-readable explanation, never null
 */
public record Defect(DefectType type, long offset, String detail) {
  public Defect {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(detail, "detail");
    checkArgument(offset >= -1, "offset must be >= -1: %s", offset);
  }

  /** A defect with no single location. */
  public static Defect of(DefectType type, String detail) {
    return new Defect(type, -1, detail);
  }

  /** A defect at a byte offset in the message. */
  public static Defect at(DefectType type, long offset, String detail) {
    return new Defect(type, offset, detail);
  }
}
