package dev.mailfilter.smtp;

import java.time.Duration;
import java.util.Objects;

/**
 * How long the server waits for its client, by RFC 5321 section 4.5.3.2. Every read from the client
 * has one of these limits; a client that passes it gets {@code 421 4.4.2} and is disconnected, so a
 * slow or idle client holds no more than its own virtual thread.
 *
 * @param command the wait for the next command (section 4.5.3.2.7: at least 5 minutes)
 * @param dataBlock the wait for each block of DATA or BDAT content (section 4.5.3.2.5's 3 minutes,
 *     applied by the server to every read of content)
 */
public record SmtpTimeouts(Duration command, Duration dataBlock) {
  public SmtpTimeouts {
    Objects.requireNonNull(command, "command");
    Objects.requireNonNull(dataBlock, "dataBlock");
    if (command.isNegative() || command.isZero() || dataBlock.isNegative() || dataBlock.isZero()) {
      throw new IllegalArgumentException(
          "timeouts must be positive, got command " + command + ", dataBlock " + dataBlock);
    }
  }

  /** RFC 5321's values: 5 minutes for a command, 3 minutes for a block of content. */
  public static SmtpTimeouts rfc5321() {
    return new SmtpTimeouts(Duration.ofMinutes(5), Duration.ofMinutes(3));
  }
}
