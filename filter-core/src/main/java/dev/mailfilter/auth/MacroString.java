package dev.mailfilter.auth;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A parsed {@code macro-string} (RFC 7208 section 7.1): literal text and {@code %{...}} macros,
 * checked when the record is parsed so that a bad macro anywhere is a permerror before evaluation.
 *
 * @param text the source text
 * @param parts literals and macros in order
 * @param endsWithMacro whether the last token is a {@code macro-expand} (for {@code domain-end})
 */
record MacroString(String text, List<Part> parts, boolean endsWithMacro) {
  private static final String DELIMITERS = ".-+,/_=";
  private static final String LETTERS = "slodiphcrtv";
  private static final String EXPLANATION_ONLY = "crt";
  // toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
  private static final Pattern TOPLABEL =
      Pattern.compile("[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9]");
  // Beyond any real count of parts (a name has at most 127 labels): a larger DIGIT takes all.
  private static final int MAX_DIGITS = 1000;

  sealed interface Part {}

  /** Literal text, the escapes {@code %%}, {@code %_} and {@code %-} already replaced. */
  record Literal(String text) implements Part {}

  /**
   * One {@code %{...}}.
   *
   * @param letter the macro letter, lower case
   * @param urlEscape whether the letter was upper case: the value is URL-escaped
   * @param digits how many right-hand parts to keep; 0 keeps all
   * @param reverse whether the parts are reversed first
   * @param delimiters the characters that split the value (default {@code "."})
   */
  record Macro(char letter, boolean urlEscape, int digits, boolean reverse, String delimiters)
      implements Part {}

  /** Gives a macro letter's value; {@code p} may cost DNS lookups. */
  interface Values {
    String value(char letter) throws SpfException;
  }

  /**
   * Parses a macro-string; {@code explanation} allows the explanation-only letters {@code c},
   * {@code r}, {@code t} and spaces ({@code explain-string}, RFC 7208 section 6.2).
   */
  static MacroString parse(String s, boolean explanation) throws SpfException {
    List<Part> parts = new ArrayList<>();
    StringBuilder lit = new StringBuilder();
    boolean lastMacro = false;
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 1 >= s.length()) {
          throw SpfException.permerror("'%' at the end of \"" + s + "\"");
        }
        char n = s.charAt(i + 1);
        switch (n) {
          case '%' -> lit.append('%');
          case '_' -> lit.append(' ');
          case '-' -> lit.append("%20");
          case '{' -> {
            int end = s.indexOf('}', i + 2);
            if (end < 0) {
              throw SpfException.permerror("unterminated macro in \"" + s + "\"");
            }
            if (!lit.isEmpty()) {
              parts.add(new Literal(lit.toString()));
              lit.setLength(0);
            }
            parts.add(macro(s.substring(i + 2, end), explanation, s));
            i = end + 1;
            lastMacro = true;
            continue;
          }
          default -> throw SpfException.permerror("bad macro '%" + n + "' in \"" + s + "\"");
        }
        i += 2;
        lastMacro = true;
        continue;
      }
      boolean ok = (c >= 0x21 && c <= 0x7e) || (explanation && c == ' ');
      if (!ok) {
        throw SpfException.permerror(
            String.format(Locale.ROOT, "character U+%04X not allowed in \"%s\"", (int) c, s));
      }
      lit.append(c);
      lastMacro = false;
      i++;
    }
    if (!lit.isEmpty()) {
      parts.add(new Literal(lit.toString()));
    }
    return new MacroString(s, List.copyOf(parts), lastMacro);
  }

  private static Macro macro(String body, boolean explanation, String s) throws SpfException {
    if (body.isEmpty()) {
      throw SpfException.permerror("empty macro in \"" + s + "\"");
    }
    char letter = body.charAt(0);
    char lower = Character.toLowerCase(letter);
    if (letter > 0x7f || LETTERS.indexOf(lower) < 0) {
      throw SpfException.permerror("unknown macro letter '" + letter + "' in \"" + s + "\"");
    }
    if (!explanation && EXPLANATION_ONLY.indexOf(lower) >= 0) {
      throw SpfException.permerror(
          "macro '" + letter + "' is only allowed in explanations: \"" + s + "\"");
    }
    int i = 1;
    long digits = 0;
    boolean anyDigit = false;
    while (i < body.length() && body.charAt(i) >= '0' && body.charAt(i) <= '9') {
      digits = Math.min(MAX_DIGITS, digits * 10 + (body.charAt(i) - '0'));
      anyDigit = true;
      i++;
    }
    if (anyDigit && digits == 0) {
      throw SpfException.permerror("macro keeps zero parts in \"" + s + "\"");
    }
    boolean reverse = false;
    if (i < body.length() && (body.charAt(i) == 'r' || body.charAt(i) == 'R')) {
      reverse = true;
      i++;
    }
    String delimiters = body.substring(i);
    for (int k = 0; k < delimiters.length(); k++) {
      if (DELIMITERS.indexOf(delimiters.charAt(k)) < 0) {
        throw SpfException.permerror("bad macro transformer in \"" + s + "\"");
      }
    }
    return new Macro(
        lower,
        Character.isUpperCase(letter),
        (int) digits,
        reverse,
        delimiters.isEmpty() ? "." : delimiters);
  }

  /** Parses a {@code domain-spec}: a macro-string ending in a macro or in {@code "." toplabel}. */
  static MacroString domainSpec(String s) throws SpfException {
    if (s.isEmpty()) {
      throw SpfException.permerror("empty domain-spec");
    }
    MacroString m = parse(s, false);
    if (!m.endsWithMacro()) {
      Part last = m.parts().get(m.parts().size() - 1);
      String tail = ((Literal) last).text();
      if (tail.endsWith(".")) {
        tail = tail.substring(0, tail.length() - 1);
      }
      int dot = tail.lastIndexOf('.');
      if (dot < 0 || !TOPLABEL.matcher(tail.substring(dot + 1)).matches()) {
        throw SpfException.permerror("domain-spec \"" + s + "\" does not end in a top label");
      }
    }
    return m;
  }

  /** The expansion (RFC 7208 section 7.3). */
  String expand(Values values) throws SpfException {
    StringBuilder b = new StringBuilder();
    for (Part p : parts) {
      switch (p) {
        case Literal l -> b.append(l.text());
        case Macro m -> b.append(expand(m, values.value(m.letter())));
      }
    }
    return b.toString();
  }

  private static String expand(Macro m, String value) {
    List<String> split = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < value.length(); i++) {
      if (m.delimiters().indexOf(value.charAt(i)) >= 0) {
        split.add(value.substring(start, i));
        start = i + 1;
      }
    }
    split.add(value.substring(start));
    if (m.reverse()) {
      Collections.reverse(split);
    }
    if (m.digits() > 0 && m.digits() < split.size()) {
      split = split.subList(split.size() - m.digits(), split.size());
    }
    String joined = String.join(".", split);
    return m.urlEscape() ? urlEscape(joined) : joined;
  }

  // RFC 7208 section 7.3: upper-case macros are escaped as RFC 3986 says; unreserved stays.
  private static String urlEscape(String s) {
    StringBuilder b = new StringBuilder();
    for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
      int c = x & 0xff;
      if ((c >= 'A' && c <= 'Z')
          || (c >= 'a' && c <= 'z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '.'
          || c == '_'
          || c == '~') {
        b.append((char) c);
      } else {
        b.append('%').append(String.format(Locale.ROOT, "%02X", c));
      }
    }
    return b.toString();
  }

  /**
   * A domain expanded for a lookup: without a trailing dot, and cut from the left by whole labels
   * to 253 characters (RFC 7208 section 7.3).
   */
  String expandDomain(Values values) throws SpfException {
    String d = expand(values);
    if (d.endsWith(".")) {
      d = d.substring(0, d.length() - 1);
    }
    while (d.length() > 253) {
      int dot = d.indexOf('.');
      if (dot < 0) {
        break;
      }
      d = d.substring(dot + 1);
    }
    return d;
  }

  @Override
  public String toString() {
    return text;
  }
}
