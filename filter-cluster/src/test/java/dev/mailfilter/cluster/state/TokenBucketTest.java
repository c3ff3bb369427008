package dev.mailfilter.cluster.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The Java token bucket against its definition. */
class TokenBucketTest {
  /**
   * Over any run of random requests, a bucket admits no more than its burst plus what its rate
   * refilled, and never refuses a request the definition (tokens = min(burst, last + elapsed *
   * rate)) would admit.
   */
  @Test
  void admitsExactlyWhatTheDefinitionAdmits() {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    for (int round = 0; round < 200; round++) {
      long burst = 1 + random.nextInt(100);
      TokenBucket b =
          TokenBucket.of(
              1 + random.nextInt(500), Duration.ofMillis(1 + random.nextInt(600_000)), burst);
      long now = 0;
      TokenBucket.State s = b.fresh(now);
      // The reference: exact rational arithmetic in BigInteger-free form (billionths are exact).
      java.math.BigInteger tokens = java.math.BigInteger.valueOf(b.burst());
      long last = now;
      long admitted = 0;
      for (int i = 0; i < 500; i++) {
        now += random.nextInt(3) == 0 ? random.nextInt(1_000_000) : random.nextInt(50);
        s = b.refill(s, now);
        tokens =
            tokens
                .add(
                    java.math.BigInteger.valueOf(now - last)
                        .multiply(java.math.BigInteger.valueOf(b.ratePerMs())))
                .min(java.math.BigInteger.valueOf(b.burst()));
        last = now;
        assertThat(s.tokens()).as("seed %s", seed).isEqualTo(tokens.longValueExact());
        boolean admit = s.tokens() >= TokenBucket.UNIT;
        if (admit) {
          s = new TokenBucket.State(s.tokens() - TokenBucket.UNIT, s.at());
          tokens = tokens.subtract(java.math.BigInteger.valueOf(TokenBucket.UNIT));
          admitted++;
        } else {
          assertThat(b.waitMillis(s, TokenBucket.UNIT)).as("seed %s", seed).isPositive();
        }
        double bound = burst + (double) now * b.ratePerMs() / TokenBucket.UNIT;
        assertThat((double) admitted).as("seed %s", seed).isLessThanOrEqualTo(bound + 1e-9);
      }
    }
  }

  @Test
  void refusesRatesAndBurstsOutsideTheExactRange() {
    assertThatThrownBy(() -> TokenBucket.of(0, Duration.ofMinutes(1), 1))
        .hasMessageContaining("rate must be positive");
    assertThatThrownBy(() -> TokenBucket.of(1, Duration.ofDays(365), 1))
        .hasMessageContaining("rate too low");
    assertThatThrownBy(() -> TokenBucket.of(1, Duration.ofMinutes(1), TokenBucket.MAX_BURST + 1))
        .hasMessageContaining("burst");
  }

  @Test
  void aClockThatGoesBackRefillsNothing() {
    TokenBucket b = TokenBucket.of(10, Duration.ofSeconds(1), 5);
    TokenBucket.State s = new TokenBucket.State(0, 1000);
    assertThat(b.refill(s, 500)).isEqualTo(s);
  }
}
