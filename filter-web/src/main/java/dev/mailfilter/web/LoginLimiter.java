package dev.mailfilter.web;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Login rate limits per client IP and per account: after {@code free} failed attempts in a row, a
 * key is locked for a delay that doubles with each further failure (1 s, 2 s, 4 s... up to {@code
 * maxDelay}); a success clears the account's and the IP's count. Bounded: the least recently used
 * keys are forgotten past {@code maxKeys}, so a flood of addresses cannot grow the heap.
 */
final class LoginLimiter {
  private record Failures(int count, Instant lockedUntil) {}

  private final Clock clock;
  private final int free;
  private final Duration maxDelay;
  private final Map<String, Failures> byKey;

  LoginLimiter(Clock clock, int free, Duration maxDelay, int maxKeys) {
    this.clock = clock;
    this.free = free;
    this.maxDelay = maxDelay;
    this.byKey =
        new LinkedHashMap<>(1024, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Failures> eldest) {
            return size() > maxKeys;
          }
        };
  }

  /** How long any of these keys is still locked; empty when none is. */
  synchronized Optional<Duration> locked(String... keys) {
    Instant now = clock.instant();
    Duration longest = null;
    for (String k : keys) {
      Failures f = byKey.get(k);
      if (f != null && now.isBefore(f.lockedUntil())) {
        Duration d = Duration.between(now, f.lockedUntil());
        if (longest == null || d.compareTo(longest) > 0) {
          longest = d;
        }
      }
    }
    return Optional.ofNullable(longest);
  }

  /** Counts a failed attempt against each key. */
  synchronized void failed(String... keys) {
    Instant now = clock.instant();
    for (String k : keys) {
      Failures f = byKey.get(k);
      int count = f == null ? 1 : f.count() + 1;
      Instant until = now;
      if (count >= free) {
        int doublings = Math.min(count - free, 30);
        Duration d = Duration.ofSeconds(1L << doublings);
        until = now.plus(d.compareTo(maxDelay) > 0 ? maxDelay : d);
      }
      byKey.put(k, new Failures(count, until));
    }
  }

  /** Clears the keys after a successful login. */
  synchronized void succeeded(String... keys) {
    for (String k : keys) {
      byKey.remove(k);
    }
  }
}
