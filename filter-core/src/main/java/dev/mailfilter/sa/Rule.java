package dev.mailfilter.sa;

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
   * which it cannot match without ({@link Literals}; empty when none).
   */
  record Regex(Pattern pattern, List<String> literals) implements Test {
    Regex(Pattern pattern) {
      this(pattern, Literals.required(pattern.pattern()));
    }
  }

  /** A header rule: {@code Name =~ /re/} or {@code !~}, with its value when the header is unset. */
  record Header(HeaderSpec spec, Pattern pattern, boolean negated, Optional<String> ifUnset)
      implements Test {}

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
    int limit = multiple() ? maxHits : 1;
    return switch (test) {
      case Regex r -> {
        if (!r.literals().isEmpty() && !m.mayContain(kind, r.literals())) {
          yield 0;
        }
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
        for (String t : texts) {
          hits += count(r.pattern(), t, limit - hits, guard);
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
        if (h.negated()) {
          yield count(h.pattern(), text, 1, guard) == 0 ? 1 : 0;
        }
        yield count(h.pattern(), text, limit, guard);
      }
      case Exists e -> m.header(e.spec()).isPresent() ? 1 : 0;
      case Eval e -> e.eval().test(m) ? 1 : 0;
      case Meta x -> throw new IllegalStateException("meta " + name + " has no text to match");
    };
  }

  private static int count(Pattern p, String text, int limit, Guard guard) {
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
