package dev.mailfilter;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ScoresTest {
  @Test
  void formatsAsBigDecimalDoes() {
    long seed = new SplittableRandom().nextLong();
    SplittableRandom random = new SplittableRandom(seed);
    double[] fixed = {0, -0.0, 0.005, -0.005, 0.015, 1000, -1.9, 6.0, 1e9, -1e12, 0.125, 2.675};
    for (int n = 0; n < 50_000 + fixed.length; n++) {
      double d;
      if (n < fixed.length) {
        d = fixed[n];
      } else {
        // Sums of short decimals (as scores are), and arbitrary doubles.
        d =
            switch (random.nextInt(3)) {
              case 0 -> random.nextInt(-100_000, 100_000) / 100.0;
              case 1 -> random.nextInt(-3000, 3000) / 10.0 + random.nextInt(-500, 500) / 100.0;
              default -> (random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(-3, 12));
            };
      }
      assertThat(Scores.format(d))
          .as("seed %d, %s", seed, d)
          .isEqualTo(BigDecimal.valueOf(d).setScale(2, RoundingMode.HALF_EVEN).toPlainString());
      assertThat(Scores.formatOne(d))
          .as("seed %d, %s", seed, d)
          .isEqualTo(BigDecimal.valueOf(d).setScale(1, RoundingMode.HALF_EVEN).toPlainString());
    }
  }
}
