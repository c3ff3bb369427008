package dev.mailfilter.sa;

import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A loaded rule, ready to run: its test, SpamAssassin score and flags. Immutable.
 *
 * @param name the rule's name as written
 * @param symbol the symbol it reports (the name in capitals); empty for a sub-rule ({@code __}) or
 *     a rule scored 0 that runs only for the metas that read it
 * @param kind what it tests
 * @param test how
 * @param score the score of set 2 ("local tests and Bayes")
 * @param description its {@code describe} text, or empty
 * @param tflags its flags
 * @param maxHits for {@code multiple} rules, the most hits counted
 * @param priority its {@code priority}, 0 by default
 * @param file where it is defined
 * @param line the line there
 */
record Rule(
    String name,
    Optional<String> symbol,
    RuleKind kind,
    Test test,
    double score,
    String description,
    Set<String> tflags,
    int maxHits,
    int priority,
    String file,
    int line) {

  /** The hits SpamAssassin counts for a {@code multiple} rule without {@code maxhits}. */
  static final int DEFAULT_MAX_HITS = 1000;

  /** What a rule tests. */
  sealed interface Test permits Regex, Header, Exists, Eval, Meta {}

  /**
   * A pattern over the body lines, raw body chunks, full message or URLs, with the literals one of
   * which it cannot match without ({@link Literals}; empty when none), the characters its matches
   * begin with ({@link FirstChars}) and the strings its matches begin with once leading optional
   * parts are left out ({@link StartLiterals}, for rules counted once); null when not known. The
   * analyses read {@code written}, the pattern as {@link PerlRegex} wrote it; {@code pattern} is
   * the one that runs, with the runs {@link Possessive} makes possessive (the same matches).
   */
  record Regex(
      Pattern pattern,
      List<String> literals,
      FirstChars firstChars,
      StartLiterals starts,
      Superset superset,
      Pattern written)
      implements Test {
    Regex(Pattern written) {
      this(
          Possessive.of(written),
          Literals.required(written.pattern()),
          FirstChars.of(written),
          StartLiterals.of(written),
          Superset.of(written),
          written);
    }
  }

  /**
   * A header rule: {@code Name =~ /re/} or {@code !~}, with its value when the header is unset, and
   * the characters its matches begin with ({@link FirstChars}; null when not known); {@code
   * written} as in {@link Regex}.
   */
  record Header(
      HeaderSpec spec,
      Pattern pattern,
      boolean negated,
      Optional<String> ifUnset,
      FirstChars firstChars,
      Superset superset,
      Pattern written)
      implements Test {
    Header(HeaderSpec spec, Pattern written, boolean negated, Optional<String> ifUnset) {
      this(
          spec,
          Possessive.of(written),
          negated,
          ifUnset,
          FirstChars.of(written),
          Superset.of(written),
          written);
    }
  }

  /** {@code exists:Name}. */
  record Exists(HeaderSpec spec) implements Test {}

  /** A native {@code eval:} test. */
  record Eval(NativeEvals.EvalTest eval) implements Test {}

  /** A {@code meta} expression; evaluated by the rule set after the rules it reads. */
  record Meta(MetaExpression expression) implements Test {}

  boolean multiple() {
    return tflags.contains("multiple");
  }

  /**
   * The rule's hits on a message: 0 or 1, up to {@link #maxHits()} for {@code multiple} rules. Not
   * for metas.
   */
  int hits(SaMessage m, Guard guard) {
    return hits(m, guard, 0, null, true, null, 0);
  }

  /**
   * The rule's hits, a pattern rule's counted from the text of index {@code from} of its kind on,
   * and only in the texts of the indices in {@code only} unless it is null (the {@link Prefilter}
   * knows that no other text can hold a match); {@code fast} searches only where a match may begin
   * ({@link FirstChars}; {@link StartLiterals} when one hit is all that counts), else with plain
   * {@code find()} everywhere. When a pattern rule hits, the index of the first text it hit is
   * written to {@code firstHit[slot]} ({@code firstHit} may be null).
   */
  int hits(
      SaMessage m, Guard guard, int from, BitSet only, boolean fast, int[] firstHit, int slot) {
    int limit = multiple() ? maxHits : 1;
    return switch (test) {
      case Regex r -> {
        List<String> texts =
            switch (kind) {
              case BODY -> {
                List<String> body = m.body();
                yield tflags.contains("nosubject") && !body.isEmpty()
                    ? body.subList(1, body.size())
                    : body;
              }
              case RAWBODY -> m.rawBody();
              case FULL -> List.of(m.full());
              case URI -> m.uris();
              default -> throw new IllegalStateException(kind + " rule with a pattern");
            };
        int hits = 0;
        int shift = texts == m.body() ? 0 : kind == RuleKind.BODY ? 1 : 0; // nosubject
        // Indices of the kind's texts (in only and from) are i + shift in texts.
        for (int i = next(only, Math.max(shift, from)) - shift;
            i >= 0 && i < texts.size();
            i = next(only, i + 1 + shift) - shift) {
          int before = hits;
          String text = texts.get(i);
          if (fast && r.superset() != null && !r.superset().mayMatch(text)) {
            continue; // no match of a superset of the pattern's matches in this text
          }
          if (fast && limit == 1 && r.starts() != null) {
            hits += r.starts().find(r.pattern(), text, guard) ? 1 : 0;
          } else {
            hits += count(r.pattern(), fast ? r.firstChars() : null, text, limit - hits, guard);
          }
          if (before == 0 && hits > 0 && firstHit != null) {
            firstHit[slot] = i + shift;
          }
          if (hits >= limit) {
            break;
          }
        }
        yield hits;
      }
      case Header h -> {
        Optional<String> v = m.header(h.spec());
        if (v.isEmpty()) {
          v = h.ifUnset();
        }
        // Perl matches an undefined value as the empty string.
        String text = v.orElse("");
        FirstChars first = fast ? h.firstChars() : null;
        boolean none = fast && h.superset() != null && !h.superset().mayMatch(text);
        if (h.negated()) {
          yield none || count(h.pattern(), first, text, 1, guard) == 0 ? 1 : 0;
        }
        yield none ? 0 : count(h.pattern(), first, text, limit, guard);
      }
      case Exists e -> m.header(e.spec()).isPresent() ? 1 : 0;
      case Eval e -> e.eval().test(m) ? 1 : 0;
      case Meta x -> throw new IllegalStateException("meta " + name + " has no text to match");
    };
  }

  /** The first index from {@code i} on in {@code only} (any index when null), or -1. */
  private static int next(BitSet only, int i) {
    if (only == null) {
      return i;
    }
    return only.nextSetBit(i);
  }

  private static int count(Pattern p, FirstChars first, String text, int limit, Guard guard) {
    if (first != null) {
      return first.count(p, text, limit, guard);
    }
    Matcher matcher = p.matcher(guard.wrap(text));
    int n = 0;
    while (n < limit && matcher.find()) {
      n++;
      if (matcher.end() == matcher.start() && matcher.end() >= text.length()) {
        break;
      }
    }
    return n;
  }
}
