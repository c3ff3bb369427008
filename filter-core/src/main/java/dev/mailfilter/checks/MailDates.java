package dev.mailfilter.checks;

import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * RFC 5322 date-time parsing as mail really writes it: optional day name, comments, two-digit
 * years, obsolete zone names (RFC 5322 section 4.3), and missing seconds. Anything else is
 * malformed.
 */
final class MailDates {
  private static final Map<String, Integer> MONTHS =
      Map.ofEntries(
          Map.entry("jan", 1),
          Map.entry("feb", 2),
          Map.entry("mar", 3),
          Map.entry("apr", 4),
          Map.entry("may", 5),
          Map.entry("jun", 6),
          Map.entry("jul", 7),
          Map.entry("aug", 8),
          Map.entry("sep", 9),
          Map.entry("oct", 10),
          Map.entry("nov", 11),
          Map.entry("dec", 12));

  // RFC 5322 4.3 obsolete zones; other letters (military zones) mean "unknown", as -0000.
  private static final Map<String, Integer> ZONES =
      Map.ofEntries(
          Map.entry("ut", 0),
          Map.entry("utc", 0),
          Map.entry("gmt", 0),
          Map.entry("z", 0),
          Map.entry("est", -5),
          Map.entry("edt", -4),
          Map.entry("cst", -6),
          Map.entry("cdt", -5),
          Map.entry("mst", -7),
          Map.entry("mdt", -6),
          Map.entry("pst", -8),
          Map.entry("pdt", -7));

  private MailDates() {}

  /** The date-time, or empty when the text is not one. */
  static Optional<ZonedDateTime> parse(String value) {
    return new Scan(collapseSpace(stripComments(value).strip())).date();
  }

  /**
   * The grammar {@code
   * ^(?:[A-Za-z]{3,9}\s*,?\s*)?(\d{1,2})[\s-]+([A-Za-z]{3,9})\.?[\s-]+(\d{2,4})\s+} {@code
   * (\d{1,2}):(\d{1,2})(?::(\d{1,2}))?(?:\.\d+)?\s*(?:([+-])(\d{2}):?(\d{2})|([A-Za-z]{1,5}))?\s*$},
   * read left to right without the regex (the date of every message and of each Received field is
   * parsed, and the regex was the largest regex cost left in a classification): every part is
   * either letters or digits up to a separator that cannot belong to it, so reading greedily
   * matches exactly what the pattern matches. Whitespace is already one space ({@link
   * #collapseSpace}). The test keeps the pattern as the reference ({@code MailDatesTest}).
   */
  private static final class Scan {
    private final String s;
    private int i;

    Scan(String s) {
      this.s = s;
    }

    Optional<ZonedDateTime> date() {
      int dayName = run(true);
      if (dayName > 0) {
        if (dayName < 3 || dayName > 9) {
          return Optional.empty();
        }
        i += dayName;
        spaces();
        skip(',');
        spaces();
      }
      int day = number(1, 2);
      if (day < 0 || !separators()) {
        return Optional.empty();
      }
      int monthStart = i;
      int monthLength = run(true);
      if (monthLength < 3 || monthLength > 9) {
        return Optional.empty();
      }
      i += monthLength;
      skip('.');
      if (!separators()) {
        return Optional.empty();
      }
      int yearStart = i;
      int year = number(2, 4);
      int yearDigits = i - yearStart;
      if (year < 0 || spaces() == 0) {
        return Optional.empty();
      }
      int hour = number(1, 2);
      if (hour < 0 || !skip(':')) {
        return Optional.empty();
      }
      int minute = number(1, 2);
      if (minute < 0) {
        return Optional.empty();
      }
      int second = 0;
      if (skip(':') && (second = number(1, 2)) < 0) {
        return Optional.empty();
      }
      if (skip('.') && number(1, Integer.MAX_VALUE) < 0) {
        return Optional.empty();
      }
      spaces();
      ZoneOffset offset = ZoneOffset.UTC;
      boolean badOffset = false;
      if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
        boolean negative = s.charAt(i++) == '-';
        int h = digits(2);
        skip(':');
        int min = digits(2);
        if (h < 0 || min < 0) {
          return Optional.empty();
        }
        // Checked after the whole text matched, as the pattern did.
        badOffset = h > 18 || min > 59;
        int total = h * 3600 + min * 60;
        offset = badOffset ? ZoneOffset.UTC : ZoneOffset.ofTotalSeconds(negative ? -total : total);
      } else {
        int zone = run(true);
        if (zone > 5) {
          return Optional.empty();
        }
        if (zone > 0) {
          String name = s.substring(i, i + zone).toLowerCase(Locale.ROOT);
          offset = ZoneOffset.ofHours(ZONES.getOrDefault(name, 0));
          i += zone;
        }
      }
      spaces();
      if (i != s.length() || badOffset) {
        return Optional.empty();
      }
      Integer month = MONTHS.get(s.substring(monthStart, monthStart + 3).toLowerCase(Locale.ROOT));
      if (month == null) {
        return Optional.empty();
      }
      if (yearDigits == 2) {
        year += year < 50 ? 2000 : 1900; // RFC 5322 4.3
      } else if (yearDigits == 3) {
        year += 1900;
      }
      try {
        LocalDateTime t = LocalDateTime.of(year, month, day, hour, minute, Math.min(second, 59));
        return Optional.of(t.atZone(offset));
      } catch (DateTimeException e) {
        return Optional.empty(); // 31 Feb, hour 25...
      }
    }

    /** The length of the run of ASCII letters (or digits) at the cursor; the cursor stays. */
    private int run(boolean letters) {
      int j = i;
      while (j < s.length() && (letters ? isLetter(s.charAt(j)) : isDigit(s.charAt(j)))) {
        j++;
      }
      return j - i;
    }

    /** A number of {@code min} to {@code max} digits, consumed; -1 when the run is not that. */
    private int number(int min, int max) {
      int n = run(false);
      if (n < min || n > max) {
        return -1;
      }
      int v = 0;
      for (int k = 0; k < n; k++) {
        // Only the fraction of a second can be long, and its value is not used.
        v = Math.min(v * 10 + (s.charAt(i + k) - '0'), 1_000_000);
      }
      i += n;
      return v;
    }

    /** Exactly {@code n} digits, consumed (more may follow); -1 when fewer. */
    private int digits(int n) {
      if (i + n > s.length()) {
        return -1;
      }
      int v = 0;
      for (int k = 0; k < n; k++) {
        char c = s.charAt(i + k);
        if (!isDigit(c)) {
          return -1;
        }
        v = v * 10 + (c - '0');
      }
      i += n;
      return v;
    }

    private int spaces() {
      int start = i;
      while (i < s.length() && s.charAt(i) == ' ') {
        i++;
      }
      return i - start;
    }

    /** {@code [\s-]+}: at least one space or hyphen. */
    private boolean separators() {
      int start = i;
      while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '-')) {
        i++;
      }
      return i > start;
    }

    private boolean skip(char c) {
      if (i < s.length() && s.charAt(i) == c) {
        i++;
        return true;
      }
      return false;
    }

    private static boolean isLetter(char c) {
      return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }

    private static boolean isDigit(char c) {
      return c >= '0' && c <= '9';
    }
  }

  /**
   * Each run of whitespace ({@code \\s}: space, tab, CR, LF, VT, FF) as one space; the string
   * itself when there is nothing to collapse, which is nearly always (String.replaceAll compiles
   * its pattern on every call).
   */
  static String collapseSpace(String s) {
    int i = 0;
    while (i < s.length()
        && !(isSpace(s.charAt(i))
            && (s.charAt(i) != ' ' || (i + 1 < s.length() && isSpace(s.charAt(i + 1)))))) {
      i++;
    }
    if (i == s.length()) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length()).append(s, 0, i);
    boolean inSpace = false;
    for (; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!isSpace(c)) {
        out.append(c);
        inSpace = false;
      } else if (!inSpace) {
        out.append(' ');
        inSpace = true;
      }
    }
    return out.toString();
  }

  private static boolean isSpace(char c) {
    return c == ' ' || (c >= '\t' && c <= '\r');
  }

  /** RFC 5322 comments, nested, as in {@code -0700 (PDT)}. */
  static String stripComments(String s) {
    if (s.indexOf('(') < 0) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length());
    int depth = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && depth > 0) {
        i++;
      } else if (c == '(') {
        depth++;
      } else if (c == ')' && depth > 0) {
        depth--;
        out.append(' ');
      } else if (depth == 0) {
        out.append(c);
      }
    }
    return out.toString();
  }
}
