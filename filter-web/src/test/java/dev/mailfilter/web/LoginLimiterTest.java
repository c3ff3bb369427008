package dev.mailfilter.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Lockouts that double, cap, clear on success, and forget the least recently seen keys. */
class LoginLimiterTest {
  private final TestClock clock = new TestClock();

  @Test
  void theLockoutStartsAfterTheFreeAttemptsAndDoublesUpToTheCap() {
    LoginLimiter l = new LoginLimiter(clock, 3, Duration.ofSeconds(10), 100);
    l.failed("a");
    l.failed("a");
    assertThat(l.locked("a")).isEmpty();
    l.failed("a");
    assertThat(l.locked("a")).contains(Duration.ofSeconds(1));
    for (int i = 0; i < 3; i++) {
      l.failed("a");
    }
    assertThat(l.locked("a")).contains(Duration.ofSeconds(8));
    l.failed("a");
    assertThat(l.locked("a")).contains(Duration.ofSeconds(10)); // capped, not 16
    clock.advance(Duration.ofSeconds(10));
    assertThat(l.locked("a")).isEmpty();
  }

  @Test
  void aSuccessClearsTheCount() {
    LoginLimiter l = new LoginLimiter(clock, 2, Duration.ofMinutes(1), 100);
    l.failed("a");
    l.succeeded("a");
    l.failed("a");
    assertThat(l.locked("a")).isEmpty();
  }

  @Test
  void anyLockedKeyLocksAndTheLongestDelayIsReported() {
    LoginLimiter l = new LoginLimiter(clock, 1, Duration.ofMinutes(1), 100);
    l.failed("ip");
    l.failed("ip");
    l.failed("account");
    assertThat(l.locked("account", "ip")).contains(Duration.ofSeconds(2));
    assertThat(l.locked("other")).isEmpty();
  }

  @Test
  void theTableIsBounded() {
    LoginLimiter l = new LoginLimiter(clock, 1, Duration.ofMinutes(1), 10);
    l.failed("first");
    for (int i = 0; i < 10; i++) {
      l.failed("k" + i);
    }
    assertThat(l.locked("first")).isEmpty(); // forgotten, least recently seen
    assertThat(l.locked("k9")).isPresent();
  }
}
