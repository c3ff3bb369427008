package dev.mailfilter.benchmarks.sa;

import dev.mailfilter.benchmarks.Corpus;
import dev.mailfilter.sa.RuleCosts;
import dev.mailfilter.sa.RuleSet;
import dev.mailfilter.sa.SpamAssassinSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Prints what each SpamAssassin rule of Debian's rule set costs on the shared corpus, the costliest
 * first, and the cost per kind of rule: where to look when the rules are slow. Not a JMH benchmark
 * (JMH measures the whole check in {@link SpamAssassinRulesBenchmark}); the rules are run once
 * untimed to warm the JIT, then timed one by one.
 *
 * <pre>
 * ./mvnw -B -ntp -q -pl benchmarks -am package -DskipTests
 * java -Dmailfilter.shared=../shared -cp benchmarks/target/benchmarks.jar \
 *     dev.mailfilter.benchmarks.sa.SpamAssassinRuleCosts [MESSAGES_PER_FOLDER [TOP]]
 * </pre>
 *
 * MESSAGES_PER_FOLDER (default 300) spam and as many ham, spread over the corpus; TOP (default 30)
 * rules listed.
 */
public final class SpamAssassinRuleCosts {
  private SpamAssassinRuleCosts() {}

  /**
   * Loads the rules, warms up, measures and prints.
   *
   * @param args the messages per folder and the number of rules to list
   */
  public static void main(String[] args) {
    int perFolder = args.length > 0 ? Integer.parseInt(args[0]) : 300;
    int top = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    RuleSet rules =
        RuleSet.load(List.of(SpamAssassinSettings.SHIPPED_RULES, SpamAssassinSettings.SITE_RULES));
    if (rules.loaded() == 0) {
      System.err.println("no SpamAssassin rules loaded: is the spamassassin package installed?");
      System.exit(2);
    }
    List<byte[]> messages = new ArrayList<>(spread(Corpus.load("spamassassin-spam"), perFolder));
    messages.addAll(spread(Corpus.load("spamassassin-ham"), perFolder));
    RuleCosts.measure(rules, messages); // warm-up: C2 compiles the matchers
    RuleCosts.Report r = RuleCosts.measure(rules, messages);
    int n = r.messages();
    long total = r.costs().stream().mapToLong(RuleCosts.Cost::nanos).sum();
    System.out.printf(
        Locale.ROOT,
        "%s on %d messages: rules %.3f ms per message, texts and prefilter %.3f ms per message%n",
        rules,
        n,
        total / 1e6 / n,
        r.buildNanos() / 1e6 / n);
    Map<String, Long> byKind = new TreeMap<>();
    for (RuleCosts.Cost c : r.costs()) {
      byKind.merge(c.kind(), c.nanos(), Long::sum);
    }
    byKind.forEach(
        (k, v) -> System.out.printf(Locale.ROOT, "  %-8s %.3f ms per message%n", k, v / 1e6 / n));
    System.out.println("ms/msg    hits  rule  kind  test");
    for (RuleCosts.Cost c : r.costs().subList(0, Math.min(top, r.costs().size()))) {
      String test = c.test().length() > 160 ? c.test().substring(0, 160) + "..." : c.test();
      System.out.printf(
          Locale.ROOT,
          "%7.4f %6d  %s  %s  %s%n",
          c.nanos() / 1e6 / n,
          c.hits(),
          c.name(),
          c.kind(),
          test);
    }
  }

  private static List<byte[]> spread(List<byte[]> all, int n) {
    if (n >= all.size()) {
      return all;
    }
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(all.get((int) ((long) i * all.size() / n)));
    }
    return out;
  }
}
