package dev.mailfilter.dns;

import java.time.Duration;

/**
 * A point on the monotonic clock ({@link System#nanoTime}) by which a group of lookups must finish:
 * all the DNS queries of one message share one deadline.
 *
 * @param nanoTime the deadline as a {@link System#nanoTime} value
 */
public record Deadline(long nanoTime) {
  /** The deadline {@code timeout} from now. */
  public static Deadline after(Duration timeout) {
    return new Deadline(System.nanoTime() + timeout.toNanos());
  }

  /** Time left, never negative. */
  public Duration remaining() {
    return Duration.ofNanos(Math.max(0, nanoTime - System.nanoTime()));
  }

  /** Whether the deadline has passed. */
  public boolean expired() {
    return nanoTime - System.nanoTime() <= 0;
  }
}
