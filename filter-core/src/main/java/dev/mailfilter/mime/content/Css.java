package dev.mailfilter.mime.content;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Just enough inline CSS and legacy colour syntax to tell whether text is hidden from the reader.
 */
final class Css {
  private Css() {}

  private static final Pattern SPACES = Pattern.compile("\\s+");

  /** A colour we could not read. */
  static final int UNKNOWN = -1;

  /** {@code transparent}, or an alpha of zero. */
  static final int TRANSPARENT = -2;

  /** What one {@code style} attribute says about visibility and colours. */
  record Style(boolean hides, boolean colorSet, int color, boolean backgroundSet, int background) {}

  // The CSS basic colours plus the near-white names spammers use for white-on-white text.
  private static final Map<String, Integer> NAMED =
      Map.ofEntries(
          Map.entry("black", 0x000000),
          Map.entry("silver", 0xC0C0C0),
          Map.entry("gray", 0x808080),
          Map.entry("grey", 0x808080),
          Map.entry("white", 0xFFFFFF),
          Map.entry("maroon", 0x800000),
          Map.entry("red", 0xFF0000),
          Map.entry("purple", 0x800080),
          Map.entry("fuchsia", 0xFF00FF),
          Map.entry("green", 0x008000),
          Map.entry("lime", 0x00FF00),
          Map.entry("olive", 0x808000),
          Map.entry("yellow", 0xFFFF00),
          Map.entry("navy", 0x000080),
          Map.entry("blue", 0x0000FF),
          Map.entry("teal", 0x008080),
          Map.entry("aqua", 0x00FFFF),
          Map.entry("orange", 0xFFA500),
          Map.entry("snow", 0xFFFAFA),
          Map.entry("ivory", 0xFFFFF0),
          Map.entry("ghostwhite", 0xF8F8FF),
          Map.entry("whitesmoke", 0xF5F5F5),
          Map.entry("floralwhite", 0xFFFAF0),
          Map.entry("azure", 0xF0FFFF),
          Map.entry("mintcream", 0xF5FFFA),
          Map.entry("seashell", 0xFFF5EE),
          Map.entry("honeydew", 0xF0FFF0),
          Map.entry("aliceblue", 0xF0F8FF),
          Map.entry("lavenderblush", 0xFFF0F5),
          Map.entry("linen", 0xFAF0E6),
          Map.entry("oldlace", 0xFDF5E6),
          Map.entry("beige", 0xF5F5DC),
          Map.entry("gainsboro", 0xDCDCDC),
          Map.entry("lightgray", 0xD3D3D3),
          Map.entry("lightgrey", 0xD3D3D3),
          Map.entry("darkgray", 0xA9A9A9),
          Map.entry("dimgray", 0x696969));

  /** Whether text in colour {@code fg} on background {@code bg} is (nearly) invisible. */
  static boolean near(int fg, int bg) {
    if (fg < 0 || bg < 0) {
      return false;
    }
    int dr = Math.abs(((fg >> 16) & 0xFF) - ((bg >> 16) & 0xFF));
    int dg = Math.abs(((fg >> 8) & 0xFF) - ((bg >> 8) & 0xFF));
    int db = Math.abs((fg & 0xFF) - (bg & 0xFF));
    return dr + dg + db <= 40;
  }

  static boolean isTransparent(int color) {
    return color == TRANSPARENT;
  }

  /**
   * Parses a CSS or legacy HTML colour ({@code #fff}, {@code #ffffff}, {@code ffffff}, {@code
   * rgb(255,255,255)}, {@code rgba(0,0,0,0)}, a name) into 0xRRGGBB, {@link #TRANSPARENT} or {@link
   * #UNKNOWN}.
   */
  static int color(String raw) {
    String v = raw.strip().toLowerCase(Locale.ROOT);
    if (v.length() > 64) {
      return UNKNOWN;
    }
    if (v.equals("transparent")) {
      return TRANSPARENT;
    }
    Integer named = NAMED.get(v);
    if (named != null) {
      return named;
    }
    String hex = v.startsWith("#") ? v.substring(1) : v;
    if ((hex.length() == 6 || hex.length() == 3) && isHex(hex)) {
      int x = Integer.parseInt(hex, 16);
      if (hex.length() == 3) {
        int r = (x >> 8) & 0xF;
        int g = (x >> 4) & 0xF;
        int b = x & 0xF;
        return (r * 17 << 16) | (g * 17 << 8) | (b * 17);
      }
      return x;
    }
    if (v.startsWith("rgb(") || v.startsWith("rgba(")) {
      int open = v.indexOf('(');
      int close = v.indexOf(')');
      String[] parts = v.substring(open + 1, close < 0 ? v.length() : close).split("[,\\s/]+");
      if (parts.length < 3) {
        return UNKNOWN;
      }
      int rgb = 0;
      for (int k = 0; k < 3; k++) {
        double d = number(parts[k]);
        if (Double.isNaN(d)) {
          return UNKNOWN;
        }
        if (parts[k].endsWith("%")) {
          d = d * 2.55;
        }
        rgb = (rgb << 8) | (int) Math.max(0, Math.min(255, Math.round(d)));
      }
      if (parts.length >= 4) {
        double a = number(parts[3]);
        if (!Double.isNaN(a) && (parts[3].endsWith("%") ? a / 100 : a) <= 0.05) {
          return TRANSPARENT;
        }
      }
      return rgb;
    }
    return UNKNOWN;
  }

  /** Reads the declarations of one inline {@code style} attribute. */
  static Style parse(String style) {
    boolean hides = false;
    int color = UNKNOWN;
    int background = UNKNOWN;
    boolean colorSet = false;
    boolean backgroundSet = false;
    boolean overflowHidden = false;
    boolean zeroBox = false;
    String[] declarations = style.toLowerCase(Locale.ROOT).split(";", 256);
    for (String declaration : declarations) {
      int colon = declaration.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String property = declaration.substring(0, colon).strip();
      String value = declaration.substring(colon + 1).replace("!important", "").strip();
      switch (property) {
        case "display" -> hides |= value.equals("none");
        case "visibility" -> hides |= value.equals("hidden") || value.equals("collapse");
        case "mso-hide" -> hides |= value.equals("all");
        case "opacity" -> {
          double d = number(value);
          hides |= !Double.isNaN(d) && (value.endsWith("%") ? d / 100 : d) <= 0.05;
        }
        case "font-size" -> hides |= tinyLength(value, 1);
        case "font" -> {
          for (String token : SPACES.split(value)) {
            if (tinyLength(token.contains("/") ? token.substring(0, token.indexOf('/')) : token, 1)
                && !token.isEmpty()
                && Character.isDigit(token.charAt(0))) {
              hides = true;
            }
          }
        }
        case "height", "max-height", "width", "max-width" -> zeroBox |= tinyLength(value, 0);
        case "overflow" -> overflowHidden |= value.equals("hidden");
        case "text-indent", "left", "top", "margin-left", "margin-top" -> {
          double d = number(value);
          hides |= !Double.isNaN(d) && d <= -999;
        }
        case "color" -> {
          colorSet = true;
          color = color(value);
        }
        case "background-color" -> {
          backgroundSet = true;
          background = color(value);
        }
        case "background", "background-image" -> {
          backgroundSet = true;
          // An image may be what the text stands on: its colour is then unknown.
          background = value.contains("url(") ? UNKNOWN : firstColor(value);
        }
        default -> {}
      }
    }
    return new Style(
        hides || (zeroBox && overflowHidden), colorSet, color, backgroundSet, background);
  }

  /** The first token of a shorthand value that reads as a colour (spaces inside "(...)" kept). */
  private static int firstColor(String value) {
    int depth = 0;
    int start = 0;
    for (int k = 0; k <= value.length(); k++) {
      char c = k < value.length() ? value.charAt(k) : ' ';
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth = Math.max(0, depth - 1);
      } else if (Character.isWhitespace(c) && depth == 0) {
        if (k > start) {
          int color = color(value.substring(start, k));
          if (color != UNKNOWN) {
            return color;
          }
        }
        start = k + 1;
      }
    }
    return UNKNOWN;
  }

  /** A length of at most {@code limitPx} pixels (or points), or zero in any unit. */
  private static boolean tinyLength(String value, double limitPx) {
    double d = number(value);
    if (Double.isNaN(d)) {
      return false;
    }
    if (d <= 0) {
      return true;
    }
    if (value.endsWith("px") || value.endsWith("pt")) {
      return d <= limitPx;
    }
    if (value.endsWith("em") || value.endsWith("rem")) {
      return d <= 0.1;
    }
    if (value.endsWith("%")) {
      return d <= 10;
    }
    return false;
  }

  /** The leading number of a CSS value ("12px" is 12), or NaN. */
  static double number(String value) {
    String v = value.strip();
    int end = 0;
    while (end < v.length() && end < 32) {
      char c = v.charAt(end);
      if ((c >= '0' && c <= '9') || c == '.' || (end == 0 && (c == '-' || c == '+'))) {
        end++;
      } else {
        break;
      }
    }
    try {
      return end == 0 ? Double.NaN : Double.parseDouble(v.substring(0, end));
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  private static boolean isHex(String s) {
    for (int k = 0; k < s.length(); k++) {
      if (Character.digit(s.charAt(k), 16) < 0 || s.charAt(k) > 'f') {
        return false;
      }
    }
    return true;
  }
}
