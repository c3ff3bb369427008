package dev.mailfilter.checks;

import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * RFC 5322 date-time parsing as mail really writes it: optional day name, comments, two-digit
 * years, obsolete zone names (RFC 5322 section 4.3), and missing seconds. Anything else is
 * malformed.
 */
final class MailDates {
  private static final Pattern DATE =
      Pattern.compile(
          "^(?:[A-Za-z]{3,9}\\s*,?\\s*)?(\\d{1,2})[\\s-]+([A-Za-z]{3,9})\\.?[\\s-]+(\\d{2,4})\\s+"
              + "(\\d{1,2}):(\\d{1,2})(?::(\\d{1,2}))?(?:\\.\\d+)?\\s*"
              + "(?:([+-])(\\d{2}):?(\\d{2})|([A-Za-z]{1,5}))?\\s*$");

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
    String s = collapseSpace(stripComments(value).strip());
    Matcher m = DATE.matcher(s);
    if (!m.matches()) {
      return Optional.empty();
    }
    Integer month = MONTHS.get(m.group(2).substring(0, 3).toLowerCase(Locale.ROOT));
    if (month == null) {
      return Optional.empty();
    }
    int year = Integer.parseInt(m.group(3));
    if (m.group(3).length() == 2) {
      year += year < 50 ? 2000 : 1900; // RFC 5322 4.3
    } else if (m.group(3).length() == 3) {
      year += 1900;
    }
    try {
      ZoneOffset offset;
      if (m.group(7) != null) {
        int h = Integer.parseInt(m.group(8));
        int min = Integer.parseInt(m.group(9));
        if (h > 18 || min > 59) {
          return Optional.empty();
        }
        int total = h * 3600 + min * 60;
        offset = ZoneOffset.ofTotalSeconds(m.group(7).equals("-") ? -total : total);
      } else if (m.group(10) != null) {
        offset = ZoneOffset.ofHours(ZONES.getOrDefault(m.group(10).toLowerCase(Locale.ROOT), 0));
      } else {
        offset = ZoneOffset.UTC;
      }
      int second = m.group(6) == null ? 0 : Math.min(Integer.parseInt(m.group(6)), 59);
      LocalDateTime t =
          LocalDateTime.of(
              year,
              month,
              Integer.parseInt(m.group(1)),
              Integer.parseInt(m.group(4)),
              Integer.parseInt(m.group(5)),
              second);
      return Optional.of(t.atZone(offset));
    } catch (DateTimeException e) {
      return Optional.empty(); // 31 Feb, hour 25...
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
