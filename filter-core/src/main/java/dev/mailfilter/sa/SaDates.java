package dev.mailfilter.sa;

import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SpamAssassin's {@code Util::parse_rfc822_date}, ported line by line: the date rules compare what
 * SpamAssassin computes, quirks included (an asctime date loses its time of day, an unknown zone
 * name counts as UTC, years are clamped to 1970-2037). Not the checks' strict {@code MailDates}:
 * SpamAssassin reads a date anywhere in a value (Received fields, trailing junk), and its rules
 * must hit where it does.
 */
final class SaDates {
  private static final String MONTH = "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
  private static final Pattern DMY4 =
      Pattern.compile(" (\\d+) " + MONTH + " (\\d{4}) ", Pattern.CASE_INSENSITIVE);
  private static final Pattern ASCTIME =
      Pattern.compile(" " + MONTH + " +(\\d+) \\d+:\\d+:\\d+ (\\d{4}) ", Pattern.CASE_INSENSITIVE);
  private static final Pattern DMY2 =
      Pattern.compile(" (\\d+) " + MONTH + " (\\d{2,3}) ", Pattern.CASE_INSENSITIVE);
  private static final Pattern TIME = Pattern.compile(" (\\d?\\d):(\\d\\d)(:(\\d\\d))? ");
  private static final Pattern NUMERIC_ZONE = Pattern.compile(" ([-+]\\d{4}) ");
  private static final Pattern NAMED_ZONE = Pattern.compile("\\b([A-Z]{2,4}(?:-DST)?)\\b");
  private static final Pattern OFFSET = Pattern.compile("([-+])(\\d\\d)(\\d\\d)$");
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
  // Util.pm's %TZ.
  private static final Map<String, String> ZONES =
      Map.ofEntries(
          Map.entry("UT", "+0000"),
          Map.entry("UTC", "+0000"),
          Map.entry("NDT", "-0230"),
          Map.entry("AST", "-0400"),
          Map.entry("ADT", "-0300"),
          Map.entry("NST", "-0330"),
          Map.entry("EST", "-0500"),
          Map.entry("EDT", "-0400"),
          Map.entry("CST", "-0600"),
          Map.entry("CDT", "-0500"),
          Map.entry("MST", "-0700"),
          Map.entry("MDT", "-0600"),
          Map.entry("PST", "-0800"),
          Map.entry("PDT", "-0700"),
          Map.entry("HST", "-1000"),
          Map.entry("AKST", "-0900"),
          Map.entry("AKDT", "-0800"),
          Map.entry("HADT", "-0900"),
          Map.entry("HAST", "-1000"),
          Map.entry("GMT", "+0000"),
          Map.entry("BST", "+0100"),
          Map.entry("IST", "+0100"),
          Map.entry("WET", "+0000"),
          Map.entry("WEST", "+0100"),
          Map.entry("CET", "+0100"),
          Map.entry("CEST", "+0200"),
          Map.entry("EET", "+0200"),
          Map.entry("EEST", "+0300"),
          Map.entry("MSK", "+0300"),
          Map.entry("MSD", "+0400"),
          Map.entry("MET", "+0100"),
          Map.entry("MEZ", "+0100"),
          Map.entry("MEST", "+0200"),
          Map.entry("MESZ", "+0200"),
          Map.entry("BRST", "-0200"),
          Map.entry("BRT", "-0300"),
          Map.entry("AEST", "+1000"),
          Map.entry("AEDT", "+1100"),
          Map.entry("ACST", "+0930"),
          Map.entry("ACDT", "+1030"),
          Map.entry("AWST", "+0800"),
          Map.entry("NZST", "+1200"),
          Map.entry("NZDT", "+1300"),
          Map.entry("JST", "+0900"),
          Map.entry("KST", "+0900"),
          Map.entry("HKT", "+0800"),
          Map.entry("SGT", "+0800"),
          Map.entry("PHT", "+0800"),
          Map.entry("IDT", "+0300"));

  private SaDates() {}

  /** Seconds since the epoch, or empty where SpamAssassin finds no date. */
  static OptionalLong parse(String date) {
    String s = (" " + date + " ").replaceAll(", *", " ").replaceAll("\\s+", " ");
    String dd;
    String mon;
    String yyyy;
    Matcher m;
    if ((m = DMY4.matcher(s)).find()) {
      dd = m.group(1);
      mon = m.group(2);
      yyyy = m.group(3);
    } else if ((m = ASCTIME.matcher(s)).find()) {
      dd = m.group(2);
      mon = m.group(1);
      yyyy = m.group(3);
    } else if ((m = DMY2.matcher(s)).find()) {
      dd = m.group(1);
      mon = m.group(2);
      yyyy = m.group(3);
    } else {
      return OptionalLong.empty();
    }
    s = s.substring(0, m.start()) + " " + s.substring(m.end());
    long year = Long.parseLong(yyyy);
    if (yyyy.length() == 2 && year < 50) {
      year += 2000;
    } else if (yyyy.length() != 4) {
      year += 1900;
    }
    long hh = 0;
    long mm = 0;
    long ss = 0;
    if ((m = TIME.matcher(s)).find()) {
      hh = Long.parseLong(m.group(1));
      mm = Long.parseLong(m.group(2));
      ss = m.group(4) == null ? 0 : Long.parseLong(m.group(4));
      s = s.substring(0, m.start()) + " " + s.substring(m.end());
    }
    String tzoff = null;
    if ((m = NUMERIC_ZONE.matcher(s)).find()) {
      tzoff = m.group(1);
    } else if ((m = NAMED_ZONE.matcher(s)).find()) {
      tzoff = ZONES.get(m.group(1));
    }
    if (tzoff == null) {
      tzoff = "-0000";
    }
    long month = MONTHS.get(mon.toLowerCase(Locale.ROOT));
    long day = Long.parseLong(dd.length() > 9 ? "99" : dd);
    ss = Math.min(ss, 59);
    mm = Math.min(mm, 59);
    hh = Math.min(hh, 23);
    long maxDay = 31;
    if (month == 4 || month == 6 || month == 9 || month == 11) {
      maxDay = 30;
    } else if (month == 2) {
      maxDay = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28;
    }
    if (day > maxDay) {
      day = 1;
      month++;
      if (month > 12) {
        month = 1;
        year++;
      }
    }
    year = Math.max(1970, Math.min(2037, year));
    long time;
    try {
      time =
          LocalDateTime.of((int) year, (int) month, (int) day, (int) hh, (int) mm, (int) ss)
              .toEpochSecond(ZoneOffset.UTC);
    } catch (DateTimeException e) {
      return OptionalLong.empty(); // day 0: Time::Local croaks
    }
    Matcher z = OFFSET.matcher(tzoff);
    if (z.find()) {
      long off = (Long.parseLong(z.group(2)) * 60 + Long.parseLong(z.group(3))) * 60;
      if (z.group(1).equals("-")) {
        time += off;
      } else if (time < off) {
        time = 0;
      } else {
        time -= off;
      }
    }
    return OptionalLong.of(time);
  }
}
