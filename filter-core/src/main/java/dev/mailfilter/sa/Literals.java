package dev.mailfilter.sa;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The literals a translated pattern cannot match without: a set of strings, at least one of which
 * every match contains. A run of plain characters in the pattern's top-level sequence is such a
 * set, of one, or of each spelling when some are optional ({@code colou?r}); a required group whose
 * alternatives each require a literal gives the set of theirs. A rule none of whose literals occurs
 * in a message's text (compared in ASCII lower case, so that case-insensitive patterns and inline
 * {@code (?i)} are covered) cannot hit, and its pattern is not run: the {@link Prefilter} looks for
 * all of them in one pass over each text.
 */
final class Literals {
  /** Shorter literals filter too little to be worth the search. */
  static final int MIN_LENGTH = 3;

  /**
   * The {@link Prefilter}'s automaton finds any number of literals in one pass, so a large set
   * costs little more than a small one; per text it still spares the pattern every text holding
   * none of them ({@code __FILL_THIS_FORM_SHORT2}'s form words are about a hundred).
   */
  static final int MAX_ALTERNATIVES = 256;

  /** The most spellings a run of optional characters ({@code e-?mai?l}) is expanded into. */
  static final int MAX_SPELLINGS = 16;

  private Literals() {}

  /**
   * The literals of a pattern in Java syntax as {@link PerlRegex} writes it, in ASCII lower case;
   * empty when the pattern has no such set (each literal at least {@link #MIN_LENGTH} long, at most
   * {@link #MAX_ALTERNATIVES} of them).
   */
  static List<String> required(String p) {
    Set<String> s = alternatives(p, 0, p.length());
    return s == null ? List.of() : List.copyOf(s);
  }

  /** The literals of a top-level alternation in [from, to): null when a branch has none. */
  private static Set<String> alternatives(String p, int from, int to) {
    Set<String> out = new LinkedHashSet<>();
    int start = from;
    int i = from;
    while (i <= to) {
      if (i == to || p.charAt(i) == '|') {
        Set<String> branch = sequence(p, start, i);
        if (branch == null) {
          return null;
        }
        out.addAll(branch);
        if (out.size() > MAX_ALTERNATIVES) {
          return null;
        }
        start = i + 1;
        i++;
        continue;
      }
      char c = p.charAt(i);
      if (c == '\\') {
        i += 2;
      } else if (c == '[') {
        i = skipClass(p, i);
      } else if (c == '(') {
        i = skipGroup(p, i);
      } else {
        i++;
      }
    }
    return out;
  }

  /** The best literal set of a sequence without top-level alternation; null when none. */
  private static Set<String> sequence(String p, int from, int to) {
    Set<String> best = null;
    // The runs the text so far may be: one, or several when a literal character was optional.
    List<String> run = new ArrayList<>(List.of(""));
    int i = from;
    while (i < to) {
      char c = p.charAt(i);
      int literal = -1;
      int next;
      Set<String> group = null;
      switch (c) {
        case '(' -> {
          next = skipGroup(p, i);
          group = groupLiterals(p, i, next);
        }
        case '[' -> next = skipClass(p, i);
        case '\\' -> {
          if (i + 1 >= to) {
            return best(best, run);
          }
          char e = p.charAt(i + 1);
          if (e == 'x' && i + 2 < to && p.charAt(i + 2) == '{') {
            int close = p.indexOf('}', i + 3);
            if (close < 0) {
              return null;
            }
            int v = Integer.parseInt(p.substring(i + 3, close), 16);
            literal = v <= 0xff ? v : -1;
            next = close + 1;
          } else if (!Character.isLetterOrDigit(e)) {
            literal = e;
            next = i + 2;
          } else if (e == 'k' && i + 2 < to && p.charAt(i + 2) == '<') {
            next = p.indexOf('>', i + 3) + 1;
          } else if ((e == 'p' || e == 'P' || e == 'N') && i + 2 < to && p.charAt(i + 2) == '{') {
            next = p.indexOf('}', i + 3) + 1;
          } else {
            next = i + 2; // \d, \w, \b and the like: no literal here
          }
        }
        default -> {
          literal = c == '.' || c == '^' || c == '$' ? -1 : c;
          next = i + 1;
        }
      }
      if (next <= 0) {
        return null;
      }
      boolean optional = optionalQuantifier(p, next);
      boolean repeated = next < to && (p.charAt(next) == '+' || p.charAt(next) == '{');
      boolean fork = literal >= 0 && next < to && p.charAt(next) == '?';
      String ch = literal < 0 ? "" : String.valueOf(lower((char) literal));
      if (literal >= 0 && !optional) {
        run.replaceAll(r -> r + ch);
      } else if (fork && run.size() * 2 <= MAX_SPELLINGS) {
        // x? : every match goes on with or without it ("e-?mail" is "email" or "e-mail").
        int n = run.size();
        for (int k = 0; k < n; k++) {
          run.add(run.get(k) + ch);
        }
      } else if (literal < 0 || optional) {
        best = best(best, run);
        run = new ArrayList<>(List.of(""));
      }
      if (repeated) {
        best = best(best, run);
        run = new ArrayList<>(List.of(""));
      }
      if (group != null && !optional) {
        best = better(best, group);
      }
      i = skipQuantifier(p, next);
    }
    return best(best, run);
  }

  /** The literals of the group spanning [open, end), or null (lookarounds, flags, none). */
  private static Set<String> groupLiterals(String p, int open, int end) {
    int inner = open + 1;
    if (inner < end && p.charAt(inner) == '?') {
      char k = inner + 1 < end ? p.charAt(inner + 1) : ')';
      if (k == ':' || k == '>') {
        inner += 2;
      } else if (k == '<' && inner + 2 < end && Character.isLetter(p.charAt(inner + 2))) {
        inner = p.indexOf('>', inner) + 1; // a named group
      } else if (k == '=' || k == '!' || k == '<') {
        return null; // a lookaround consumes nothing
      } else {
        int colon = p.indexOf(':', inner);
        int close = p.indexOf(')', inner);
        if (colon < 0 || colon > close) {
          return null; // (?i) alone
        }
        inner = colon + 1; // (?i-s:...)
      }
    }
    return alternatives(p, inner, end - 1);
  }

  private static Set<String> best(Set<String> best, List<String> run) {
    return better(best, new LinkedHashSet<>(run));
  }

  /** The set whose shortest literal is longer; on a tie, the one with fewer alternatives. */
  private static Set<String> better(Set<String> a, Set<String> b) {
    if (b == null || minLength(b) < MIN_LENGTH) {
      return a;
    }
    if (a == null) {
      return b;
    }
    int ma = minLength(a);
    int mb = minLength(b);
    if (mb != ma) {
      return mb > ma ? b : a;
    }
    return b.size() < a.size() ? b : a;
  }

  private static int minLength(Set<String> s) {
    int m = Integer.MAX_VALUE;
    for (String x : s) {
      m = Math.min(m, x.length());
    }
    return s.isEmpty() ? 0 : m;
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
    int j;
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
