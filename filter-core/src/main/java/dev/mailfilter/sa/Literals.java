package dev.mailfilter.sa;

/**
 * The longest literal a translated pattern cannot match without: a run of plain characters in its
 * top-level sequence, none of them optional. A rule whose literal occurs nowhere in a message's
 * text (compared in ASCII lower case, so that case-insensitive patterns and inline {@code (?i)} are
 * covered) cannot hit, and its pattern is not run. A cheap first step towards the Aho-Corasick
 * prefilter of issue 13: one {@code indexOf} per rule instead of one match per rule and line.
 */
final class Literals {
  /** Shorter literals filter too little to be worth the search. */
  static final int MIN_LENGTH = 3;

  private Literals() {}

  /**
   * The required literal of a pattern in Java syntax as {@link PerlRegex} writes it, in ASCII lower
   * case; empty when there is none of {@link #MIN_LENGTH} characters or more (an alternation at the
   * top level, only classes and groups).
   */
  static String required(String p) {
    String best = "";
    StringBuilder run = new StringBuilder();
    int i = 0;
    int n = p.length();
    while (i < n) {
      char c = p.charAt(i);
      int literal = -1;
      int next;
      switch (c) {
        case '|' -> {
          return ""; // an alternation at the top level: no literal is required
        }
        case '(' -> {
          next = skipGroup(p, i);
          best = longer(best, run);
          run.setLength(0);
          i = skipQuantifier(p, next);
          continue;
        }
        case '[' -> {
          next = skipClass(p, i);
          best = longer(best, run);
          run.setLength(0);
          i = skipQuantifier(p, next);
          continue;
        }
        case '\\' -> {
          if (i + 1 >= n) {
            return "";
          }
          char e = p.charAt(i + 1);
          if (e == 'x' && i + 2 < n && p.charAt(i + 2) == '{') {
            int close = p.indexOf('}', i + 3);
            if (close < 0) {
              return "";
            }
            int v = Integer.parseInt(p.substring(i + 3, close), 16);
            literal = v <= 0xff ? v : -1;
            next = close + 1;
          } else if (!Character.isLetterOrDigit(e)) {
            literal = e;
            next = i + 2;
          } else {
            next = i + 2; // \d, \w, \b, \k<...> and the like: no literal here
            if (e == 'k' && i + 2 < n && p.charAt(i + 2) == '<') {
              next = p.indexOf('>', i + 3) + 1;
            } else if ((e == 'p' || e == 'P') && i + 2 < n && p.charAt(i + 2) == '{') {
              next = p.indexOf('}', i + 3) + 1;
            }
          }
        }
        case '.', '^', '$' -> next = i + 1;
        default -> {
          literal = c;
          next = i + 1;
        }
      }
      if (next <= 0) {
        return "";
      }
      boolean optional = optionalQuantifier(p, next);
      boolean repeated = next < n && (p.charAt(next) == '+' || p.charAt(next) == '{');
      if (literal >= 0 && !optional) {
        run.append(lower((char) literal));
      }
      if (literal < 0 || optional || repeated) {
        best = longer(best, run);
        run.setLength(0);
      }
      i = skipQuantifier(p, next);
    }
    best = longer(best, run);
    return best.length() >= MIN_LENGTH ? best : "";
  }

  private static String longer(String best, StringBuilder run) {
    return run.length() > best.length() ? run.toString() : best;
  }

  private static boolean optionalQuantifier(String p, int i) {
    if (i >= p.length()) {
      return false;
    }
    char q = p.charAt(i);
    return q == '?' || q == '*' || (q == '{' && i + 1 < p.length() && p.charAt(i + 1) == '0');
  }

  private static int skipQuantifier(String p, int i) {
    if (i >= p.length()) {
      return i;
    }
    char q = p.charAt(i);
    int j = i;
    if (q == '?' || q == '*' || q == '+') {
      j = i + 1;
    } else if (q == '{') {
      int close = p.indexOf('}', i);
      j = close < 0 ? p.length() : close + 1;
    } else {
      return i;
    }
    if (j < p.length() && (p.charAt(j) == '?' || p.charAt(j) == '+')) {
      j++; // lazy or possessive
    }
    return j;
  }

  /** The index after the group opening at {@code i}. */
  private static int skipGroup(String p, int i) {
    int depth = 0;
    int j = i;
    while (j < p.length()) {
      char c = p.charAt(j);
      if (c == '\\') {
        j += 2;
        continue;
      }
      if (c == '[') {
        j = skipClass(p, j);
        continue;
      }
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
        if (depth == 0) {
          return j + 1;
        }
      }
      j++;
    }
    return p.length();
  }

  /** The index after the character class opening at {@code i} (classes may nest in Java). */
  private static int skipClass(String p, int i) {
    int depth = 0;
    int j = i;
    while (j < p.length()) {
      char c = p.charAt(j);
      if (c == '\\') {
        j += 2;
        continue;
      }
      if (c == '[') {
        depth++;
      } else if (c == ']') {
        depth--;
        if (depth == 0) {
          return j + 1;
        }
      }
      j++;
    }
    return p.length();
  }

  static char lower(char c) {
    return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
  }

  /** The text in ASCII lower case. */
  static String lower(String s) {
    char[] out = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        if (out == null) {
          out = s.toCharArray();
        }
        out[i] = (char) (c + 32);
      }
    }
    return out == null ? s : new String(out);
  }
}
