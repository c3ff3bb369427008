package dev.mailfilter.cluster.state;

import java.time.Duration;

/**
 * A token bucket in exact integer arithmetic: tokens are counted in billionths, time in
 * milliseconds, so that the Lua script Redis runs (whose numbers are doubles, exact for integers
 * below 2^53) and this Java model compute the same bucket to the last unit. The Java model is the
 * local fallback and the reference the script is tested against.
 *
 * @param ratePerMs the refill in billionths of a token per millisecond (at least 1)
 * @param burst the capacity in billionths of a token
 */
public record TokenBucket(long ratePerMs, long burst) {
  /** Billionths per token. */
  public static final long UNIT = 1_000_000_000L;

  /** The largest burst, in tokens: larger would leave the range where doubles are exact. */
  public static final long MAX_BURST = 1_000_000;

  public TokenBucket {
    if (ratePerMs < 1) {
      throw new IllegalArgumentException("rate too low (under one token in 11 days): " + ratePerMs);
    }
    if (burst < UNIT || burst > MAX_BURST * UNIT) {
      throw new IllegalArgumentException(
          "burst must be 1.." + MAX_BURST + " tokens, got " + (double) burst / UNIT);
    }
  }

  /**
   * {@code count} tokens every {@code per}, at most {@code burst} at once.
   *
   * @throws IllegalArgumentException for a rate under about one a week or a burst out of range
   */
  public static TokenBucket of(double count, Duration per, long burst) {
    if (!(count > 0) || per.isZero() || per.isNegative()) {
      throw new IllegalArgumentException("rate must be positive: " + count + " per " + per);
    }
    double perMs = count * UNIT / per.toMillis();
    if (perMs > 1e12) {
      throw new IllegalArgumentException("rate too high: " + count + " per " + per);
    }
    if (burst < 1 || burst > MAX_BURST) {
      throw new IllegalArgumentException("burst must be 1.." + MAX_BURST + ": " + burst);
    }
    return new TokenBucket(Math.round(perMs), burst * UNIT);
  }

  /**
   * A bucket's state.
   *
   * @param tokens the tokens in it, in billionths
   * @param at when it was last refilled, in milliseconds
   */
  public record State(long tokens, long at) {}

  /** The state of a bucket nobody used: full. */
  public State fresh(long now) {
    return new State(burst, now);
  }

  /** The state refilled up to {@code now} (a clock that went back refills nothing). */
  public State refill(State s, long now) {
    if (now <= s.at()) {
      return s;
    }
    long elapsed = now - s.at();
    long room = burst - s.tokens();
    // Saturating: a long idle time fills the bucket without overflowing the product.
    long add = elapsed > room / ratePerMs + 1 ? room : Math.min(room, elapsed * ratePerMs);
    return new State(s.tokens() + add, now);
  }

  /** How long until a refilled state holds {@code cost} tokens, in milliseconds (0: now). */
  public long waitMillis(State refilled, long cost) {
    long missing = cost - refilled.tokens();
    return missing <= 0 ? 0 : (missing + ratePerMs - 1) / ratePerMs;
  }

  /** How long until the state is full again: the TTL after which a stored bucket may be dropped. */
  public long millisUntilFull(State s) {
    return (burst - s.tokens() + ratePerMs - 1) / ratePerMs;
  }
}
