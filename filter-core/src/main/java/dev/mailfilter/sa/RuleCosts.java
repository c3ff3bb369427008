package dev.mailfilter.sa;

import dev.mailfilter.mime.MessageParser;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The CPU time each rule of a rule set takes on some messages, for finding the rules that make
 * scanning slow (the benchmarks' {@code SpamAssassinRuleCosts} prints it). Every rule that is no
 * meta runs on every message as {@link RuleSet} runs it (prefilter included), one at a time under
 * {@link System#nanoTime()}: timings include the clock's own cost, a few tens of nanoseconds per
 * rule. Not thread-safe in any useful sense: one measurement at a time.
 */
public final class RuleCosts {
  /**
   * One rule's cost.
   *
   * @param name the rule
   * @param kind what it tests ({@code header}, {@code body}...)
   * @param test its pattern or test as compiled, with the prefilter's literals
   * @param nanos its time over all messages, in nanoseconds
   * @param hits on how many messages it hit
   */
  public record Cost(String name, String kind, String test, long nanos, int hits) {}

  /** The measurement: the texts' build time and each rule's cost, the costliest first. */
  public record Report(int messages, long buildNanos, List<Cost> costs) {}

  private RuleCosts() {}

  /**
   * Runs every rule on every message and times it.
   *
   * @param rules the rules
   * @param messages whole messages, as received
   */
  public static Report measure(RuleSet rules, List<byte[]> messages) {
    List<Rule> list = rules.rules();
    long[] nanos = new long[list.size()];
    int[] hits = new int[list.size()];
    long build = 0;
    MessageParser parser = MessageParser.create();
    for (byte[] raw : messages) {
      long t0 = System.nanoTime();
      SaMessage m = SaMessage.of(parser.parse(raw), "");
      m.body();
      m.rawBody();
      m.full();
      Prefilter.Scan scan = rules.prefilter(m);
      build += System.nanoTime() - t0;
      for (int i : rules.order()) {
        long t = System.nanoTime();
        int n = rules.hits(i, m, scan, Guard.none());
        nanos[i] += System.nanoTime() - t;
        if (n > 0) {
          hits[i]++;
        }
      }
    }
    List<Cost> costs = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      Rule r = list.get(i);
      if (!(r.test() instanceof Rule.Meta)) {
        costs.add(
            new Cost(
                r.name(),
                r.kind().name().toLowerCase(java.util.Locale.ROOT),
                describe(r),
                nanos[i],
                hits[i]));
      }
    }
    costs.sort(Comparator.comparingLong(Cost::nanos).reversed());
    return new Report(messages.size(), build, List.copyOf(costs));
  }

  private static String describe(Rule r) {
    return switch (r.test()) {
      case Rule.Regex x ->
          x.pattern().pattern()
              + "  literals="
              + x.literals()
              + (x.firstChars() == null ? "" : "  " + x.firstChars())
              + (x.starts() == null ? "" : "  " + x.starts());
      case Rule.Header h ->
          h.spec().names()
              + (h.negated() ? " !~ " : " =~ ")
              + h.pattern().pattern()
              + (h.firstChars() == null ? "" : "  " + h.firstChars());
      default -> r.test().toString();
    };
  }
}
