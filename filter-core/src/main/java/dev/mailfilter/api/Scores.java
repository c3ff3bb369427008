package dev.mailfilter.api;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Scores and probabilities as text, as the result headers, the verdict log and {@code mailfilter
 * scan} print them: locale-independent, a fixed number of decimals, rounded half-even from the
 * shortest decimal that reads back as the double ({@code BigDecimal.valueOf(x).setScale(decimals,
 * HALF_EVEN).toPlainString()}), without the BigDecimal or a {@link java.util.Formatter} on the
 * common path.
 */
public final class Scores {
  private static final long[] POWERS = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000};

  private Scores() {}

  /** Two decimals: {@code 7.10}, {@code -1.90}. */
  public static String format(double score) {
    return format(score, 2);
  }

  /** One decimal: {@code 7.1}. */
  public static String formatOne(double score) {
    return format(score, 1);
  }

  /**
   * {@code value} with {@code decimals} decimals (0 to 6).
   *
   * @throws IllegalArgumentException if {@code decimals} is out of range
   */
  public static String format(double value, int decimals) {
    if (decimals < 0 || decimals >= POWERS.length) {
      throw new IllegalArgumentException("decimals not in [0, 6]: " + decimals);
    }
    long scale = POWERS[decimals];
    double scaled = value * scale;
    // Below 10^9 the product is within a few 10^-7 of the exact decimal: unless it lies within
    // 10^-5 of a tie, every rounding of the shortest decimal and of the exact value picks the same
    // integer, so Math.round gives BigDecimal's digits. Ties and huge values take BigDecimal.
    if (Math.abs(scaled) < 1e9 && Math.abs(scaled - Math.floor(scaled) - 0.5) > 1e-5) {
      long units = Math.round(scaled);
      long abs = Math.abs(units);
      StringBuilder sb = new StringBuilder(16);
      if (units < 0) {
        sb.append('-');
      }
      sb.append(abs / scale);
      if (decimals > 0) {
        sb.append('.');
        String frac = Long.toString(abs % scale);
        for (int i = frac.length(); i < decimals; i++) {
          sb.append('0');
        }
        sb.append(frac);
      }
      return sb.toString();
    }
    return BigDecimal.valueOf(value).setScale(decimals, RoundingMode.HALF_EVEN).toPlainString();
  }
}
