package dev.mailfilter.sa;

import dev.mailfilter.sa.PatternSyntax.GiveUp;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The octets a pattern's match can begin with, so that a search tries the pattern only where the
 * text has one of them: the rules without a literal for the {@link Prefilter} are mostly
 * obfuscation patterns ({@code FUZZY_*}: a long alternation of look-alike characters for each
 * letter) that {@link Matcher#find()} tries at every position of every body line, at a cost of
 * dozens of nanoseconds each.
 *
 * <p>The set is computed from the Java pattern that {@link PerlRegex} writes, conservatively: any
 * construct it does not know (backreferences, {@code \p{...}}, nested or intersected classes, octal
 * escapes, {@code \G}) gives up, zero-width assertions and lookarounds are skipped (a leading
 * positive lookahead narrows the set), ASCII letters count in both cases whatever the flags, and
 * chars above 255, which texts of octets do not hold, are always tried. A pattern that can match
 * the empty string has no set.
 *
 * <p>{@link #count} then tries the pattern with {@link Matcher#lookingAt()} on a region starting at
 * each candidate, with transparent and non-anchoring bounds so that lookbehinds, {@code \b}, {@code
 * ^} and {@code $} see the whole text: the same matches, at the same positions, as {@code find()}
 * (which tries each position in turn in the same way), minus the positions where no match can
 * begin.
 */
final class FirstChars {
  /**
   * Sets that begin a match at more than this share of the positions of ordinary text save too
   * little over {@code find()}: every candidate costs a region reset and a match attempt.
   */
  static final double MAX_SHARE = 0.35;

  /**
   * How often each octet occurs in the body of mail, roughly (English prose: letter frequencies,
   * one space in six, capitals a tenth of their letters, some digits and punctuation); only the
   * order of magnitude matters, to tell {@code [cCk@]} (a few percent) from {@code \W} (a fifth).
   */
  private static final double[] SHARE = new double[256];

  static {
    String letters = "etaoinsrhldcumfpgwybvkxjqz";
    double[] f = {
      .090, .065, .060, .058, .055, .055, .050, .047, .040, .030, .030, .022, .020, .020, .017,
      .015, .015, .015, .013, .011, .008, .006, .002, .001, .001, .001
    };
    for (int i = 0; i < letters.length(); i++) {
      SHARE[letters.charAt(i)] = f[i];
      SHARE[letters.charAt(i) - 32] = f[i] / 10;
    }
    SHARE[' '] = .16;
    for (char c = '0'; c <= '9'; c++) {
      SHARE[c] = .004;
    }
    for (char c : ".,-'\"/:()!?\n".toCharArray()) {
      SHARE[c] = .006;
    }
  }

  /** The most characters a skipped prefix may take ({@code (?:^|\\W)}, {@code [_\\W]{0,3}}). */
  static final int MAX_SKIP = 4;

  private final boolean[] set;
  private final int skip;

  /** The octets the skipped prefix may take; null when there is none. */
  private final boolean[] prefix;

  private FirstChars(boolean[] set, int skip, boolean[] prefix) {
    this.set = set;
    this.skip = skip;
    this.prefix = prefix;
  }

  /**
   * The first characters of a pattern's matches; null when unknown, too common ({@link
   * #MAX_SHARE}), or when the pattern can match the empty string.
   */
  static FirstChars of(Pattern p) {
    if ((p.flags() & (Pattern.COMMENTS | Pattern.LITERAL | Pattern.CANON_EQ)) != 0) {
      return null;
    }
    Parser parser = new Parser(p.pattern());
    int len = p.pattern().length();
    FirstChars whole = null;
    try {
      Result r = parser.alternation(0, len, true);
      if (!r.nullable && share(r.first) <= MAX_SHARE) {
        whole = new FirstChars(r.first, 0, null);
      }
    } catch (GiveUp e) {
      // and perhaps a short prefix is what makes it unknown or common: look past it
    }
    FirstChars past = null;
    try {
      int[] skip = new int[1];
      boolean[] prefix = new boolean[256];
      int rest = parser.shortPrefix(0, len, skip, prefix);
      if (rest > 0 && skip[0] > 0) {
        Result r = parser.sequence(rest, len, true);
        if (!r.nullable && share(r.first) <= MAX_SHARE) {
          past = new FirstChars(r.first, skip[0], prefix);
        }
      }
    } catch (GiveUp e) {
      // then only the whole pattern's set, if any
    }
    // Past a prefix, each candidate costs up to skip + 1 attempts: {@code (?:^|\W)(?=[nN...])}
    // begins at a fifth of all positions (any \W), its letter at a twentieth.
    if (whole == null || past != null && past.cost() < whole.cost()) {
      return past;
    }
    return whole;
  }

  /** The expected attempts per position of ordinary text. */
  private double cost() {
    return share(set) * (skip + 1);
  }

  private static double share(boolean[] set) {
    double share = 0;
    for (int c = 0; c < 256; c++) {
      share += set[c] ? SHARE[c] : 0;
    }
    return share;
  }

  @Override
  public String toString() {
    int n = 0;
    for (boolean b : set) {
      n += b ? 1 : 0;
    }
    return "FirstChars[" + n + " octets" + (skip > 0 ? ", after up to " + skip : "") + "]";
  }

  /**
   * Counts the matches of {@code p} in {@code text} as repeated {@code find()} would, up to {@code
   * limit}, trying only the positions whose char may begin a match.
   */
  int count(Pattern p, String text, int limit, Guard guard) {
    Matcher m = null;
    int n = 0;
    int i = 0;
    int len = text.length();
    search:
    while (n < limit) {
      int q = i;
      while (q < len) {
        char c = text.charAt(q);
        if (c > 0xff || set[c]) {
          break;
        }
        q++;
      }
      if (q >= len) {
        break;
      }
      if (m == null) {
        m = p.matcher(guard.wrap(text));
        m.useTransparentBounds(true);
        m.useAnchoringBounds(false);
      }
      // A match may begin up to skip characters before the one found, in order, if the prefix
      // can take every character between: a match whose prefix cannot take one of them ends its
      // prefix before it, at an earlier candidate, where its start was tried.
      int lo = q;
      for (int min = Math.max(i, q - skip); lo > min; lo--) {
        char b = text.charAt(lo - 1);
        if (b <= 0xff && !prefix[b]) {
          break;
        }
      }
      for (int start = lo; start <= q; start++) {
        m.region(start, len);
        if (m.lookingAt()) {
          n++;
          i = Math.max(m.end(), start + 1); // never empty: the pattern is not nullable
          continue search;
        }
      }
      i = q + 1;
    }
    return n;
  }

  /** A sub-pattern's first characters and whether it can match the empty string. */
  private record Result(boolean[] first, boolean nullable) {}

  private static final class Parser extends PatternSyntax {
    Parser(String p) {
      super(p);
    }

    /** Alternatives in [from, to). */
    Result alternation(int from, int to, boolean top) throws GiveUp {
      boolean[] first = new boolean[256];
      boolean nullable = false;
      int start = from;
      for (int i : alternativeEnds(from, to)) {
        Result r = sequence(start, i, top);
        or(first, r.first);
        nullable |= r.nullable;
        start = i + 1;
      }
      return new Result(first, nullable);
    }

    /** A sequence without top-level alternation in [from, to). */
    Result sequence(int from, int to, boolean top) throws GiveUp {
      boolean[] first = new boolean[256];
      boolean[] constraint = null; // a leading positive lookahead's first characters
      boolean consumedNothingYet = true;
      int i = from;
      while (i < to) {
        char c = p.charAt(i);
        boolean[] element;
        boolean zeroWidth = false;
        int next;
        switch (c) {
          case '(' -> {
            int end = groupEnd(i);
            if (p.startsWith("(?=", i)) {
              if (top && consumedNothingYet) {
                Result look = alternation(i + 3, end - 1, false);
                if (!look.nullable) {
                  constraint = and(constraint, look.first);
                }
              }
              zeroWidth = true;
              element = null;
            } else if (p.startsWith("(?!", i)
                || p.startsWith("(?<=", i)
                || p.startsWith("(?<!", i)) {
              zeroWidth = true;
              element = null;
            } else {
              int inner = groupInner(i, end);
              if (inner < 0) {
                zeroWidth = true; // (?i) and the like
                element = null;
              } else {
                Result g = alternation(inner, end - 1, false);
                if (g.nullable) {
                  or(first, g.first);
                  consumedNothingYet = false;
                  i = quantifierEnd(end);
                  continue;
                }
                element = g.first;
              }
            }
            next = end;
          }
          case '[' -> {
            next = classEnd(i);
            element = charClass(i + 1, next - 1);
          }
          case '\\' -> {
            if (i + 1 >= to) {
              throw new GiveUp();
            }
            char e = p.charAt(i + 1);
            next = i + 2;
            if ("bBAzZ".indexOf(e) >= 0) {
              zeroWidth = true;
              element = null;
            } else if (e == 'x') {
              int[] v = hex(i + 2);
              next = v[1];
              element = single(v[0]);
            } else {
              element = escape(e);
            }
          }
          case '^', '$' -> {
            zeroWidth = true;
            element = null;
            next = i + 1;
          }
          case '.' -> {
            element = all();
            next = i + 1;
          }
          case ')', '|', '*', '+', '?', '{' -> throw new GiveUp();
          default -> {
            element = single(c);
            next = i + 1;
          }
        }
        if (zeroWidth) {
          if (next < to && "*+?{".indexOf(p.charAt(next)) >= 0) {
            throw new GiveUp(); // a quantified assertion: rare, not worth the thought
          }
          i = next;
          continue;
        }
        int q = quantifierEnd(next);
        boolean optional = q > next && minZero(next);
        or(first, element);
        if (!optional) {
          if (constraint != null) {
            first = and(first, constraint);
          }
          return new Result(first, false);
        }
        consumedNothingYet = false;
        i = q;
      }
      return new Result(first, true);
    }

    /**
     * The end of a leading run of zero-width assertions and optional single characters ({@code
     * (?:^|\\W)}, {@code \\b}, {@code [_\\W]{0,3}}) at the top of a pattern without top-level
     * alternation, with the most characters it can take in {@code skip[0]} (at most {@link
     * #MAX_SKIP}) and the octets it can take in {@code chars}; -1 when there is none.
     */
    int shortPrefix(int from, int to, int[] skip, boolean[] chars) throws GiveUp {
      int i = from;
      int k = 0;
      while (i < to) {
        char c = p.charAt(i);
        int width; // the most characters the element takes, -1 if not a prefix element
        int next;
        if (c == '(' && p.startsWith("(?:", i)) {
          next = groupEnd(i);
          width = shortBranches(i + 3, next - 1, chars);
          if (next < to && "*+?{".indexOf(p.charAt(next)) >= 0) {
            width = -1;
          }
        } else if (c == '^' || c == '$') {
          next = i + 1;
          width = 0;
        } else if (c == '\\' && i + 1 < to && "bBAzZ".indexOf(p.charAt(i + 1)) >= 0) {
          next = i + 2;
          width = 0;
        } else if (c == '[' || c == '\\') {
          int end = c == '[' ? classEnd(i) : i + 2;
          int q = quantifierEnd(end);
          width = q > end ? optionalWidth(end, q) : -1;
          next = q;
          if (width >= 0) {
            or(chars, c == '[' ? charClass(i + 1, end - 1) : escape(p.charAt(i + 1)));
          }
        } else {
          width = -1;
          next = i;
        }
        if (width < 0) {
          break;
        }
        k += width;
        i = next;
      }
      if (k > MAX_SKIP || i == from) {
        return -1;
      }
      for (int j = from; j < to; j++) {
        if (p.charAt(j) == '|' && topLevel(from, j)) {
          return -1;
        }
      }
      skip[0] = k;
      return i;
    }

    /** Whether index {@code j} is outside every group and class opened after {@code from}. */
    private boolean topLevel(int from, int j) throws GiveUp {
      int depth = 0;
      for (int x = from; x < j; x++) {
        char c = p.charAt(x);
        if (c == '\\') {
          x++;
        } else if (c == '[') {
          x = classEnd(x) - 1;
        } else if (c == '(') {
          depth++;
        } else if (c == ')') {
          depth--;
        }
      }
      return depth == 0;
    }

    /**
     * 1 when each branch in [from, to) is one assertion or one single character, else -1; the
     * characters' octets go into {@code chars}.
     */
    private int shortBranches(int from, int to, boolean[] chars) throws GiveUp {
      int start = from;
      for (int i = from; i <= to; i++) {
        if (i < to && p.charAt(i) != '|') {
          char c = p.charAt(i);
          if (c == '(') {
            return -1;
          }
          if (c == '\\') {
            i++;
          } else if (c == '[') {
            i = classEnd(i) - 1;
          }
          continue;
        }
        String b = p.substring(start, i);
        boolean assertion = b.equals("^") || b.equals("$") || b.matches("\\\\[bBAzZ]");
        boolean single =
            b.length() == 1 && "()[]|*+?{.\\".indexOf(b.charAt(0)) < 0
                || b.matches("\\\\[dDwWsShHvV]|\\\\[^A-Za-z0-9]")
                || b.startsWith("[") && classEnd(start) == i;
        if (!assertion && !single) {
          return -1;
        }
        if (single) {
          or(
              chars,
              b.startsWith("[")
                  ? charClass(start + 1, i - 1)
                  : b.startsWith("\\") ? escape(b.charAt(1)) : single(b.charAt(0)));
        }
        start = i + 1;
      }
      return 1;
    }

    /** The most characters of an optional quantifier at [q, end), or -1 if not optional/bounded. */
    private int optionalWidth(int q, int end) {
      String quant = p.substring(q, end);
      if (quant.equals("?") || quant.equals("??") || quant.equals("?+")) {
        return 1;
      }
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("\\{0,(\\d)\\}[?+]?").matcher(quant);
      return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    private boolean minZero(int q) {
      char c = p.charAt(q);
      if (c == '?' || c == '*') {
        return true;
      }
      if (c == '+') {
        return false;
      }
      int j = q + 1;
      while (j < p.length() && p.charAt(j) == ' ') {
        j++;
      }
      return j < p.length() && (p.charAt(j) == '0' || p.charAt(j) == ',');
    }
  }
}
