package dev.mailfilter.api;

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

  @Test
  void formatsProbabilitiesAndTiesAsBigDecimalDoesAtEveryScale() {
    long seed = new SplittableRandom().nextLong();
    SplittableRandom random = new SplittableRandom(seed);
    for (int n = 0; n < 200_000; n++) {
      int decimals = random.nextInt(7);
      double d =
          switch (random.nextInt(4)) {
            case 0 -> random.nextDouble(); // a probability
            case 1 -> 1 - Math.pow(10, -random.nextInt(1, 17)) * random.nextDouble();
            // exact ties and their neighbours at this scale
            case 2 -> {
              double tie = (random.nextInt(-1_000_000, 1_000_000) + 0.5) / Math.pow(10, decimals);
              yield switch (random.nextInt(3)) {
                case 0 -> tie;
                case 1 -> Math.nextUp(tie);
                default -> Math.nextDown(tie);
              };
            }
            default -> (random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(-8, 14));
          };
      assertThat(Scores.format(d, decimals))
          .as("seed %d, %s with %d decimals", seed, d, decimals)
          .isEqualTo(
              BigDecimal.valueOf(d).setScale(decimals, RoundingMode.HALF_EVEN).toPlainString());
    }
  }

  @Test
  void refusesScalesItCannotPrint() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Scores.format(1, 7))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("decimals not in [0, 6]: 7");
  }
}
