package dev.mailfilter.sa;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The literal prefilter of the pattern rules (issue 13): for each kind of text (body lines, raw
 * body chunks, the full message, URLs) one Aho-Corasick automaton over the {@link Literals} of
 * every rule of that kind, run once over each text of a message. It tells, per rule, the texts
 * where one of its literals occurs; a rule's pattern runs on those texts only, as a match lies
 * within one text and contains one of the literals. Rules without literals are not filtered.
 *
 * <p>Matching is ASCII case-insensitive, as {@link Literals} are in lower case: the automaton's
 * input classes fold {@code A-Z} onto {@code a-z}, so the texts are not copied to lower case. Texts
 * are byte strings (one char per octet); a char above 255 is in no literal (a rule whose literal
 * has one is left unfiltered) and sends the automaton back to its start.
 *
 * <p>A dense automaton over compressed input classes: each state has one transition per class of
 * octets that occur in some literal (all other octets share class 0), so a text costs one table
 * read per char, and a scan allocates nothing but its result. Immutable and thread-safe. See
 * docs/design.md for why not a library.
 */
final class Prefilter {
  /** Scanned kinds: the texts of the pattern rules that are not header rules. */
  private static final List<RuleKind> KINDS =
      List.of(RuleKind.BODY, RuleKind.RAWBODY, RuleKind.FULL, RuleKind.URI);

  /** A whole pattern that is one group repeated a fixed number of times: {@code (?:G){n}}. */
  private static final Pattern REPEATED =
      Pattern.compile("\\(\\?:(.*)\\)\\{(\\d+)\\}", Pattern.DOTALL);

  private final int ruleCount;
  private final boolean[] filtered;
  private final int[] requires;
  private final Map<RuleKind, Automaton> automata = new HashMap<>();

  /** A prefilter over the pattern rules among {@code rules}, indexed as in that list. */
  Prefilter(List<Rule> rules) {
    this.ruleCount = rules.size();
    this.filtered = new boolean[rules.size()];
    this.requires = repetitions(rules);
    for (RuleKind kind : KINDS) {
      List<String> literals = new ArrayList<>();
      List<Integer> owners = new ArrayList<>();
      for (int i = 0; i < rules.size(); i++) {
        Rule r = rules.get(i);
        if (r.kind() != kind || !(r.test() instanceof Rule.Regex x) || x.literals().isEmpty()) {
          continue;
        }
        if (x.literals().stream().anyMatch(Prefilter::outsideOctets)) {
          continue;
        }
        filtered[i] = true;
        for (String l : x.literals()) {
          literals.add(l);
          owners.add(i);
        }
      }
      if (!literals.isEmpty()) {
        automata.put(kind, new Automaton(literals, owners));
      }
    }
  }

  /**
   * For each rule whose pattern is {@code (?:G){n}} while another rule of the same kind, flags and
   * {@code tflags} has {@code (?:G){m}} with {@code m < n}, the index of the one with the smallest
   * {@code m}, else -1. The first m repetitions of a match of the first are a match of the second
   * at the same place, so the first cannot hit where the second does not; {@code
   * __FILL_THIS_FORM_LONG2} (5 repetitions) and {@code __FILL_THIS_FORM_SHORT2} (3) are the
   * costliest pair in Debian's rules, and the shorter rarely hits.
   */
  private static int[] repetitions(List<Rule> rules) {
    int[] out = new int[rules.size()];
    Arrays.fill(out, -1);
    Map<List<Object>, int[]> smallest = new HashMap<>(); // key -> {m, index}
    int[] counts = new int[rules.size()];
    List<List<Object>> keys = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      keys.add(null);
      Rule r = rules.get(i);
      if (!(r.test() instanceof Rule.Regex x)) {
        continue;
      }
      Matcher m = REPEATED.matcher(x.pattern().pattern());
      if (!m.matches() || !wholeGroup(x.pattern().pattern(), m.end(1))) {
        continue;
      }
      int n;
      try {
        n = Integer.parseInt(m.group(2));
      } catch (NumberFormatException e) {
        continue;
      }
      List<Object> key = List.of(r.kind(), x.pattern().flags(), r.tflags(), m.group(1));
      keys.set(i, key);
      counts[i] = n;
      int[] best = smallest.get(key);
      if (best == null || n < best[0]) {
        smallest.put(key, new int[] {n, i});
      }
    }
    for (int i = 0; i < rules.size(); i++) {
      int[] best = keys.get(i) == null ? null : smallest.get(keys.get(i));
      if (best != null && best[0] < counts[i]) {
        out[i] = best[1];
      }
    }
    return out;
  }

  /** Whether the group opening the pattern closes at {@code close} (and not before). */
  private static boolean wholeGroup(String p, int close) {
    int depth = 0;
    for (int j = 0; j < p.length(); j++) {
      char c = p.charAt(j);
      if (c == '\\') {
        j++;
      } else if (c == '[') {
        while (++j < p.length() && p.charAt(j) != ']') {
          if (p.charAt(j) == '\\') {
            j++;
          }
        }
      } else if (c == '(') {
        depth++;
      } else if (c == ')' && --depth == 0) {
        return j == close;
      }
    }
    return false;
  }

  /**
   * The rule that must have hit for rule {@code i} to be worth running (see {@link #repetitions}),
   * or -1.
   */
  int requires(int i) {
    return requires[i];
  }

  private static boolean outsideOctets(String literal) {
    for (int i = 0; i < literal.length(); i++) {
      if (literal.charAt(i) > 0xff) {
        return true;
      }
    }
    return false;
  }

  /** Whether rule {@code i} is filtered: it runs only on the texts {@link Scan#holding} lists. */
  boolean filters(int i) {
    return filtered[i];
  }

  /** The automaton states of a kind (for tests and the benchmarks' notes). */
  int states(RuleKind kind) {
    Automaton a = automata.get(kind);
    return a == null ? 0 : a.states;
  }

  /** Runs the automata over a message's texts. */
  Scan scan(SaMessage m) {
    BitSet[] holding = new BitSet[ruleCount];
    for (Map.Entry<RuleKind, Automaton> e : automata.entrySet()) {
      List<String> texts =
          switch (e.getKey()) {
            case BODY -> m.body();
            case RAWBODY -> m.rawBody();
            case FULL -> List.of(m.full());
            case URI -> m.uris();
            default -> throw new IllegalStateException("no texts for " + e.getKey());
          };
      e.getValue().scan(texts, holding);
    }
    return new Scan(holding, new int[ruleCount], new int[ruleCount]);
  }

  /**
   * The result of a scan.
   *
   * @param holding per rule index, the indices of the texts of its kind holding one of its
   *     literals, or null when none does (meaningless for rules the prefilter does not filter)
   * @param hits per rule index, its hits once it has run ({@link RuleSet} fills it in)
   * @param firstHit per pattern rule index that hit, the index of the first text it hit
   */
  record Scan(BitSet[] holding, int[] hits, int[] firstHit) {
    /** The first text holding one of rule {@code i}'s literals, or -1. */
    int first(int i) {
      return holding[i] == null ? -1 : holding[i].nextSetBit(0);
    }
  }

  /** One Aho-Corasick automaton, made dense over input classes. */
  private static final class Automaton {
    /** The input class of each octet: 0 for octets in no literal; A-Z share a-z's. */
    private final short[] classes = new short[256];

    private final int width;

    /**
     * Transitions: {@code delta[s * width + class]} is the next state times {@code width}, with the
     * sign bit set when that state ends a literal (its own or a suffix's).
     */
    private final int[] delta;

    /** The rules whose literals end in each state, suffixes included; null for none. */
    private final int[][] rules;

    private final int states;

    Automaton(List<String> literals, List<Integer> owners) {
      int k = 1;
      for (String l : literals) {
        for (int i = 0; i < l.length(); i++) {
          char c = l.charAt(i);
          if (classes[c] == 0) {
            classes[c] = (short) k++;
          }
        }
      }
      for (char c = 'A'; c <= 'Z'; c++) {
        classes[c] = classes[c + 32];
      }
      this.width = k;
      // The trie, state 0 the root; goTo grows by rows of width.
      int[] goTo = new int[width * 64];
      Arrays.fill(goTo, -1);
      List<List<Integer>> ends = new ArrayList<>();
      ends.add(null);
      int count = 1;
      for (int j = 0; j < literals.size(); j++) {
        String l = literals.get(j);
        int s = 0;
        for (int i = 0; i < l.length(); i++) {
          int c = classes[l.charAt(i)];
          int t = goTo[s * width + c];
          if (t < 0) {
            if ((count + 1) * width > goTo.length) {
              int old = goTo.length;
              goTo = Arrays.copyOf(goTo, old * 2);
              Arrays.fill(goTo, old, goTo.length, -1);
            }
            t = count++;
            ends.add(null);
            goTo[s * width + c] = t;
          }
          s = t;
        }
        if (ends.get(s) == null) {
          ends.set(s, new ArrayList<>());
        }
        if (!ends.get(s).contains(owners.get(j))) {
          ends.get(s).add(owners.get(j));
        }
      }
      this.states = count;
      // Breadth first: failure links, merged outputs, and the dense transitions.
      int[] fail = new int[count];
      int[] next = new int[count * width];
      int[][] out = new int[count][];
      boolean[] ending = new boolean[count];
      ArrayDeque<Integer> queue = new ArrayDeque<>();
      for (int c = 0; c < width; c++) {
        int t = goTo[c];
        if (t > 0) {
          fail[t] = 0;
          next[c] = t;
          queue.add(t);
        } else {
          next[c] = 0;
        }
      }
      out[0] = null;
      while (!queue.isEmpty()) {
        int s = queue.poll();
        List<Integer> own = ends.get(s);
        int[] inherited = out[fail[s]];
        if (own != null || inherited != null) {
          int[] merged =
              own == null ? new int[0] : own.stream().mapToInt(Integer::intValue).toArray();
          if (inherited != null) {
            merged = mergeDistinct(merged, inherited);
          }
          out[s] = merged;
          ending[s] = true;
        }
        for (int c = 0; c < width; c++) {
          int t = goTo[s * width + c];
          if (t > 0) {
            fail[t] = next[fail[s] * width + c];
            next[s * width + c] = t;
            queue.add(t);
          } else {
            next[s * width + c] = next[fail[s] * width + c];
          }
        }
      }
      // Class 0 (an octet in no literal) always leads back to the root.
      this.delta = new int[count * width];
      for (int i = 0; i < delta.length; i++) {
        int t = next[i];
        delta[i] = t * width | (ending[t] ? Integer.MIN_VALUE : 0);
      }
      this.rules = out;
    }

    private static int[] mergeDistinct(int[] a, int[] b) {
      int[] m = Arrays.copyOf(a, a.length + b.length);
      int n = a.length;
      outer:
      for (int x : b) {
        for (int i = 0; i < n; i++) {
          if (m[i] == x) {
            continue outer;
          }
        }
        m[n++] = x;
      }
      return Arrays.copyOf(m, n);
    }

    /** Marks, for every rule, each text holding one of its literals. */
    void scan(List<String> texts, BitSet[] holding) {
      int[] seenIn = null; // per ending state, 1 + the last text it was reported in
      for (int t = 0; t < texts.size(); t++) {
        String text = texts.get(t);
        int s = 0;
        for (int i = 0, n = text.length(); i < n; i++) {
          char c = text.charAt(i);
          int v = delta[s + (c <= 0xff ? classes[c] : 0)];
          s = v & Integer.MAX_VALUE;
          if (v < 0) {
            int state = s / width;
            if (seenIn == null) {
              seenIn = new int[states];
            }
            if (seenIn[state] != t + 1) {
              seenIn[state] = t + 1;
              for (int r : rules[state]) {
                BitSet b = holding[r];
                if (b == null) {
                  b = holding[r] = new BitSet(texts.size());
                }
                b.set(t);
              }
            }
          }
        }
      }
    }
  }
}
