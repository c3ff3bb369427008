package dev.mailfilter.web;

import java.util.Objects;

/**
 * HTML escaping and a tiny template: {@link #fill} puts escaped values into {@code {}} holes, so a
 * page cannot forget to escape. A value that is already HTML is passed as {@link Safe}.
 *
 * <p>No template library (Mustache, Thymeleaf, FreeMarker, Pebble): the pages are forms and tables
 * written in Java next to the code that fills them; a template language would add a dependency, a
 * second syntax and its own escaping rules to learn, for no page that needs loops or inheritance
 * beyond what Java has. Escaping every value by default is what matters, and {@link #fill} does.
 */
public final class Html {
  private Html() {}

  /** HTML that is already safe (built by {@link #fill} or escaped). */
  public record Safe(String html) {
    /** Checks the text. */
    public Safe {
      Objects.requireNonNull(html, "html");
    }

    @Override
    public String toString() {
      return html;
    }
  }

  /**
   * Escapes text for an element's content or a quoted attribute value: {@code & < > " '}. Null is
   * the empty string.
   */
  public static String escape(Object text) {
    if (text == null) {
      return "";
    }
    String s = text.toString();
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      String r =
          switch (c) {
            case '&' -> "&amp;";
            case '<' -> "&lt;";
            case '>' -> "&gt;";
            case '"' -> "&quot;";
            case '\'' -> "&#39;";
            default -> null;
          };
      if (r != null) {
        if (b == null) {
          b = new StringBuilder(s.length() + 16).append(s, 0, i);
        }
        b.append(r);
      } else if (b != null) {
        b.append(c);
      }
    }
    return b == null ? s : b.toString();
  }

  /**
   * Fills the {@code {}} holes of a template with the values, in order: each escaped, except a
   * {@link Safe}, which is inserted as it is.
   *
   * @throws IllegalArgumentException when the number of holes and values differ
   */
  public static Safe fill(String template, Object... values) {
    StringBuilder b = new StringBuilder(template.length() + 64);
    int from = 0;
    int n = 0;
    int at;
    while ((at = template.indexOf("{}", from)) >= 0) {
      if (n >= values.length) {
        throw new IllegalArgumentException("more {} than values in: " + template);
      }
      b.append(template, from, at);
      Object v = values[n++];
      b.append(v instanceof Safe s ? s.html() : escape(v));
      from = at + 2;
    }
    if (n != values.length) {
      throw new IllegalArgumentException("more values than {} in: " + template);
    }
    return new Safe(b.append(template, from, template.length()).toString());
  }

  /** Joins fragments. */
  public static Safe join(Iterable<Safe> parts) {
    StringBuilder b = new StringBuilder();
    parts.forEach(p -> b.append(p.html()));
    return new Safe(b.toString());
  }

  /** A form's hidden CSRF field for the request's session. */
  public static Safe csrfField(WebRequest q) {
    return fill(
        "<input type=\"hidden\" name=\"" + WebServer.CSRF_FIELD + "\" value=\"{}\">", q.csrf());
  }
}
