package dev.mailfilter.cluster.events;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The spam-source map: a world map in SVG drawn on the server, each country coloured by its count.
 * The shapes are the resource {@code world-shapes.tsv}: Natural Earth's 1:110m countries (public
 * domain), as simplified by {@code filter-cluster/src/build/world-shapes.py} into the map's own
 * equirectangular projection (viewBox 0 0 1000 400, 84°N to 60°S, Antarctica left out). No script,
 * no external file: the SVG is one self-contained document that works offline and inside a strict
 * content security policy.
 */
public final class WorldMap {
  /** A country's shape. */
  record Shape(String iso2, String name, String path) {}

  private static final List<Shape> SHAPES = load();

  /** Colours from few to many (a sequential orange-red scale, readable by the colour-blind). */
  private static final String[] SCALE = {
    "#fee8c8", "#fdd49e", "#fdbb84", "#fc8d59", "#ef6548", "#d7301f", "#990000"
  };

  private static final String NONE = "#dde3ea";

  private WorldMap() {}

  /** The countries drawn, by ISO 3166-1 alpha-2 code (empty for shapes without one). */
  static List<Shape> shapes() {
    return SHAPES;
  }

  /**
   * The map of these counts.
   *
   * @param counts events per ISO 3166-1 alpha-2 country code (upper case)
   * @param title the map's accessible title
   */
  public static String render(Map<String, Long> counts, String title) {
    Objects.requireNonNull(counts, "counts");
    long max = 0;
    for (long c : counts.values()) {
      max = Math.max(max, c);
    }
    StringBuilder b = new StringBuilder(96_000);
    b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1000 440\"")
        .append(" role=\"img\" aria-labelledby=\"map-title\" class=\"spam-map\">");
    b.append("<title id=\"map-title\">").append(Svg.escape(title)).append("</title>");
    b.append("<rect width=\"1000\" height=\"400\" fill=\"#f4f8fb\"/>");
    b.append("<g stroke=\"#ffffff\" stroke-width=\"0.5\">");
    for (Shape s : SHAPES) {
      long n = s.iso2().isEmpty() ? 0 : counts.getOrDefault(s.iso2(), 0L);
      b.append("<path d=\"").append(s.path()).append("\" fill=\"").append(colour(n, max));
      b.append("\" data-cc=\"").append(s.iso2()).append("\" data-count=\"").append(n);
      b.append("\"><title>").append(Svg.escape(s.name())).append(": ").append(n);
      b.append("</title></path>");
    }
    b.append("</g>");
    legend(b, max);
    b.append("</svg>");
    return b.toString();
  }

  /** The colour of a count on a logarithmic scale up to {@code max}. */
  static String colour(long n, long max) {
    if (n <= 0 || max <= 0) {
      return NONE;
    }
    if (max == 1) {
      return SCALE[SCALE.length - 1];
    }
    double f = Math.log(n) / Math.log(max); // 0 for one event, 1 for the most
    int i = (int) Math.round(f * (SCALE.length - 1));
    return SCALE[Math.max(0, Math.min(SCALE.length - 1, i))];
  }

  private static void legend(StringBuilder b, long max) {
    b.append("<g font-family=\"sans-serif\" font-size=\"11\" fill=\"#222\">");
    b.append("<rect x=\"10\" y=\"410\" width=\"14\" height=\"14\" fill=\"").append(NONE);
    b.append("\"/><text x=\"28\" y=\"421\">0</text>");
    for (int i = 0; i < SCALE.length; i++) {
      int x = 60 + i * 30;
      b.append("<rect x=\"").append(x).append("\" y=\"410\" width=\"30\" height=\"14\" fill=\"");
      b.append(SCALE[i]).append("\"/>");
    }
    b.append("<text x=\"60\" y=\"436\">1</text>");
    b.append("<text x=\"").append(60 + SCALE.length * 30 + 4).append("\" y=\"421\">");
    b.append(max).append(" spam messages (log scale)</text></g>");
  }

  private static List<Shape> load() {
    Map<String, String> iso2 = iso3ToIso2();
    List<Shape> out = new ArrayList<>();
    try (InputStream in = WorldMap.class.getResourceAsStream("world-shapes.tsv")) {
      if (in == null) {
        throw new IllegalStateException("resource world-shapes.tsv missing from the jar");
      }
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      String line;
      while ((line = r.readLine()) != null) {
        String[] f = line.split("\t", -1);
        if (f.length != 3) {
          throw new IllegalStateException("world-shapes.tsv: bad line " + line);
        }
        out.add(new Shape(iso2.getOrDefault(f[0], ""), f[1], f[2]));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return List.copyOf(out);
  }

  /** ISO 3166-1 alpha-3 to alpha-2 from the JDK's own table, and the codes it lacks. */
  private static Map<String, String> iso3ToIso2() {
    Map<String, String> m = new HashMap<>();
    for (String a2 : Locale.getISOCountries()) {
      m.put(Locale.of("", a2).getISO3Country(), a2);
    }
    // Kosovo has no ISO code; MaxMind (and the EU) use XK, the shape file CS-KM.
    m.put("CS-KM", "XK");
    return m;
  }
}
