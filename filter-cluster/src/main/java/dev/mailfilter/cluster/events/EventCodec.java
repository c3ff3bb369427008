package dev.mailfilter.cluster.events;

import dev.mailfilter.api.Action;
import dev.mailfilter.api.Symbol;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The stored form of a {@link VerdictEvent}: one line of tab-separated fields, lists separated by
 * {@code U+001E} and a symbol's parts by {@code U+001F}. Control characters in texts become {@code
 * ?} when encoded, so no escaping is needed and a line decodes by splitting. The same text is a
 * Redis stream entry's value and, as UTF-8 bytes, a slot of the in-memory ring: typically 150 to
 * 400 bytes, where the record with its strings and lists takes about three times as much.
 */
final class EventCodec {
  private static final String VERSION = "1";
  private static final char ITEM = '\u001e';
  private static final char PART = '\u001f';
  private static final int FIELDS = 18;

  private EventCodec() {}

  static String encode(VerdictEvent e) {
    StringBuilder b = new StringBuilder(256);
    b.append(VERSION).append('\t');
    b.append(e.time().toEpochMilli()).append('\t');
    text(b, e.node()).append('\t');
    text(b, e.transactionId()).append('\t');
    text(b, e.queueId()).append('\t');
    text(b, e.client()).append('\t');
    text(b, e.country()).append('\t');
    b.append(e.asn()).append('\t');
    text(b, e.asOrg()).append('\t');
    b.append(e.action().configName()).append('\t');
    b.append(e.score()).append('\t');
    b.append(Double.isInfinite(e.required()) ? "-" : Double.toString(e.required())).append('\t');
    for (int i = 0; i < e.symbols().size(); i++) {
      Symbol s = e.symbols().get(i);
      if (i > 0) {
        b.append(ITEM);
      }
      b.append(s.name()).append(PART).append(s.score());
      for (String o : s.options()) {
        text(b.append(PART), o);
      }
    }
    b.append('\t');
    text(b, e.tenant()).append('\t');
    text(b, e.sender()).append('\t');
    for (int i = 0; i < e.recipients().size(); i++) {
      if (i > 0) {
        b.append(ITEM);
      }
      text(b, e.recipients().get(i));
    }
    b.append('\t').append(e.moreRecipients()).append('\t').append(e.beforeData() ? '1' : '0');
    return b.toString();
  }

  private static StringBuilder text(StringBuilder b, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      b.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return b;
  }

  /**
   * The event of a stored line.
   *
   * @throws IllegalArgumentException naming what is wrong with the line
   */
  static VerdictEvent decode(String line) {
    String[] f = line.split("\t", -1);
    if (f.length != FIELDS || !f[0].equals(VERSION)) {
      throw new IllegalArgumentException(
          "not a version " + VERSION + " event of " + FIELDS + " fields: " + abbreviated(line));
    }
    try {
      List<Symbol> symbols = new ArrayList<>();
      if (!f[12].isEmpty()) {
        for (String s : split(f[12], ITEM)) {
          List<String> parts = split(s, PART);
          if (parts.size() < 2) {
            throw new IllegalArgumentException("symbol without a score: " + s);
          }
          symbols.add(
              new Symbol(
                  parts.get(0), Double.parseDouble(parts.get(1)), parts.subList(2, parts.size())));
        }
      }
      return new VerdictEvent(
          Instant.ofEpochMilli(Long.parseLong(f[1])),
          f[2],
          f[3],
          f[4],
          f[5],
          f[6],
          Long.parseLong(f[7]),
          f[8],
          Action.valueOf(f[9].toUpperCase(Locale.ROOT)),
          Double.parseDouble(f[10]),
          f[11].equals("-") ? Double.POSITIVE_INFINITY : Double.parseDouble(f[11]),
          symbols,
          f[13],
          f[14],
          f[15].isEmpty() ? List.of() : split(f[15], ITEM),
          Integer.parseInt(f[16]),
          f[17].equals("1"));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "bad event (" + e.getMessage() + "): " + abbreviated(line), e);
    }
  }

  private static List<String> split(String s, char sep) {
    List<String> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= s.length(); i++) {
      if (i == s.length() || s.charAt(i) == sep) {
        out.add(s.substring(start, i));
        start = i + 1;
      }
    }
    return out;
  }

  private static String abbreviated(String line) {
    return line.length() <= 120 ? line : line.substring(0, 120) + "...";
  }
}
