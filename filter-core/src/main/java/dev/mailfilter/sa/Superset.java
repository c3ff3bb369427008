package dev.mailfilter.sa;

import dev.mailfilter.sa.PatternSyntax.GiveUp;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A deterministic automaton for a regular superset of a pattern's matches, run once over a whole
 * text to tell that the pattern has no match in it: the text is then not searched at all. Most
 * rules hit few texts, and {@link java.util.regex} costs tens of nanoseconds per attempt at a
 * position where the automaton costs one table lookup per character, whatever the pattern ({@code
 * __FILL_THIS_FORM_SHORT1}'s line numbers before a hundred form words, the {@code FUZZY_*}
 * alternations of look-alike characters, the {@code __DRUGS_*} letters with up to three separators
 * between them).
 *
 * <p>The superset is built from the Java pattern that {@link PerlRegex} writes: zero-width
 * assertions and lookarounds are left out (they only forbid matches), atomic groups, possessive and
 * lazy quantifiers match as plain ones (which allow every match they allow), repetition bounds
 * above {@link #MAX_REPEAT} become unbounded, ASCII letters match in both cases and {@code .} any
 * octet. Every match of the pattern is then a match of the superset, so a text with no match of the
 * superset has none of the pattern. Constructs not known (backreferences, {@code \Q}, {@code
 * (?x)}...) give up, and so does an automaton of more than {@link #MAX_STATES} states: no superset,
 * the pattern runs as before. The automaton reads octets: a text holding a char above 255 is always
 * searched.
 *
 * <p>Why not a library: dk.brics.automaton builds such automata but its subset construction has no
 * bound (a site's rule could make loading take forever) and its jar no module name; RE2/J has no
 * DFA (it simulates the NFA, several steps per character). Immutable and thread-safe.
 */
final class Superset {
  /** Larger repetition bounds are widened (a lower bound lowered, an upper one dropped). */
  static final int MAX_REPEAT = 8;

  /** The most states of the nondeterministic automaton built from the pattern. */
  static final int MAX_NFA = 4_000;

  /** The most states of the deterministic automaton. */
  static final int MAX_STATES = 1_000;

  /**
   * The most steps building one automaton may take: a pattern whose automaton would be large gives
   * up early rather than make loading the rules slow.
   */
  static final int MAX_WORK = 1_000_000;

  /** The most automata tried for one pattern, each smaller than the one before. */
  static final int MAX_TRIES = 4;

  /** Each octet's input class. */
  private final int[] classes;

  /**
   * Transitions: {@code next[state + class]} is the next state; a state is its row's offset, 0 the
   * row of "a match ends here".
   */
  private final int[] next;

  private final int start;
  private final int states;
  private final int width;

  private Superset(int[] classes, int width, int[] next, int start, int states) {
    this.classes = classes;
    this.width = width;
    this.next = next;
    this.start = start;
    this.states = states;
  }

  /**
   * The automaton of a pattern's superset; null when the pattern uses a construct not known, when
   * the superset matches the empty string (every text), or when it is too large.
   */
  static Superset of(Pattern p) {
    int known = Pattern.CASE_INSENSITIVE | Pattern.DOTALL | Pattern.MULTILINE | Pattern.UNIX_LINES;
    if ((p.flags() & ~known) != 0) {
      return null;
    }
    Node whole;
    try {
      whole = new Parser(p.pattern()).alternation(0, p.pattern().length());
    } catch (GiveUp e) {
      return null;
    }
    // Smaller supersets when the automaton is too large: every repetition loosened to x* or x+
    // (one copy of x), then the leading part of the pattern's top-level sequence alone (a text
    // holding a match of "A B" holds one of "A"), longest first.
    List<Node> tries = new ArrayList<>(List.of(whole, whole));
    if (whole instanceof Seq q) {
      for (int k = q.nodes().size() - 1; k > 0 && tries.size() < MAX_TRIES; k--) {
        tries.add(new Seq(q.nodes().subList(0, k)));
      }
    }
    for (int t = 0; t < tries.size(); t++) {
      try {
        Nfa nfa = new Nfa(t > 0, new int[1]);
        int[] f = nfa.build(tries.get(t));
        return nfa.determinize(f[0], f[1]);
      } catch (TooLarge e) {
        // then a smaller superset
      }
    }
    return null;
  }

  /** Thrown when an automaton would be too large. */
  private static final class TooLarge extends Exception {
    private static final long serialVersionUID = 1L;

    TooLarge() {
      super(null, null, false, false);
    }
  }

  /**
   * Whether the pattern may match somewhere in {@code text}: false only when no substring is in the
   * superset.
   */
  boolean mayMatch(String text) {
    int[] t = next;
    int[] cls = classes;
    int s = start;
    for (int i = 0, n = text.length(); i < n; i++) {
      char c = text.charAt(i);
      if (c > 0xff) {
        return true;
      }
      s = t[s + cls[c]];
      if (s == 0) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "Superset[" + states + " states, " + width + " classes]";
  }

  /** A sub-pattern of the superset. */
  private sealed interface Node permits Chars, Seq, Alt, Rep {}

  /** One octet of a set. */
  private record Chars(boolean[] set) implements Node {}

  /** A sequence; empty for a zero-width element. */
  private record Seq(List<Node> nodes) implements Node {}

  private record Alt(List<Node> nodes) implements Node {}

  /** {@code max} -1 for unbounded. */
  private record Rep(Node node, int min, int max) implements Node {}

  private static final Node EMPTY = new Seq(List.of());

  private static final class Parser extends PatternSyntax {
    Parser(String p) {
      super(p);
    }

    Node alternation(int from, int to) throws GiveUp {
      List<Node> out = new ArrayList<>();
      int start = from;
      for (int i : alternativeEnds(from, to)) {
        out.add(sequence(start, i));
        start = i + 1;
      }
      return out.size() == 1 ? out.get(0) : new Alt(out);
    }

    Node sequence(int from, int to) throws GiveUp {
      List<Node> out = new ArrayList<>();
      int i = from;
      while (i < to) {
        char c = p.charAt(i);
        Node element;
        int next;
        switch (c) {
          case '(' -> {
            next = groupEnd(i);
            if (p.startsWith("(?=", i)
                || p.startsWith("(?!", i)
                || p.startsWith("(?<=", i)
                || p.startsWith("(?<!", i)) {
              element = EMPTY; // a lookaround only forbids matches
            } else {
              checkFlags(i, next);
              int inner = groupInner(i, next);
              element = inner < 0 ? EMPTY : alternation(inner, next - 1);
            }
          }
          case '[' -> {
            next = classEnd(i);
            element = new Chars(charClass(i + 1, next - 1));
          }
          case '\\' -> {
            if (i + 1 >= to) {
              throw new GiveUp();
            }
            char e = p.charAt(i + 1);
            next = i + 2;
            if ("bBAzZG".indexOf(e) >= 0) {
              element = EMPTY;
            } else if (e == 'x') {
              int[] v = hex(i + 2);
              next = v[1];
              element = new Chars(single(v[0]));
            } else if ((e == 'p' || e == 'P') && i + 2 < to && p.charAt(i + 2) == '{') {
              next = p.indexOf('}', i) + 1;
              if (next <= 0) {
                throw new GiveUp();
              }
              element = new Chars(all());
            } else {
              element = new Chars(escape(e)); // gives up on backreferences, \Q, \R...
            }
          }
          case '^', '$' -> {
            element = EMPTY;
            next = i + 1;
          }
          case '.' -> {
            element = new Chars(all());
            next = i + 1;
          }
          case ')', '|', '*', '+', '?', '{' -> throw new GiveUp();
          default -> {
            element = new Chars(single(c));
            next = i + 1;
          }
        }
        int q = quantifierEnd(next);
        if (q > next) {
          element = repeat(element, p.substring(next, q));
        }
        out.add(element);
        i = q;
      }
      return out.size() == 1 ? out.get(0) : new Seq(out);
    }

    /** Only the flags Java's patterns from {@link PerlRegex} use: i, m and s change no octet. */
    private void checkFlags(int open, int end) throws GiveUp {
      if (p.charAt(open + 1) != '?') {
        return;
      }
      char k = p.charAt(open + 2);
      if (k == ':' || k == '>' || k == '<') {
        return;
      }
      for (int j = open + 2; j < end; j++) {
        char c = p.charAt(j);
        if (c == ')' || c == ':') {
          return;
        }
        if ("ims-".indexOf(c) < 0) {
          throw new GiveUp();
        }
      }
    }

    private static Node repeat(Node element, String quant) throws GiveUp {
      String q = quant;
      if (q.length() > 1 && (q.endsWith("?") || q.endsWith("+"))) {
        q = q.substring(0, q.length() - 1); // lazy or possessive: the same matches or fewer
      }
      int min;
      int max;
      switch (q) {
        case "?" -> {
          min = 0;
          max = 1;
        }
        case "*" -> {
          min = 0;
          max = -1;
        }
        case "+" -> {
          min = 1;
          max = -1;
        }
        default -> {
          if (!q.startsWith("{") || !q.endsWith("}")) {
            throw new GiveUp();
          }
          String body = q.substring(1, q.length() - 1);
          int comma = body.indexOf(',');
          try {
            if (comma < 0) {
              min = Integer.parseInt(body);
              max = min;
            } else {
              min = Integer.parseInt(body.substring(0, comma));
              max = comma == body.length() - 1 ? -1 : Integer.parseInt(body.substring(comma + 1));
            }
          } catch (NumberFormatException e) {
            throw new GiveUp();
          }
        }
      }
      if (element == EMPTY) {
        return EMPTY;
      }
      // Widening keeps a superset: x{20,} matches less than x{8,}, x{1,80} less than x{1,}.
      return new Rep(element, Math.min(min, MAX_REPEAT), max > MAX_REPEAT ? -1 : max);
    }
  }

  /** A Thompson automaton: each state has at most one octet set to one target, and epsilons. */
  private static final class Nfa {
    private boolean[][] set = new boolean[64][];
    private int[] to = new int[64];
    private int[][] eps = new int[64][];
    private int[] epsCount = new int[64];
    private int n;
    private final boolean loose;

    /** The steps taken so far. */
    private final int[] work;

    Nfa(boolean loose, int[] work) {
      this.loose = loose;
      this.work = work;
    }

    private int state() throws TooLarge {
      if (n == MAX_NFA) {
        throw new TooLarge();
      }
      if (n == set.length) {
        set = Arrays.copyOf(set, n * 2);
        to = Arrays.copyOf(to, n * 2);
        eps = Arrays.copyOf(eps, n * 2);
        epsCount = Arrays.copyOf(epsCount, n * 2);
      }
      return n++;
    }

    private void eps(int from, int target) {
      if (eps[from] == null) {
        eps[from] = new int[2];
      } else if (epsCount[from] == eps[from].length) {
        eps[from] = Arrays.copyOf(eps[from], epsCount[from] * 2);
      }
      eps[from][epsCount[from]++] = target;
    }

    /** The start and end states of a node's automaton. */
    int[] build(Node node) throws TooLarge {
      switch (node) {
        case Chars c -> {
          int s = state();
          int e = state();
          set[s] = c.set();
          to[s] = e;
          return new int[] {s, e};
        }
        case Seq q -> {
          int s = state();
          int cur = s;
          for (Node x : q.nodes()) {
            int[] f = build(x);
            eps(cur, f[0]);
            cur = f[1];
          }
          return new int[] {s, cur};
        }
        case Alt a -> {
          int s = state();
          int e = state();
          for (Node x : a.nodes()) {
            int[] f = build(x);
            eps(s, f[0]);
            eps(f[1], e);
          }
          return new int[] {s, e};
        }
        case Rep x -> {
          // Loose: x{2,5} as x+ and x{0,3} as x*, supersets with one copy of x.
          Rep r = loose ? new Rep(x.node(), Math.min(x.min(), 1), -1) : x;
          int s = state();
          int cur = s;
          for (int k = 0; k < r.min(); k++) {
            int[] f = build(r.node());
            eps(cur, f[0]);
            cur = f[1];
          }
          if (r.max() < 0) {
            int loop = state();
            int[] f = build(r.node());
            eps(cur, loop);
            eps(loop, f[0]);
            eps(f[1], loop);
            return new int[] {s, loop};
          }
          for (int k = r.min(); k < r.max(); k++) {
            int[] f = build(r.node());
            int e = state();
            eps(cur, f[0]);
            eps(cur, e);
            eps(f[1], e);
            cur = e;
          }
          return new int[] {s, cur};
        }
      }
    }

    /**
     * The subset construction of a search for the automaton from {@code start} to {@code accept}
     * anywhere in a text: the start state joins every subset.
     */
    Superset determinize(int start, int accept) throws TooLarge {
      // Input classes: octets that every set takes alike.
      int[] cls = new int[256];
      int width = 1;
      Map<boolean[], Boolean> seen = new java.util.IdentityHashMap<>();
      for (int s = 0; s < n; s++) {
        if (set[s] == null || seen.put(set[s], Boolean.TRUE) != null) {
          continue;
        }
        int[] remap = new int[width * 2];
        Arrays.fill(remap, -1);
        int w = 0;
        for (int c = 0; c < 256; c++) {
          int key = cls[c] * 2 + (set[s][c] ? 1 : 0);
          if (remap[key] < 0) {
            remap[key] = w++;
          }
          cls[c] = remap[key];
        }
        width = w;
      }
      int[][] classesOf = new int[n][];
      for (int s = 0; s < n; s++) {
        if (set[s] != null) {
          boolean[] in = new boolean[width];
          int k = 0;
          for (int c = 0; c < 256; c++) {
            if (set[s][c] && !in[cls[c]]) {
              in[cls[c]] = true;
              k++;
            }
          }
          int[] list = new int[k];
          k = 0;
          for (int x = 0; x < width; x++) {
            if (in[x]) {
              list[k++] = x;
            }
          }
          classesOf[s] = list;
        }
      }
      int[] mark = new int[n];
      int[] stamp = {0};
      int[] stack = new int[n];
      int[] s0 = closure(new int[] {start}, 1, start, accept, mark, stamp, stack);
      if (s0 == null) {
        return null; // the superset matches the empty string: every text
      }
      Map<Key, Integer> ids = new HashMap<>();
      List<int[]> subsets = new ArrayList<>();
      subsets.add(null); // row 0: a match ends here
      subsets.add(s0);
      ids.put(new Key(s0), 1);
      int[] table = new int[4 * width];
      ArrayDeque<Integer> queue = new ArrayDeque<>();
      queue.add(1);
      int[][] buckets = new int[width][];
      int[] counts = new int[width];
      while (!queue.isEmpty()) {
        int id = queue.poll();
        int[] d = subsets.get(id);
        Arrays.fill(counts, 0);
        for (int s : d) {
          for (int k : classesOf[s]) {
            if (buckets[k] == null) {
              buckets[k] = new int[8];
            } else if (counts[k] == buckets[k].length) {
              buckets[k] = Arrays.copyOf(buckets[k], counts[k] * 2);
            }
            buckets[k][counts[k]++] = to[s];
          }
        }
        for (int k = 0; k < width; k++) {
          int target;
          if (counts[k] == 0) {
            target = 1; // nothing under way: back to the start's subset
          } else {
            int[] t = closure(buckets[k], counts[k], start, accept, mark, stamp, stack);
            if (t == null) {
              target = 0;
            } else {
              Key key = new Key(t);
              Integer known = ids.get(key);
              if (known == null) {
                if (subsets.size() > MAX_STATES) {
                  throw new TooLarge();
                }
                known = subsets.size();
                subsets.add(t);
                ids.put(key, known);
                queue.add(known);
              }
              target = known;
            }
          }
          int slot = id * width + k;
          if (slot >= table.length) {
            table = Arrays.copyOf(table, Math.max(slot + 1, table.length * 2));
          }
          table[slot] = target * width;
        }
      }
      int states = subsets.size();
      return new Superset(cls, width, Arrays.copyOf(table, states * width), width, states);
    }

    /** Per state, the states that read an octet reachable from it by epsilons; null if not yet. */
    private int[][] reach;

    /** Marks {@link #reach}es that hold the accepting state. */
    private boolean[] reachesAccept;

    /**
     * The states that read an octet reachable by epsilons from {@code from} and from the start,
     * sorted; null when the accepting state is among them.
     */
    private int[] closure(
        int[] from, int count, int start, int accept, int[] mark, int[] stamp, int[] stack)
        throws TooLarge {
      int mk = ++stamp[0];
      int[] out = new int[16];
      int k = 0;
      for (int i = 0; i <= count; i++) {
        int f = i < count ? from[i] : start;
        int[] r = reach(f, accept, stack);
        if (reachesAccept[f]) {
          return null;
        }
        work[0] += r.length;
        if (work[0] > MAX_WORK) {
          throw new TooLarge();
        }
        for (int s : r) {
          if (mark[s] != mk) {
            mark[s] = mk;
            if (k == out.length) {
              out = Arrays.copyOf(out, k * 2);
            }
            out[k++] = s;
          }
        }
      }
      int[] r = Arrays.copyOf(out, k);
      Arrays.sort(r);
      return r;
    }

    /** The states that read an octet reachable from {@code from} by epsilons, computed once. */
    private int[] reach(int from, int accept, int[] stack) throws TooLarge {
      if (reach == null) {
        reach = new int[n][];
        reachesAccept = new boolean[n];
        seen = new int[n];
      }
      if (reach[from] != null) {
        return reach[from];
      }
      int mk = ++seenStamp;
      int top = 0;
      stack[top++] = from;
      seen[from] = mk;
      int[] out = new int[8];
      int k = 0;
      while (top > 0) {
        if (++work[0] > MAX_WORK) {
          throw new TooLarge();
        }
        int s = stack[--top];
        if (s == accept) {
          reachesAccept[from] = true;
        }
        if (set[s] != null) {
          if (k == out.length) {
            out = Arrays.copyOf(out, k * 2);
          }
          out[k++] = s;
        }
        for (int j = 0; j < epsCount[s]; j++) {
          int t = eps[s][j];
          if (seen[t] != mk) {
            seen[t] = mk;
            stack[top++] = t;
          }
        }
      }
      reach[from] = Arrays.copyOf(out, k);
      return reach[from];
    }

    private int[] seen;
    private int seenStamp;
  }

  /** A subset of states as a map key. */
  private record Key(int[] states) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && Arrays.equals(states, k.states);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(states);
    }

    @Override
    public String toString() {
      return Arrays.toString(states);
    }
  }
}
