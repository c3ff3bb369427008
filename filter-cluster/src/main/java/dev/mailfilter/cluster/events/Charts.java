package dev.mailfilter.cluster.events;

import dev.mailfilter.api.Action;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;

/**
 * The statistics page's charts as SVG drawn on the server: no chart library, no script, so they
 * work offline and under a strict content security policy. Each chart has a title and every bar a
 * tooltip with its figure; the page shows the same figures in a table for screen readers.
 */
public final class Charts {
  private static final DateTimeFormatter HOUR =
      DateTimeFormatter.ofPattern("MM-dd HH:00", Locale.ROOT).withZone(ZoneOffset.UTC);

  private static final Map<Action, String> COLOURS = new EnumMap<>(Action.class);

  static {
    COLOURS.put(Action.ACCEPT, "#4c9a2a");
    COLOURS.put(Action.ADD_HEADER, "#e0b000");
    COLOURS.put(Action.REWRITE_SUBJECT, "#e08a00");
    COLOURS.put(Action.QUARANTINE, "#b05cc6");
    COLOURS.put(Action.GREYLIST, "#7f8c8d");
    COLOURS.put(Action.SOFT_REJECT, "#d4694b");
    COLOURS.put(Action.REJECT, "#c0392b");
    COLOURS.put(Action.DISCARD, "#5d4037");
    COLOURS.put(Action.TEMPFAIL, "#34495e");
  }

  private Charts() {}

  /** The colour of an action in the charts. */
  public static String colour(Action a) {
    return COLOURS.get(a);
  }

  /**
   * Messages per hour, each hour's bar stacked by action, every hour of {@code [from, to)} shown
   * (empty hours too).
   */
  public static String hourly(
      SortedMap<Instant, Map<Action, Long>> hourly, Instant from, Instant to, String title) {
    Instant first = from.truncatedTo(ChronoUnit.HOURS);
    int hours = (int) Math.max(1, Math.min(24 * 31, ChronoUnit.HOURS.between(first, to) + 1));
    long max = 1;
    for (Map<Action, Long> h : hourly.values()) {
      max = Math.max(max, h.values().stream().mapToLong(Long::longValue).sum());
    }
    int w = 900;
    int h = 260;
    int left = 50;
    int bottom = 40;
    double bw = (double) (w - left - 10) / hours;
    StringBuilder b = new StringBuilder(8192);
    b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ")
        .append(w)
        .append(' ')
        .append(h + 30)
        .append("\" role=\"img\" aria-label=\"")
        .append(Svg.escape(title))
        .append("\" class=\"chart\" font-family=\"sans-serif\" font-size=\"11\">");
    b.append("<title>").append(Svg.escape(title)).append("</title>");
    int plot = h - bottom - 10;
    b.append("<line x1=\"").append(left).append("\" y1=\"").append(h - bottom);
    b.append("\" x2=\"").append(w - 10).append("\" y2=\"").append(h - bottom);
    b.append("\" stroke=\"#333\"/>");
    b.append("<text x=\"").append(left - 4).append("\" y=\"14\" text-anchor=\"end\">");
    b.append(max).append("</text>");
    b.append("<text x=\"").append(left - 4).append("\" y=\"").append(h - bottom);
    b.append("\" text-anchor=\"end\">0</text>");
    int labelEvery = Math.max(1, hours / 8);
    for (int i = 0; i < hours; i++) {
      Instant hour = first.plus(i, ChronoUnit.HOURS);
      Map<Action, Long> counts = hourly.getOrDefault(hour, Map.of());
      double x = left + i * bw;
      double y = h - bottom;
      for (Action a : Action.values()) {
        long n = counts.getOrDefault(a, 0L);
        if (n == 0) {
          continue;
        }
        double bh = (double) n / max * plot;
        y -= bh;
        b.append(
            String.format(
                Locale.ROOT,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">",
                x + 0.5,
                y,
                Math.max(0.5, bw - 1),
                bh,
                COLOURS.get(a)));
        b.append("<title>").append(HOUR.format(hour)).append(' ').append(a.configName());
        b.append(": ").append(n).append("</title></rect>");
      }
      if (i % labelEvery == 0) {
        b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">", x, h - bottom + 14));
        b.append(HOUR.format(hour)).append("</text>");
      }
    }
    // The legend: one swatch per action.
    int lx = left;
    for (Action a : Action.values()) {
      b.append("<rect x=\"").append(lx).append("\" y=\"").append(h + 8);
      b.append("\" width=\"10\" height=\"10\" fill=\"").append(COLOURS.get(a)).append("\"/>");
      b.append("<text x=\"").append(lx + 13).append("\" y=\"").append(h + 17).append("\">");
      b.append(a.configName()).append("</text>");
      lx += 95;
    }
    b.append("</svg>");
    return b.toString();
  }

  /** A horizontal bar chart of a top list: total in grey, spam in red over it. */
  public static String bars(List<EventStats.Count> rows, String title) {
    int rowH = 20;
    int w = 600;
    int labelW = 230;
    int h = Math.max(1, rows.size()) * rowH + 10;
    long max = 1;
    for (EventStats.Count c : rows) {
      max = Math.max(max, c.total());
    }
    StringBuilder b = new StringBuilder(4096);
    b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ").append(w).append(' ');
    b.append(h).append("\" role=\"img\" aria-label=\"").append(Svg.escape(title));
    b.append("\" class=\"chart\" font-family=\"sans-serif\" font-size=\"11\">");
    b.append("<title>").append(Svg.escape(title)).append("</title>");
    if (rows.isEmpty()) {
      b.append("<text x=\"4\" y=\"14\">no events</text>");
    }
    for (int i = 0; i < rows.size(); i++) {
      EventStats.Count c = rows.get(i);
      int y = 4 + i * rowH;
      String label = c.label().length() > 36 ? c.label().substring(0, 35) + "…" : c.label();
      b.append("<text x=\"").append(labelW - 6).append("\" y=\"").append(y + 12);
      b.append("\" text-anchor=\"end\">").append(Svg.escape(label)).append("</text>");
      double tw = (double) c.total() / max * (w - labelW - 60);
      double sw = (double) c.spam() / max * (w - labelW - 60);
      b.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"14\" fill=\"#9aa7b4\"/>",
              labelW,
              y,
              Math.max(0.5, tw)));
      b.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"14\" fill=\"#c0392b\"/>",
              labelW,
              y,
              sw));
      b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">", labelW + tw + 4, y + 12));
      b.append(c.total()).append(" (").append(c.spam()).append(" spam)</text>");
    }
    b.append("</svg>");
    return b.toString();
  }
}
