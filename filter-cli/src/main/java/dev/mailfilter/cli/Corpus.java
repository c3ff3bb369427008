package dev.mailfilter.cli;

import dev.mailfilter.learn.Document;
import dev.mailfilter.learn.Label;
import java.io.IOException;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Labelled messages read from the paths given to {@code train} and {@code eval}. */
final class Corpus {
  /** One labelled message, decoded once. */
  record Sample(String name, Label label, byte[] bytes, Document doc) {
    /**
     * When the message arrived, for ordering a stream: the timestamp of the topmost Received field
     * that has one that parses (the hop added by the receiving side, the one a sender cannot
     * forge), else the Date header, else {@link Long#MAX_VALUE}. A sender writes the Date header
     * and any Received field below the receiver's; spam with a Date months off or a fake hop dated
     * ahead must not move into another part of a time split.
     */
    long arrival() {
      for (Document.Header h : doc.headers()) {
        if (h.name().equalsIgnoreCase("Received")) {
          int semi = h.value().lastIndexOf(';');
          long t = semi < 0 ? Long.MAX_VALUE : parseDate(h.value().substring(semi + 1));
          if (t != Long.MAX_VALUE) {
            return t;
          }
        }
      }
      return parseDate(doc.header("Date"));
    }
  }

  private static final Pattern LOOSE_DATE =
      Pattern.compile(
          "(\\d{1,2})\\s+([A-Za-z]{3})[a-z]*\\s+(\\d{2,4})\\s+(\\d{1,2}):(\\d{2})(?::(\\d{2}))?"
              + "\\s*([+-]\\d{4})?");

  private Corpus() {}

  static List<Sample> read(List<Path> spam, List<Path> ham) throws IOException {
    List<Sample> out = new ArrayList<>();
    add(spam, Label.SPAM, out);
    add(ham, Label.HAM, out);
    return out;
  }

  private static void add(List<Path> paths, Label label, List<Sample> out) throws IOException {
    for (MessageSource.Message m : MessageSource.readAll(paths)) {
      out.add(new Sample(m.label(), label, m.bytes(), Document.fromMessage(m.bytes())));
    }
  }

  /** Epoch milliseconds of an RFC 5322 date, read leniently as real mail needs. */
  static long parseDate(String value) {
    String v = value.replaceAll("\\([^)]*\\)", " ").strip();
    try {
      return ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME)
          .toInstant()
          .toEpochMilli();
    } catch (DateTimeParseException e) {
      Matcher m = LOOSE_DATE.matcher(v);
      if (!m.find()) {
        return Long.MAX_VALUE;
      }
      int year = Integer.parseInt(m.group(3));
      if (year < 100) {
        year += year < 50 ? 2000 : 1900;
      }
      int month =
          "janfebmaraprmayjunjulaugsepoctnovdec".indexOf(m.group(2).toLowerCase(Locale.ROOT)) / 3
              + 1;
      if (month <= 0) {
        return Long.MAX_VALUE;
      }
      try {
        String zone = m.group(7) == null ? "+0000" : m.group(7);
        String iso =
            String.format(
                Locale.ROOT,
                "%04d-%02d-%02dT%02d:%s:%s%s:%s",
                year,
                month,
                Integer.parseInt(m.group(1)),
                Integer.parseInt(m.group(4)),
                m.group(5),
                m.group(6) == null ? "00" : m.group(6),
                zone.substring(0, 3),
                zone.substring(3));
        return ZonedDateTime.parse(iso).toInstant().toEpochMilli();
      } catch (DateTimeParseException | NumberFormatException inner) {
        return Long.MAX_VALUE;
      }
    }
  }
}
