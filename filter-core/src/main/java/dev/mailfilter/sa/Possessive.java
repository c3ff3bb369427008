package dev.mailfilter.sa;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Makes {@code [^c]+c} possessive ({@code [^c]++c}) where {@link java.util.regex} would backtrack
 * in vain: Perl and PCRE do this themselves ("auto-possessification"), Java does not. {@code
 * __SUBJ_HAS_TO_2}'s {@code (?:[^\n]+\n+)*Subject: } over all header fields gave back every
 * character of every line, one at a time, each time {@code Subject: } was not next.
 *
 * <p>Why no match changes: a greedy {@code [^c]} run (quantifier {@code +}, {@code *} or {@code
 * {m,n}}) followed by the character {@code c} itself, which the next step needs at least once, can
 * only succeed where the run ends before a {@code c}; every shorter run leaves a character of
 * {@code [^c]} next, which {@code c} does not match. A backtracking search therefore reaches the
 * same first successful path with and without the given-back positions, so the same matches, with
 * the same groups, are found. Only ASCII characters without case ({@code \n}, {@code >}, {@code
 * "}...) are taken, so that case-insensitive flags change nothing; the rewrite works on the Java
 * pattern {@link PerlRegex} writes, outside classes, and gives up (returns the pattern unchanged)
 * on lookbehinds and {@code \Q} quoting, which it does not read.
 *
 * <p>The analyses that narrow where a pattern runs ({@link Literals}, {@link FirstChars}, {@link
 * StartLiterals}) read the pattern before the rewrite: the rewritten one matches the same at every
 * position.
 */
final class Possessive {
  private Possessive() {}

  /** The pattern with the runs made possessive, or {@code p} itself when there is none. */
  static Pattern of(Pattern p) {
    String s = p.pattern();
    String r = rewrite(s);
    if (r.equals(s)) {
      return p;
    }
    try {
      return Pattern.compile(r, p.flags());
    } catch (PatternSyntaxException e) {
      return p; // not expected; the pattern as written still works
    }
  }

  /** The rewritten Java pattern source. */
  static String rewrite(String s) {
    if (s.contains("(?<=") || s.contains("(?<!") || s.contains("\\Q")) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length() + 8);
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '\\') {
        out.append(s, i, Math.min(i + 2, s.length()));
        i += 2;
        continue;
      }
      if (c != '[') {
        out.append(c);
        i++;
        continue;
      }
      int end = classEnd(s, i);
      if (end < 0) {
        return s;
      }
      int q = end + 1;
      int negated = negatedChar(s, i, end);
      int qEnd = negated < 0 ? -1 : quantifierEnd(s, q);
      if (qEnd > 0 && (qEnd >= s.length() || (s.charAt(qEnd) != '?' && s.charAt(qEnd) != '+'))) {
        int after = literalEnd(s, qEnd, negated);
        if (after > 0 && (after >= s.length() || "?*{".indexOf(s.charAt(after)) < 0)) {
          out.append(s, i, qEnd).append('+');
          i = qEnd;
          continue;
        }
      }
      out.append(s, i, end + 1);
      i = end + 1;
    }
    return out.toString();
  }

  /** The index of the {@code ]} closing the class opened at {@code open}, or -1. */
  private static int classEnd(String s, int open) {
    int depth = 0;
    for (int i = open; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == '[') {
        depth++;
      } else if (c == ']' && i > open + 1 && !(i == open + 2 && s.charAt(open + 1) == '^')) {
        if (--depth == 0) {
          return i;
        }
      }
    }
    return -1;
  }

  /** The one character {@code [^c]} (from {@code open} to {@code end}) excludes, or -1. */
  private static int negatedChar(String s, int open, int end) {
    if (s.charAt(open + 1) != '^') {
      return -1;
    }
    String body = s.substring(open + 2, end);
    return switch (body) {
      case "\\n" -> '\n';
      case "\\r" -> '\r';
      case "\\t" -> '\t';
      default -> {
        if (body.length() == 2 && body.charAt(0) == '\\' && caseless(body.charAt(1))) {
          yield body.charAt(1);
        }
        if (body.length() == 1
            && caseless(body.charAt(0))
            && "[]^&-\\".indexOf(body.charAt(0)) < 0) {
          yield body.charAt(0);
        }
        yield -1;
      }
    };
  }

  /** Printable ASCII that is no letter or digit, so that no flag changes what matches it. */
  private static boolean caseless(char c) {
    return c > ' ' && c < 127 && !Character.isLetterOrDigit(c);
  }

  /** Where a greedy {@code +}, {@code *} or {@code {m,n}} from {@code q} ends, or -1. */
  private static int quantifierEnd(String s, int q) {
    if (q >= s.length()) {
      return -1;
    }
    char c = s.charAt(q);
    if (c == '+' || c == '*') {
      return q + 1;
    }
    if (c == '{') {
      int close = s.indexOf('}', q);
      if (close > q + 1 && s.substring(q + 1, close).matches("\\d+(,\\d*)?")) {
        return close + 1;
      }
    }
    return -1;
  }

  /** Where the literal character {@code ch} written at {@code at} ends, or -1 if it is not that. */
  private static int literalEnd(String s, int at, int ch) {
    if (at >= s.length()) {
      return -1;
    }
    char c = s.charAt(at);
    if (c == '\\' && at + 1 < s.length()) {
      char e = s.charAt(at + 1);
      int meant =
          switch (e) {
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            default -> caseless(e) ? e : -1;
          };
      return meant == ch ? at + 2 : -1;
    }
    if (c == ch && ".^$|()[]{}*+?".indexOf(c) < 0) {
      return at + 1;
    }
    return -1;
  }
}
