package dev.mailfilter.api;

import static com.google.common.base.Preconditions.checkArgument;

import java.time.Duration;
import java.util.Objects;

/**
 * The size and time limits of a filter session ({@code limits:} in the configuration). Reaching one
 * is a decision with its reply, never an exception.
 *
 * @param maxMessageSize the largest message accepted, in bytes: a larger {@code SIZE=} is refused
 *     at MAIL FROM and a larger message at the end of data, both with {@code 552 5.3.4}; also the
 *     most a session buffers
 * @param maxTransactionTime the longest a transaction may take from MAIL FROM to the end of data;
 *     beyond it the end of headers or data answers {@code 451 4.4.2}, so the client retries
 * @param maxSessionTime the longest a session may last; beyond it every stage answers {@code 421
 *     4.4.2}, on which the adapter closes the connection
 */
public record SessionLimits(
    long maxMessageSize, Duration maxTransactionTime, Duration maxSessionTime) {
  /** 100 MiB, 10 minutes, 1 hour: above what Postfix accepts by default (10 MB, 300 s idle). */
  public static final SessionLimits DEFAULT =
      new SessionLimits(100L << 20, Duration.ofMinutes(10), Duration.ofHours(1));

  public SessionLimits {
    checkArgument(
        maxMessageSize >= 0 && maxMessageSize <= Integer.MAX_VALUE - 8,
        "maxMessageSize must be in [0, %s]: %s",
        Integer.MAX_VALUE - 8,
        maxMessageSize);
    Objects.requireNonNull(maxTransactionTime, "maxTransactionTime");
    Objects.requireNonNull(maxSessionTime, "maxSessionTime");
    checkArgument(
        maxTransactionTime.isPositive(),
        "maxTransactionTime must be positive: %s",
        maxTransactionTime);
    checkArgument(
        maxSessionTime.isPositive(), "maxSessionTime must be positive: %s", maxSessionTime);
  }
}
