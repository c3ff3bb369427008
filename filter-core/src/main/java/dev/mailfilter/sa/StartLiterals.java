package dev.mailfilter.sa;

import dev.mailfilter.sa.PatternSyntax.GiveUp;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The strings a pattern's matches begin with, once its leading optional parts are left out, so that
 * a rule that only needs to know whether it hits tries its pattern only where one of them begins.
 *
 * <p>{@code __FILL_THIS_FORM_SHORT2} and {@code __FILL_THIS_FORM_LONG2} are {@code (?:X? W S){3}}
 * and {@code {5}}: W an alternation of about a hundred form words ({@code name}, {@code age},
 * {@code address}...), X an optional "your current " in several languages. Their first characters
 * are nearly every letter and the literals the {@link Prefilter} knows ({@code age}, {@code one},
 * {@code res}) are in nearly every long line, so {@link Matcher#find()} tried the whole alternation
 * at nearly every position of every line: a third of all rule time on the corpus.
 *
 * <p>Why leaving out leading optional parts keeps every hit: if {@code X? R} matches at {@code s}
 * with X taking {@code k} characters, then {@code R} matches at {@code s + k} with the same
 * characters, and so does {@code X? R} (X taking none); the same holds for the first iteration of a
 * repeated group and inside every branch of a leading group. Assertions ({@code \b}, {@code ^},
 * lookarounds) see the same positions of the same text, so they answer the same; a leading
 * assertion ends the leaving out. A backtracking search finds a match at a position whenever one
 * exists, except through possessive quantifiers, atomic groups and backreferences: patterns with
 * one are not analysed. The count of matches may differ (the matches found begin later), so this
 * serves only rules counted once, not {@code multiple} ones.
 *
 * <p>The strings are computed from the Java pattern that {@link PerlRegex} writes, conservatively:
 * any construct not known gives up (null), literal characters are compared in ASCII lower case (a
 * superset of what a case-sensitive pattern matches), non-ASCII characters and classes of more than
 * {@link #MAX_CLASS} characters end a string. Every string is at least {@link #MIN_LENGTH} long, or
 * there is no set. Immutable and thread-safe.
 */
final class StartLiterals {
  /** Shorter strings begin too many positions to be worth the search. */
  static final int MIN_LENGTH = 2;

  /** The most strings a set may have (the form words' are about a hundred). */
  static final int MAX_STRINGS = 512;

  /** Larger classes end a string rather than multiply the set. */
  static final int MAX_CLASS = 4;

  private final List<String> strings;

  /** The input class of each octet (A-Z share a-z's); 0 for octets in no string. */
  private final short[] classes = new short[256];

  private final int width;

  /** Trie transitions: {@code next[state * width + class]}, 0 for none; the root is state 1. */
  private final int[] next;

  /** The states that end a string; state 0 (none) too, so that a walk stops there. */
  private final boolean[] end;

  /** The octets that begin a string, in both cases. */
  private final boolean[] first = new boolean[256];

  private StartLiterals(List<String> strings) {
    this.strings = strings;
    int k = 1;
    int states = 2;
    for (String s : strings) {
      states += s.length();
      for (int i = 0; i < s.length(); i++) {
        if (classes[s.charAt(i)] == 0) {
          classes[s.charAt(i)] = (short) k++;
        }
      }
    }
    for (char c = 'A'; c <= 'Z'; c++) {
      classes[c] = classes[c + 32];
    }
    this.width = k;
    int[] t = new int[states * width];
    boolean[] e = new boolean[states];
    int count = 2;
    for (String s : strings) {
      int st = 1;
      for (int i = 0; i < s.length(); i++) {
        int slot = st * width + classes[s.charAt(i)];
        if (t[slot] == 0) {
          t[slot] = count++;
        }
        st = t[slot];
      }
      e[st] = true;
      char c0 = s.charAt(0);
      first[c0] = true;
      if (c0 >= 'a' && c0 <= 'z') {
        first[c0 - 32] = true;
      }
    }
    e[0] = true;
    this.next = t;
    this.end = e;
  }

  /** The strings, in ASCII lower case, none a prefix of another. */
  List<String> strings() {
    return strings;
  }

  /**
   * The strings every match of {@code p} begins with once its leading optional parts are left out;
   * null when unknown, when one would be shorter than {@link #MIN_LENGTH} or when there would be
   * more than {@link #MAX_STRINGS}.
   */
  static StartLiterals of(Pattern p) {
    if ((p.flags() & (Pattern.COMMENTS | Pattern.LITERAL | Pattern.CANON_EQ)) != 0) {
      return null;
    }
    String s = p.pattern();
    try {
      checkBacktrackingIsExhaustive(s);
      Result r = new Parser(s).alternation(0, s.length(), true);
      List<String> out = new ArrayList<>();
      for (String x : r.strings) {
        if (x.length() < MIN_LENGTH) {
          return null;
        }
        out.add(x);
      }
      // A string with another as its prefix adds nothing: the shorter begins there too.
      out.removeIf(x -> out.stream().anyMatch(y -> y.length() < x.length() && x.startsWith(y)));
      return out.isEmpty() ? null : new StartLiterals(List.copyOf(out));
    } catch (GiveUp e) {
      return null;
    }
  }

  /**
   * Whether {@code p} has a match in {@code text}, as {@link Matcher#find()} would say, trying it
   * only at the positions where one of the strings begins (see the class comment for why no hit is
   * lost).
   */
  boolean find(Pattern p, String text, Guard guard) {
    Matcher m = null;
    int len = text.length();
    int w = width;
    for (int s = 0; s < len; s++) {
      // A tight scan to the next octet that begins a string, as in FirstChars.
      char c = text.charAt(s);
      while (c > 0xff || !first[c]) {
        if (++s >= len) {
          return false;
        }
        c = text.charAt(s);
      }
      int st = next[w + classes[c]];
      for (int j = s + 1; !end[st]; j++) {
        if (j >= len) {
          st = 0;
          break;
        }
        char d = text.charAt(j);
        st = next[st * w + (d <= 0xff ? classes[d] : 0)];
        if (st == 0) {
          break;
        }
      }
      if (st != 0) {
        if (m == null) {
          m = p.matcher(guard.wrap(text));
          m.useTransparentBounds(true);
          m.useAnchoringBounds(false);
        }
        m.region(s, len);
        if (m.lookingAt()) {
          return true;
        }
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "StartLiterals" + (strings.size() > 8 ? "[" + strings.size() + " strings]" : strings);
  }

  /**
   * Gives up on possessive quantifiers, atomic groups and backreferences, after which a
   * backtracking search may miss a match that exists at a position.
   */
  private static void checkBacktrackingIsExhaustive(String p) throws GiveUp {
    int depth = 0; // of character classes, which nest in Java
    for (int i = 0; i < p.length(); i++) {
      char c = p.charAt(i);
      if (c == '\\') {
        char e = i + 1 < p.length() ? p.charAt(i + 1) : ' ';
        if (depth == 0 && (e >= '0' && e <= '9' || e == 'k' || e == 'G' || e == 'Q')) {
          throw new GiveUp();
        }
        i++;
      } else if (c == '[') {
        depth++;
      } else if (c == ']' && depth > 0) {
        depth--;
      } else if (depth == 0) {
        if (c == '(' && p.startsWith("(?>", i)) {
          throw new GiveUp();
        }
        boolean quantifier = c == '*' || c == '+' || c == '}' || c == '?' && p.charAt(i - 1) != '(';
        if (quantifier && i + 1 < p.length() && p.charAt(i + 1) == '+') {
          throw new GiveUp();
        }
      }
    }
  }

  /**
   * A sub-pattern's strings: every match begins with one of them; when exact, the sub-pattern
   * matches those strings and nothing else.
   */
  private record Result(Set<String> strings, boolean exact) {
    static Result unknown() {
      return new Result(Set.of(""), false);
    }
  }

  private static final class Parser extends PatternSyntax {
    Parser(String p) {
      super(p);
    }

    /** Alternatives in [from, to); {@code drop}: leading optional parts may be left out. */
    Result alternation(int from, int to, boolean drop) throws GiveUp {
      Set<String> out = new LinkedHashSet<>();
      boolean exact = true;
      int start = from;
      for (int i : alternativeEnds(from, to)) {
        Result r = sequence(start, i, drop);
        out.addAll(r.strings);
        exact &= r.exact;
        if (out.size() > MAX_STRINGS) {
          throw new GiveUp();
        }
        start = i + 1;
      }
      return new Result(out, exact);
    }

    /** A sequence without top-level alternation in [from, to). */
    Result sequence(int from, int to, boolean drop) throws GiveUp {
      Set<String> s = Set.of("");
      int i = from;
      while (i < to) {
        char c = p.charAt(i);
        Result element; // null for a zero-width element
        boolean assertion = false;
        int next;
        switch (c) {
          case '(' -> {
            next = groupEnd(i);
            if (p.startsWith("(?=", i)
                || p.startsWith("(?!", i)
                || p.startsWith("(?<=", i)
                || p.startsWith("(?<!", i)) {
              assertion = true;
              element = null;
            } else {
              int inner = groupInner(i, next);
              element = inner < 0 ? null : new Result(null, false); // parsed below
            }
          }
          case '[' -> {
            next = classEnd(i);
            element = classStrings(i + 1, next - 1);
          }
          case '\\' -> {
            if (i + 1 >= to) {
              throw new GiveUp();
            }
            char e = p.charAt(i + 1);
            next = i + 2;
            if ("bBAzZ".indexOf(e) >= 0) {
              assertion = true;
              element = null;
            } else if (e == 'x') {
              int[] v = hex(i + 2);
              next = v[1];
              element = literal(v[0]);
            } else if (e == 'p' || e == 'P') {
              next = p.indexOf('}', i) + 1;
              if (next <= 0 || p.charAt(i + 2) != '{') {
                throw new GiveUp();
              }
              element = Result.unknown();
            } else {
              int v = control(e);
              if (v >= 0 || !Character.isLetterOrDigit(e)) {
                element = literal(v >= 0 ? v : e);
              } else if ("dDwWsShHvV".indexOf(e) >= 0) {
                element = Result.unknown();
              } else {
                throw new GiveUp(); // \R, \X, \N, \c, octal and the like
              }
            }
          }
          case '^', '$' -> {
            assertion = true;
            element = null;
            next = i + 1;
          }
          case '.' -> {
            element = Result.unknown();
            next = i + 1;
          }
          case ')', '|', '*', '+', '?', '{' -> throw new GiveUp();
          default -> {
            element = literal(c);
            next = i + 1;
          }
        }
        int q = quantifierEnd(next);
        String quant = p.substring(next, q);
        if (element == null) {
          if (!quant.isEmpty()) {
            throw new GiveUp(); // a quantified assertion: rare, not worth the thought
          }
          // An assertion pins the start: nothing after it may be left out. (?i) does not.
          drop &= !assertion;
          i = next;
          continue;
        }
        boolean optional = !quant.isEmpty() && minZero(quant);
        if (optional && drop) {
          i = q; // left out: see the class comment
          continue;
        }
        if (c == '(') {
          // Inside the group's first iteration, leading optional parts may be left out as here.
          element = alternation(groupInner(i, next), next - 1, drop);
        }
        drop = false;
        if (optional) {
          if (!element.exact || !(quant.equals("?") || quant.equals("??"))) {
            return new Result(s, false);
          }
          Set<String> with = concat(s, element.strings);
          if (with == null) {
            return new Result(s, false);
          }
          Set<String> both = new LinkedHashSet<>(s);
          both.addAll(with);
          s = both;
          i = q;
          continue;
        }
        Set<String> with = concat(s, element.strings);
        if (with == null) {
          return new Result(s, false);
        }
        s = with;
        if (!element.exact || !(quant.isEmpty() || quant.equals("{1}"))) {
          return new Result(s, false); // the first iteration, then unknown
        }
        i = q;
      }
      return new Result(s, true);
    }

    private static Set<String> concat(Set<String> a, Set<String> b) {
      if ((long) a.size() * b.size() > MAX_STRINGS) {
        return null;
      }
      Set<String> out = new LinkedHashSet<>();
      for (String x : a) {
        for (String y : b) {
          out.add(x + y);
        }
      }
      return out;
    }

    /** One character: exact when ASCII, unknown above it (case folding beyond ASCII). */
    private static Result literal(int c) {
      if (c >= 0x80) {
        return Result.unknown();
      }
      return new Result(Set.of(String.valueOf(Literals.lower((char) c))), true);
    }

    private static boolean minZero(String quant) {
      char c = quant.charAt(0);
      return c == '?'
          || c == '*'
          || c == '{' && (quant.startsWith("{0,") || quant.startsWith("{0}"));
    }

    /**
     * A class of at most {@link #MAX_CLASS} plain ASCII characters as their strings, anything else
     * unknown.
     */
    private Result classStrings(int from, int to) throws GiveUp {
      Set<String> out = new LinkedHashSet<>();
      for (int i = from; i < to; i++) {
        char c = p.charAt(i);
        if (c == '^' && i == from || c == '-' || c == '&' || c >= 0x80) {
          return Result.unknown();
        }
        if (c == '\\') {
          char e = i + 1 < to ? p.charAt(i + 1) : 'x';
          if (Character.isLetterOrDigit(e)) {
            return Result.unknown(); // \s, \x{..}, ranges of escapes: not worth it
          }
          c = e;
          i++;
        }
        out.add(String.valueOf(Literals.lower(c)));
      }
      if (out.isEmpty() || out.size() > MAX_CLASS) {
        return Result.unknown();
      }
      return new Result(out, true);
    }
  }
}
