package dev.mailfilter;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Score formatting shared by headers and logs: locale-independent, two decimals. */
final class Scores {
  private Scores() {}

  static String format(double score) {
    return BigDecimal.valueOf(score).setScale(2, RoundingMode.HALF_EVEN).toPlainString();
  }

  static String formatOne(double score) {
    return BigDecimal.valueOf(score).setScale(1, RoundingMode.HALF_EVEN).toPlainString();
  }
}
