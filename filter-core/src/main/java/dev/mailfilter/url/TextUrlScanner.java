package dev.mailfilter.url;

/**
 * Finds URLs in plain text exactly where the regular expression
 *
 * <pre>{@code (?i)(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>"'{}|\\^`]+}</pre>
 *
 * finds them on JDK 21 and later, in the same order, with the same {@code Matcher.find()} loop
 * semantics (the next search starts where the last match ended), without the regex engine: that
 * engine tried the word boundary and both alternatives at every position of every body, about a
 * sixth of the CPU time of classifying a message. This scanner only stops on the three possible
 * first letters and allocates nothing but the matched text.
 *
 * <p>The regex's semantics, spelled out: {@code (?i)} without {@code UNICODE_CASE} folds ASCII
 * letters only (so {@code "httpſ://"}, whose long s {@link String#regionMatches(boolean, int,
 * String, int, int)} would fold to {@code s}, is not a scheme); {@code \s} is the six ASCII spaces;
 * {@code \b} before an ASCII letter holds when the code point before it is neither an ASCII word
 * character {@code [A-Za-z0-9_]} nor a non-spacing mark with a base character (see {@link
 * #boundaryBefore}); a prefix with no URL character after it is no match at that position and the
 * search goes on at the next one.
 *
 * <p>Not thread-safe; one scanner per text, cheap to create.
 */
final class TextUrlScanner {
  /** Bits of the characters below 64 that end a URL: the ASCII spaces, {@code " ' < >}. */
  private static final long STOP_LOW = stopBits(0, "\t\n\u000B\f\r \"'<>");

  /** Bits of the characters 64 to 127 that end a URL: {@code \ ^ ` { | }}. */
  private static final long STOP_HIGH = stopBits(64, "\\^`{|}");

  private final String text;
  private int start = -1;
  private int end;

  TextUrlScanner(String text) {
    this.text = text;
  }

  /** Finds the next URL after the previous one; false when there is none. */
  boolean find() {
    String s = text;
    int n = s.length();
    for (int i = end; i < n; i++) {
      int c = s.charAt(i) | 0x20; // ASCII lower case; no other char folds onto h, f or w this way
      int prefix;
      if (c == 'h') {
        if (!regionIs(s, i + 1, "ttp")) {
          continue;
        }
        if (regionIs(s, i + 4, "://")) {
          prefix = 7;
        } else if (regionIs(s, i + 4, "s://")) {
          prefix = 8;
        } else {
          continue;
        }
      } else if (c == 'f') {
        if (!regionIs(s, i + 1, "tp://")) {
          continue;
        }
        prefix = 6;
      } else if (c == 'w') {
        if (!regionIs(s, i + 1, "ww.")) {
          continue;
        }
        prefix = 4;
      } else {
        continue;
      }
      int e = i + prefix;
      if (e == n || !isUrlChar(s.charAt(e)) || !boundaryBefore(s, i)) {
        continue;
      }
      do {
        e++;
      } while (e < n && isUrlChar(s.charAt(e)));
      start = i;
      end = e;
      return true;
    }
    start = -1;
    end = n;
    return false;
  }

  /** Where the URL last found starts. */
  int start() {
    return start;
  }

  /** Where the URL last found ends (exclusive). */
  int end() {
    return end;
  }

  /** The URL last found. */
  String group() {
    if (start < 0) {
      throw new IllegalStateException("no URL found");
    }
    return text.substring(start, end);
  }

  /**
   * True when the text at {@code i} is {@code lower} with ASCII letters in either case (the regex's
   * {@code (?i)} without {@code UNICODE_CASE}).
   */
  static boolean regionIs(String s, int i, String lower) {
    int len = lower.length();
    if (i + len > s.length()) {
      return false;
    }
    for (int k = 0; k < len; k++) {
      char a = s.charAt(i + k);
      char b = lower.charAt(k);
      if (a != b && !(b >= 'a' && b <= 'z' && a == b - ('a' - 'A'))) {
        return false;
      }
    }
    return true;
  }

  /** The regex's {@code [^\s<>"'{}|\\^`]}. */
  static boolean isUrlChar(char c) {
    if (c < 64) {
      return (STOP_LOW & (1L << c)) == 0;
    }
    return c >= 128 || (STOP_HIGH & (1L << (c - 64))) == 0;
  }

  /**
   * The regex's {@code \b} before the ASCII letter at {@code i} (JDK 21+ {@code Pattern.Bound}):
   * the code point before must not count as a word character. ASCII word characters count; so does
   * a non-spacing mark when, walking back char by char over non-spacing marks, a Unicode letter or
   * digit comes first ({@code Pattern.hasBaseCharacter}). The walk is kept as the JDK has it,
   * quirks included: it reads the char at each index as a code point, so a supplementary mark
   * (whose last char is a low surrogate) never has a base. Marks are rare before a URL; the walk
   * runs only there, and each run of marks is walked from one position at most.
   */
  private static boolean boundaryBefore(String s, int i) {
    if (i == 0) {
      return true;
    }
    char c = s.charAt(i - 1);
    if (c < 128) {
      return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_');
    }
    if (Character.getType(Character.codePointBefore(s, i)) != Character.NON_SPACING_MARK) {
      return true;
    }
    for (int x = i - 1; x >= 0; x--) {
      int ch = Character.codePointAt(s, x);
      if (Character.isLetterOrDigit(ch)) {
        return false;
      }
      if (Character.getType(ch) != Character.NON_SPACING_MARK) {
        return true;
      }
    }
    return true;
  }

  private static long stopBits(int base, String chars) {
    long bits = 0;
    for (int k = 0; k < chars.length(); k++) {
      bits |= 1L << (chars.charAt(k) - base);
    }
    return bits;
  }
}
