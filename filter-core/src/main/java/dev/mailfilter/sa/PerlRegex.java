package dev.mailfilter.sa;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Translates the Perl regular expressions of SpamAssassin rules to {@link java.util.regex}.
 *
 * <p>The texts rules match are byte strings in SpamAssassin (UTF-8 octets); the check gives them as
 * Java strings of one char per octet (ISO-8859-1), so {@code \xNN} escapes and UTF-8 literals in the
 * rule files mean what they mean in Perl, and {@code \w}, {@code \d}, {@code \s} and case folding
 * stay ASCII as Perl's are on byte strings. Every pattern is compiled with {@link
 * Pattern#UNIX_LINES}: only {@code \n} ends a line for {@code .}, {@code ^} and {@code $}, as in
 * Perl.
 *
 * <p>Differences handled (each has a test in {@code PerlRegexTest}): delimiters ({@code /.../},
 * {@code m{...}}, {@code m!...!}, {@code qr/.../}); flags {@code i s m x} ({@code /x} is applied
 * here because Java's comments mode also drops white space inside character classes, Perl's does
 * not); {@code \z} and {@code \Z}; {@code $}; possessive quantifiers and atomic groups (the same in
 * Java); named groups (Perl allows {@code _} in names, Java does not; {@code (?P<n>)}, {@code
 * (?'n')}, {@code \k'n'}, {@code \g{n}}, {@code (?P=n)}); inline {@code (?i)} and Perl's charset
 * modifiers {@code a u l d} (dropped: Java reads {@code d} and {@code u} as other flags); {@code
 * \Q...\E}; POSIX classes {@code [[:alpha:]]}; {@code \h} and {@code \v} (the same sets on
 * ISO-8859-1 text); {@code {,n}} (Perl 5.34+: up to n) and a {@code {} that starts no quantifier
 * (literal in Perl, an error in Java); {@code [}, {@code &} and a leading {@code ]} inside a class
 * (literal in Perl); octal escapes ({@code \012}, {@code \o{...}}, and {@code \12} that is octal
 * when fewer than 12 groups precede it); {@code \xH}, {@code \x{...}}; {@code \N}; {@code \b} in a
 * class (backspace); unknown letter escapes (the letter itself in Perl); {@code (?#...)} comments.
 *
 * <p>Unsupported, reported with the reason: {@code \K}, recursion ({@code (?R)}, {@code (?1)},
 * {@code (?&name)}), code blocks ({@code (?{...})}), conditionals, branch reset {@code (?|...)},
 * backtracking verbs {@code (*...)}, case-changing escapes (upper and lower case escapes such as {@code \U} and {@code \L}), inline {@code
 * (?x)} and {@code (?n)}, {@code \b{...}}, and anything else Java refuses.
 */
final class PerlRegex {
  private static final Map<String, String> POSIX = new HashMap<>();

  static {
    for (String name :
        new String[] {
          "alpha", "digit", "alnum", "upper", "lower", "space", "punct", "print", "graph", "cntrl",
          "xdigit", "blank", "ascii"
        }) {
      POSIX.put(name, Character.toUpperCase(name.charAt(0)) + name.substring(1));
    }
    POSIX.put("xdigit", "XDigit");
  }

  private final String src;
  private final boolean extended;
  private final StringBuilder out = new StringBuilder();
  private final Map<String, String> groupNames = new HashMap<>();
  private int pos;
  private int groups;

  private PerlRegex(String src, boolean extended) {
    this.src = src;
    this.extended = extended;
  }

  /**
   * Compiles a rule's pattern as written in a {@code .cf} file: {@code /re/flags}, {@code
   * m{re}flags}, {@code m!re!flags}, {@code qr/re/flags}.
   *
   * @throws Unsupported when it is not a delimited pattern or has a feature Java lacks
   */
  static Pattern compile(String written) throws Unsupported {
    String s = written.strip();
    int start = 0;
    if (s.startsWith("qr") && s.length() > 2 && !Character.isLetterOrDigit(s.charAt(2))) {
      start = 2;
    } else if (s.startsWith("m") && s.length() > 1 && !Character.isLetterOrDigit(s.charAt(1))) {
      start = 1;
    }
    if (start >= s.length()) {
      throw new Unsupported("not a regular expression: " + written);
    }
    char open = s.charAt(start);
    if (Character.isLetterOrDigit(open) || Character.isWhitespace(open) || open == '\\') {
      throw new Unsupported("not a delimited regular expression: " + written);
    }
    char close =
        switch (open) {
          case '{' -> '}';
          case '(' -> ')';
          case '[' -> ']';
          case '<' -> '>';
          default -> open;
        };
    int end = s.length();
    while (end > start + 1 && Character.isLetter(s.charAt(end - 1))) {
      end--;
    }
    if (end <= start + 1 || s.charAt(end - 1) != close) {
      throw new Unsupported("regular expression without its closing " + close + ": " + written);
    }
    return compile(s.substring(start + 1, end - 1), s.substring(end));
  }

  /**
   * Compiles a pattern's body with Perl flags.
   *
   * @throws Unsupported for an unknown flag or a feature Java lacks
   */
  static Pattern compile(String body, String flags) throws Unsupported {
    int f = Pattern.UNIX_LINES;
    boolean x = false;
    for (char c : flags.toCharArray()) {
      switch (c) {
        case 'i' -> f |= Pattern.CASE_INSENSITIVE;
        case 's' -> f |= Pattern.DOTALL;
        case 'm' -> f |= Pattern.MULTILINE;
        case 'x' -> x = true;
        // compile once, global, charset modifiers, preserve: no meaning for a match test
        case 'o', 'g', 'a', 'u', 'l', 'd', 'p' -> {}
        default -> throw new Unsupported("unknown regular expression flag " + c);
      }
    }
    String java = translate(body, x);
    try {
      return Pattern.compile(java, f);
    } catch (PatternSyntaxException e) {
      throw new Unsupported("Java rejects the pattern: " + e.getDescription());
    } catch (StackOverflowError e) {
      throw new Unsupported("pattern too deeply nested");
    }
  }

  /** The Java syntax for a Perl pattern body; {@code extended} is Perl's {@code /x}. */
  static String translate(String body, boolean extended) throws Unsupported {
    PerlRegex t = new PerlRegex(body, extended);
    t.run();
    return t.out.toString();
  }

  private void run() throws Unsupported {
    while (pos < src.length()) {
      char c = src.charAt(pos++);
      switch (c) {
        case '\\' -> escape(false);
        case '[' -> charClass();
        case '(' -> group();
        case '{' -> brace();
        case ' ', '\t', '\n', '\r', '\f' -> {
          if (!extended) {
            out.append(c);
          }
        }
        case '#' -> {
          if (extended) {
            int nl = src.indexOf('\n', pos);
            pos = nl < 0 ? src.length() : nl + 1;
          } else {
            out.append(c);
          }
        }
        default -> out.append(c);
      }
    }
  }

  /** After a {@code (}: the kind of group. */
  private void group() throws Unsupported {
    if (peek() == '*') {
      throw new Unsupported("backtracking control verb (*...)");
    }
    if (peek() != '?') {
      groups++;
      out.append('(');
      return;
    }
    pos++; // the ?
    char c = peek();
    switch (c) {
      case '#' -> {
        int close = src.indexOf(')', pos);
        if (close < 0) {
          throw new Unsupported("unterminated (?# comment");
        }
        pos = close + 1;
      }
      case ':', '=', '!', '>' -> {
        pos++;
        out.append("(?").append(c);
      }
      case '<' -> {
        if (at(pos + 1) == '=' || at(pos + 1) == '!') {
          out.append("(?<").append(at(pos + 1));
          pos += 2;
        } else {
          pos++;
          namedGroup('>');
        }
      }
      case '\'' -> {
        pos++;
        namedGroup('\'');
      }
      case 'P' -> {
        char k = at(pos + 1);
        if (k == '<') {
          pos += 2;
          namedGroup('>');
        } else if (k == '=') {
          pos += 2;
          String name = readName(')');
          out.append("\\k<").append(javaName(name)).append('>');
        } else {
          throw new Unsupported("recursion (?P>name)");
        }
      }
      case '{' -> throw new Unsupported("embedded code (?{...})");
      case '?' -> throw new Unsupported("embedded code (??{...})");
      case '|' -> throw new Unsupported("branch reset (?|...)");
      case '(' -> throw new Unsupported("conditional (?(...)...)");
      case '&', 'R', '+' -> throw new Unsupported("recursion (?" + c + "...)");
      default -> {
        if (Character.isDigit(c) || (c == '-' && Character.isDigit(at(pos + 1)))) {
          throw new Unsupported("recursion (?" + c + "...)");
        }
        inlineFlags();
      }
    }
  }

  /** {@code (?flags)}, {@code (?flags:}, {@code (?^flags:}: Java's subset of Perl's. */
  private void inlineFlags() throws Unsupported {
    boolean caret = peek() == '^';
    if (caret) {
      pos++;
    }
    StringBuilder on = new StringBuilder();
    StringBuilder off = new StringBuilder();
    boolean negative = false;
    while (true) {
      if (pos >= src.length()) {
        throw new Unsupported("unterminated (? group");
      }
      char c = src.charAt(pos++);
      if (c == ')' || c == ':') {
        if (caret) {
          for (char k : new char[] {'i', 'm', 's'}) {
            if (on.indexOf(String.valueOf(k)) < 0) {
              off.append(k);
            }
          }
        }
        String flags = on + (off.isEmpty() ? "" : "-" + off);
        if (c == ')') {
          if (!flags.isEmpty()) {
            out.append("(?").append(flags).append(')');
          }
        } else {
          out.append("(?").append(flags).append(':');
        }
        return;
      }
      switch (c) {
        case '-' -> negative = true;
        case 'i', 'm', 's' -> (negative ? off : on).append(c);
        // Perl's charset modifiers; harmless on byte strings, and Java reads d and u otherwise
        case 'a', 'u', 'l', 'd', 'p', 'o' -> {}
        case 'x' -> throw new Unsupported("inline (?x) modifier");
        case 'n' -> throw new Unsupported("inline (?n) modifier");
        default -> throw new Unsupported("unknown group (?" + c);
      }
    }
  }

  private void namedGroup(char close) throws Unsupported {
    String name = readName(close);
    groups++;
    out.append("(?<").append(javaName(name)).append('>');
  }

  private String readName(char close) throws Unsupported {
    int end = src.indexOf(close, pos);
    if (end < 0) {
      throw new Unsupported("unterminated group name");
    }
    String name = src.substring(pos, end);
    if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw new Unsupported("bad group name: " + name);
    }
    pos = end + 1;
    return name;
  }

  /** Java group names are letters and digits only; Perl's may have underscores. */
  private String javaName(String perl) {
    return groupNames.computeIfAbsent(perl, n -> "g" + (groupNames.size() + 1) + "n");
  }

  /** A {@code {} outside a class: a quantifier, or a literal brace as Perl reads it. */
  private void brace() {
    int close = src.indexOf('}', pos);
    if (close > 0) {
      String inner = src.substring(pos, close).replace(" ", "");
      if (inner.matches("\\d+(,\\d*)?")) {
        out.append('{').append(inner).append('}');
        pos = close + 1;
        return;
      }
      if (inner.matches(",\\d+")) {
        out.append("{0").append(inner).append('}');
        pos = close + 1;
        return;
      }
    }
    out.append("\\{");
  }

  private void charClass() throws Unsupported {
    out.append('[');
    if (peek() == '^') {
      out.append('^');
      pos++;
    }
    if (peek() == ']') {
      out.append("\\]");
      pos++;
    }
    while (true) {
      if (pos >= src.length()) {
        throw new Unsupported("unterminated character class");
      }
      char c = src.charAt(pos++);
      switch (c) {
        case ']' -> {
          out.append(']');
          return;
        }
        case '\\' -> escape(true);
        case '[' -> {
          if (peek() == ':') {
            posixClass();
          } else if (peek() == '=' || peek() == '.') {
            throw new Unsupported("POSIX collating element [" + peek() + "...]");
          } else {
            out.append("\\[");
          }
        }
        case '&' -> out.append("\\&");
        default -> out.append(c);
      }
    }
  }

  private void posixClass() throws Unsupported {
    int end = src.indexOf(":]", pos + 1);
    if (end < 0) {
      out.append("\\[");
      return;
    }
    String name = src.substring(pos + 1, end);
    boolean negated = name.startsWith("^");
    if (negated) {
      name = name.substring(1);
    }
    String java;
    if (name.equals("word")) {
      java = negated ? "\\W" : "\\w";
    } else {
      String p = POSIX.get(name);
      if (p == null) {
        throw new Unsupported("unknown POSIX class [:" + name + ":]");
      }
      java = (negated ? "\\P{" : "\\p{") + p + "}";
    }
    out.append(java);
    pos = end + 2;
  }

  /** After a backslash, inside or outside a class. */
  private void escape(boolean inClass) throws Unsupported {
    if (pos >= src.length()) {
      throw new Unsupported("pattern ends with a backslash");
    }
    char c = src.charAt(pos++);
    switch (c) {
      case 'K' -> throw new Unsupported("\\K (keep the match start) has no Java equivalent");
      case 'U', 'L', 'u', 'l', 'F' -> throw new Unsupported("case-changing escape \\" + c);
      case 'Q' -> quoted();
      case 'E' -> {} // a stray \E ends nothing
      case 'N' -> {
        if (peek() == '{') {
          int end = src.indexOf('}', pos);
          if (end < 0) {
            throw new Unsupported("unterminated \\N{");
          }
          String name = src.substring(pos + 1, end);
          pos = end + 1;
          if (name.startsWith("U+")) {
            out.append("\\x{").append(name.substring(2)).append('}');
          } else {
            out.append("\\N{").append(name).append('}');
          }
        } else if (inClass) {
          throw new Unsupported("\\N inside a character class");
        } else {
          out.append("[^\\n]");
        }
      }
      case 'x' -> hex();
      case 'o' -> {
        if (peek() != '{') {
          throw new Unsupported("\\o without {");
        }
        int end = src.indexOf('}', pos);
        if (end < 0) {
          throw new Unsupported("unterminated \\o{");
        }
        int value = parseInt(src.substring(pos + 1, end), 8);
        pos = end + 1;
        codePoint(value);
      }
      case '0' -> octal(0);
      case '1', '2', '3', '4', '5', '6', '7', '8', '9' -> {
        pos--;
        int end = pos;
        while (end < src.length() && Character.isDigit(src.charAt(end))) {
          end++;
        }
        int n = Integer.parseInt(src.substring(pos, Math.min(end, pos + 9)));
        if (!inClass && (n < 10 || n <= groups)) {
          out.append("(?:\\").append(n).append(')');
          pos = end;
        } else if (c <= '7') {
          octal(0);
        } else {
          throw new Unsupported("\\" + n + ": a back reference to a group that does not exist");
        }
      }
      case 'g' -> backReference();
      case 'k' -> {
        char open = peek();
        char close =
            switch (open) {
              case '<' -> '>';
              case '{' -> '}';
              case '\'' -> '\'';
              default -> throw new Unsupported("\\k without a group name");
            };
        pos++;
        out.append("\\k<").append(javaName(readName(close))).append('>');
      }
      case 'b' -> {
        if (inClass) {
          out.append("\\x08");
        } else if (peek() == '{') {
          throw new Unsupported("\\b{...} boundary types");
        } else {
          out.append("\\b");
        }
      }
      case 'B' -> {
        if (peek() == '{') {
          throw new Unsupported("\\B{...} boundary types");
        }
        out.append(inClass ? "B" : "\\B");
      }
      case 'p', 'P' -> {
        out.append('\\').append(c);
        if (peek() == '{') {
          int end = src.indexOf('}', pos);
          if (end < 0) {
            throw new Unsupported("unterminated \\" + c + "{");
          }
          out.append(src, pos, end + 1);
          pos = end + 1;
        } else if (pos < src.length()) {
          out.append(src.charAt(pos++));
        }
      }
      case 'c' -> {
        if (pos >= src.length()) {
          throw new Unsupported("\\c at the end");
        }
        out.append("\\c").append(Character.toUpperCase(src.charAt(pos++)));
      }
      // The same in Java.
      case 'd', 'D', 'w', 'W', 's', 'S', 'h', 'H', 'v', 'V', 't', 'n', 'r', 'f', 'e', 'a' ->
          out.append('\\').append(c);
      case 'A', 'z', 'Z', 'G', 'R', 'X' -> {
        if (inClass) {
          out.append(c); // Perl: the letter itself inside a class
        } else {
          out.append('\\').append(c);
        }
      }
      default -> {
        if (Character.isLetter(c)) {
          out.append(c); // Perl reads an unknown letter escape as the letter
        } else if (c < 0x80) {
          out.append('\\').append(c);
        } else {
          codePoint(c);
        }
      }
    }
  }

  /** {@code \g1}, {@code \g{1}}, {@code \g{-1}}, {@code \g{name}}. */
  private void backReference() throws Unsupported {
    String ref;
    if (peek() == '{') {
      int end = src.indexOf('}', pos);
      if (end < 0) {
        throw new Unsupported("unterminated \\g{");
      }
      ref = src.substring(pos + 1, end);
      pos = end + 1;
    } else {
      int end = pos;
      if (end < src.length() && src.charAt(end) == '-') {
        end++;
      }
      while (end < src.length() && Character.isDigit(src.charAt(end))) {
        end++;
      }
      ref = src.substring(pos, end);
      pos = end;
    }
    if (ref.matches("-?\\d+")) {
      int n = Integer.parseInt(ref);
      if (n < 0) {
        n = groups + 1 + n;
      }
      if (n <= 0) {
        throw new Unsupported("\\g" + ref + ": no such group");
      }
      out.append("(?:\\").append(n).append(')');
    } else if (ref.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      out.append("\\k<").append(javaName(ref)).append('>');
    } else {
      throw new Unsupported("bad back reference \\g" + ref);
    }
  }

  private void hex() throws Unsupported {
    if (peek() == '{') {
      int end = src.indexOf('}', pos);
      if (end < 0) {
        throw new Unsupported("unterminated \\x{");
      }
      String digits = src.substring(pos + 1, end).strip();
      pos = end + 1;
      codePoint(digits.isEmpty() ? 0 : parseInt(digits, 16));
      return;
    }
    int end = pos;
    while (end < src.length() && end < pos + 2 && Character.digit(src.charAt(end), 16) >= 0) {
      end++;
    }
    int value = end == pos ? 0 : Integer.parseInt(src.substring(pos, end), 16);
    pos = end;
    codePoint(value);
  }

  /** Up to three octal digits from pos (after a leading {@code \0} when {@code value} is 0). */
  private void octal(int value) throws Unsupported {
    int v = value;
    int digits = 0;
    int max = src.charAt(pos - 1) == '0' ? 2 : 3;
    while (digits < max && pos < src.length() && src.charAt(pos) >= '0' && src.charAt(pos) <= '7') {
      v = v * 8 + (src.charAt(pos++) - '0');
      digits++;
    }
    codePoint(v);
  }

  private void codePoint(int value) throws Unsupported {
    if (value < 0 || value > Character.MAX_CODE_POINT) {
      throw new Unsupported("character code out of range: " + value);
    }
    out.append("\\x{").append(Integer.toHexString(value)).append('}');
  }

  /** {@code \Q...\E}: every character literal. */
  private void quoted() {
    int end = src.indexOf("\\E", pos);
    String literal = end < 0 ? src.substring(pos) : src.substring(pos, end);
    pos = end < 0 ? src.length() : end + 2;
    for (int i = 0; i < literal.length(); i++) {
      char c = literal.charAt(i);
      if (Character.isLetterOrDigit(c) || c >= 0x80) {
        out.append(c);
      } else if (c == '\n') {
        out.append("\\n");
      } else {
        out.append('\\').append(c);
      }
    }
  }

  private static int parseInt(String digits, int radix) throws Unsupported {
    try {
      return Integer.parseInt(digits.strip().toLowerCase(Locale.ROOT), radix);
    } catch (NumberFormatException e) {
      throw new Unsupported("bad number in escape: " + digits);
    }
  }

  private char peek() {
    return at(pos);
  }

  private char at(int i) {
    return i < src.length() ? src.charAt(i) : '\0';
  }
}
