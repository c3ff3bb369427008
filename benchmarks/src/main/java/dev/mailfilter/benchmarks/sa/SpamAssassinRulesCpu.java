package dev.mailfilter.benchmarks.sa;

import dev.mailfilter.benchmarks.Corpus;
import dev.mailfilter.sa.RuleCosts;
import dev.mailfilter.sa.RuleSet;
import dev.mailfilter.sa.SpamAssassinSettings;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The CPU time of the calling thread that Debian's SpamAssassin rules and the texts they read take
 * per message on the shared corpus, in whole passes: for comparing two builds run alternately on a
 * loaded machine, where wall-clock timings ({@link SpamAssassinRuleCosts}, JMH) move by up to 2x
 * from run to run. Prints the rule hits too, which must be the same in both builds.
 *
 * <pre>
 * ./mvnw -B -ntp -q -pl benchmarks -am package -DskipTests
 * java -Dmailfilter.shared=../shared -cp benchmarks/target/benchmarks.jar \
 *     dev.mailfilter.benchmarks.sa.SpamAssassinRulesCpu [MESSAGES_PER_FOLDER [PASSES]]
 * </pre>
 *
 * MESSAGES_PER_FOLDER (default 200) spam and as many ham, spread over the corpus; PASSES (default
 * 8), the first of which warms up and is left out of the minimum and median printed.
 */
public final class SpamAssassinRulesCpu {
  private SpamAssassinRulesCpu() {}

  /**
   * Loads the rules, runs the passes and prints the minimum and median per message.
   *
   * @param args the messages per folder and the number of passes
   */
  public static void main(String[] args) {
    int perFolder = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int passes = Math.max(2, args.length > 1 ? Integer.parseInt(args[1]) : 8);
    RuleSet rules =
        RuleSet.load(List.of(SpamAssassinSettings.SHIPPED_RULES, SpamAssassinSettings.SITE_RULES));
    if (rules.loaded() == 0) {
      System.err.println("no SpamAssassin rules loaded: is the spamassassin package installed?");
      System.exit(2);
    }
    List<byte[]> messages = new ArrayList<>(spread(Corpus.load("spamassassin-spam"), perFolder));
    messages.addAll(spread(Corpus.load("spamassassin-ham"), perFolder));
    ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    if (!bean.isCurrentThreadCpuTimeSupported()) {
      System.err.println("this JVM does not measure thread CPU time");
      System.exit(2);
    }
    RuleCosts.Passes p =
        RuleCosts.cpuPasses(rules, messages, passes, bean::getCurrentThreadCpuTime);
    System.out.printf(
        Locale.ROOT,
        "%s on %d messages, %d rule hits; thread CPU ms per message over passes 2-%d:"
            + " rules and scan min %.3f median %.3f; texts min %.3f median %.3f%n",
        rules,
        p.messages(),
        p.hits(),
        passes,
        min(p.ruleNanos()) / 1e6 / p.messages(),
        median(p.ruleNanos()) / 1e6 / p.messages(),
        min(p.textNanos()) / 1e6 / p.messages(),
        median(p.textNanos()) / 1e6 / p.messages());
  }

  private static long min(long[] perPass) {
    return Arrays.stream(perPass, 1, perPass.length).min().orElseThrow();
  }

  private static long median(long[] perPass) {
    long[] s = Arrays.copyOfRange(perPass, 1, perPass.length);
    Arrays.sort(s);
    return s[s.length / 2];
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
