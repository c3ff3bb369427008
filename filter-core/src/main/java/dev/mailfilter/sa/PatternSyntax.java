package dev.mailfilter.sa;

/**
 * Walking the Java patterns that {@link PerlRegex} writes, for the analyses that read them ({@link
 * FirstChars}, {@link StartLiterals}, {@link Superset}): where a group, class or quantifier ends,
 * what a class or escape matches among the octets. Conservative: a construct not known throws
 * {@link GiveUp}, and sets of octets hold ASCII letters in both cases whatever the flags say (a
 * superset of what the pattern matches is always safe for these analyses).
 */
class PatternSyntax {
  /** Thrown where an analysis does not know a construct. */
  static final class GiveUp extends Exception {
    private static final long serialVersionUID = 1L;

    GiveUp() {
      super(null, null, false, false);
    }
  }

  /** The pattern. */
  final String p;

  PatternSyntax(String p) {
    this.p = p;
  }

  /**
   * Where the top-level alternatives of [from, to) end: the index of each top-level {@code |}, then
   * {@code to}. An alternative runs from the previous end plus one.
   */
  java.util.List<Integer> alternativeEnds(int from, int to) throws GiveUp {
    java.util.List<Integer> ends = new java.util.ArrayList<>();
    int depth = 0;
    for (int i = from; i < to; i++) {
      char c = p.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == '[') {
        i = classEnd(i) - 1;
      } else if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == '|' && depth == 0) {
        ends.add(i);
      }
    }
    ends.add(to);
    return ends;
  }

  /** The index after a quantifier starting at {@code i} (lazy or possessive), or {@code i}. */
  int quantifierEnd(int i) throws GiveUp {
    if (i >= p.length()) {
      return i;
    }
    char c = p.charAt(i);
    int j;
    if (c == '?' || c == '*' || c == '+') {
      j = i + 1;
    } else if (c == '{') {
      int close = p.indexOf('}', i);
      if (close < 0) {
        throw new GiveUp();
      }
      j = close + 1;
    } else {
      return i;
    }
    if (j < p.length() && (p.charAt(j) == '?' || p.charAt(j) == '+')) {
      j++;
    }
    return j;
  }

  /** Where a group's alternatives begin, or -1 for a flag setting {@code (?i)}. */
  int groupInner(int open, int end) throws GiveUp {
    if (p.charAt(open + 1) != '?') {
      return open + 1;
    }
    char k = p.charAt(open + 2);
    if (k == ':' || k == '>') {
      return open + 3;
    }
    if (k == '<') {
      int close = p.indexOf('>', open);
      if (close < 0 || close > end) {
        throw new GiveUp();
      }
      return close + 1; // a named group
    }
    for (int j = open + 2; j < end; j++) {
      char c = p.charAt(j);
      if (c == ')') {
        return -1;
      }
      if (c == ':') {
        return j + 1;
      }
      if (!Character.isLetter(c) && c != '-' && c != '^') {
        throw new GiveUp();
      }
    }
    throw new GiveUp();
  }

  int groupEnd(int open) throws GiveUp {
    int depth = 0;
    for (int j = open; j < p.length(); j++) {
      char c = p.charAt(j);
      if (c == '\\') {
        j++;
      } else if (c == '[') {
        j = classEnd(j) - 1;
      } else if (c == '(') {
        depth++;
      } else if (c == ')' && --depth == 0) {
        return j + 1;
      }
    }
    throw new GiveUp();
  }

  /** The index after the class opening at {@code open}; a nested class gives up. */
  int classEnd(int open) throws GiveUp {
    int j = open + 1;
    if (j < p.length() && p.charAt(j) == '^') {
      j++;
    }
    if (j < p.length() && p.charAt(j) == ']') {
      j++; // a leading ] is literal in Java too
    }
    for (; j < p.length(); j++) {
      char c = p.charAt(j);
      if (c == '\\') {
        j++;
      } else if (c == '[') {
        throw new GiveUp();
      } else if (c == ']') {
        return j + 1;
      }
    }
    throw new GiveUp();
  }

  /** The set of a class's contents in [from, to). */
  boolean[] charClass(int from, int to) throws GiveUp {
    boolean negated = from < to && p.charAt(from) == '^';
    int i = negated ? from + 1 : from;
    boolean[] set = new boolean[256];
    int prev = -1;
    while (i < to) {
      char c = p.charAt(i);
      if (c == '&' && i + 1 < to && p.charAt(i + 1) == '&') {
        throw new GiveUp();
      }
      if (c == '-' && prev >= 0 && i + 1 < to) {
        int[] hi = classChar(i + 1, to);
        if (hi == null) {
          throw new GiveUp(); // a range to a class escape
        }
        for (int x = prev; x <= Math.min(hi[0], 255); x++) {
          set[x] = true;
        }
        if (hi[0] < prev) {
          throw new GiveUp();
        }
        i = hi[1];
        prev = -1;
        continue;
      }
      int[] v = classChar(i, to);
      if (v == null) {
        or(set, escape(p.charAt(i + 1)));
        i += 2;
        prev = -1;
      } else {
        if (v[0] <= 255) {
          set[v[0]] = true;
        }
        prev = v[0];
        i = v[1];
      }
    }
    if (negated) {
      // Negate before folding: [^a] matches 'A' when the pattern is case-sensitive.
      for (int x = 0; x < 256; x++) {
        set[x] = !set[x];
      }
    }
    fold(set);
    return set;
  }

  /** One char of a class and the index after it, or null for a class escape (\d, \s...). */
  int[] classChar(int i, int to) throws GiveUp {
    char c = p.charAt(i);
    if (c != '\\') {
      return new int[] {c, i + 1};
    }
    if (i + 1 >= to) {
      throw new GiveUp();
    }
    char e = p.charAt(i + 1);
    if (e == 'x') {
      return hex(i + 2);
    }
    int v = control(e);
    if (v >= 0) {
      return new int[] {v, i + 2};
    }
    if (!Character.isLetterOrDigit(e)) {
      return new int[] {e, i + 2};
    }
    if ("dDwWsShHvV".indexOf(e) >= 0) {
      return null;
    }
    throw new GiveUp();
  }

  /** The value of {@code \xHH} or {@code \x{H...}} at {@code i} and the index after it. */
  int[] hex(int i) throws GiveUp {
    try {
      if (i < p.length() && p.charAt(i) == '{') {
        int close = p.indexOf('}', i);
        return new int[] {Integer.parseInt(p.substring(i + 1, close), 16), close + 1};
      }
      return new int[] {Integer.parseInt(p.substring(i, i + 2), 16), i + 2};
    } catch (RuntimeException e) {
      throw new GiveUp();
    }
  }

  static int control(char e) {
    return switch (e) {
      case 't' -> '\t';
      case 'n' -> '\n';
      case 'r' -> '\r';
      case 'f' -> '\f';
      case 'a' -> 7;
      case 'e' -> 27;
      default -> -1;
    };
  }

  /** The set of an escape outside a class (not \x, not an assertion). */
  boolean[] escape(char e) throws GiveUp {
    int v = control(e);
    if (v >= 0) {
      return single(v);
    }
    if (!Character.isLetterOrDigit(e)) {
      return single(e);
    }
    boolean[] s = new boolean[256];
    boolean negate = Character.isUpperCase(e);
    switch (Character.toLowerCase(e)) {
      case 'd' -> range(s, '0', '9');
      case 'w' -> {
        range(s, 'a', 'z');
        range(s, 'A', 'Z');
        range(s, '0', '9');
        s['_'] = true;
      }
      case 's' -> {
        for (char c : " \t\n\u000b\f\r".toCharArray()) {
          s[c] = true;
        }
      }
      case 'h' -> {
        s[' '] = true;
        s['\t'] = true;
        s[0xa0] = true;
      }
      case 'v' -> {
        for (int c : new int[] {'\n', 0x0b, '\f', '\r', 0x85}) {
          s[c] = true;
        }
      }
      default -> throw new GiveUp(); // backreferences, \p, \Q, \G, \R, \X, octal...
    }
    if (negate) {
      for (int x = 0; x < 256; x++) {
        s[x] = !s[x];
      }
    }
    return s;
  }

  static void range(boolean[] s, char a, char b) {
    for (char c = a; c <= b; c++) {
      s[c] = true;
    }
  }

  static boolean[] single(int c) {
    boolean[] s = new boolean[256];
    if (c <= 255) {
      s[c] = true;
      fold(s);
    }
    return s;
  }

  static boolean[] all() {
    boolean[] s = new boolean[256];
    java.util.Arrays.fill(s, true);
    return s;
  }

  /** ASCII letters in both cases: whatever the flags say, a superset is safe. */
  static void fold(boolean[] s) {
    for (char c = 'a'; c <= 'z'; c++) {
      boolean either = s[c] || s[c - 32];
      s[c] = either;
      s[c - 32] = either;
    }
  }

  static void or(boolean[] into, boolean[] from) {
    for (int i = 0; i < 256; i++) {
      into[i] |= from[i];
    }
  }

  static boolean[] and(boolean[] a, boolean[] b) {
    if (a == null) {
      return b.clone();
    }
    boolean[] out = new boolean[256];
    for (int i = 0; i < 256; i++) {
      out[i] = a[i] && b[i];
    }
    return out;
  }
}
