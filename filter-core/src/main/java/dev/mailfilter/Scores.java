package dev.mailfilter;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Score formatting shared by headers and logs: locale-independent, two decimals. */
final class Scores {
  private Scores() {}

  static String format(double score) {
    return format(score, 2, 100);
  }

  static String formatOne(double score) {
    return format(score, 1, 10);
  }

  /**
   * {@code BigDecimal.valueOf(score).setScale(decimals, HALF_EVEN).toPlainString()}, without the
   * BigDecimal when the score is exactly a number of that many decimals (nearly every score is a
   * sum of configured scores like 2.5 or 1.7): for magnitudes below 10^9 two such decimals are more
   * than one double apart, so the digits printed are the ones BigDecimal would print.
   */
  private static String format(double score, int decimals, int scale) {
    if (Math.abs(score) < 1e9) {
      long units = Math.round(score * scale);
      if ((double) units / scale == score) {
        long abs = Math.abs(units);
        StringBuilder sb = new StringBuilder(16);
        if (units < 0) {
          sb.append('-');
        }
        sb.append(abs / scale).append('.');
        String frac = Long.toString(abs % scale);
        for (int i = frac.length(); i < decimals; i++) {
          sb.append('0');
        }
        return sb.append(frac).toString();
      }
    }
    return BigDecimal.valueOf(score).setScale(decimals, RoundingMode.HALF_EVEN).toPlainString();
  }
}
