package dev.mailfilter.sa;

import dev.mailfilter.mime.MessageParser;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.LongSupplier;

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

  /**
   * Whole passes over some messages, each timed by the CPU time of the calling thread, which the
   * scheduler's preemption on a loaded machine does not inflate as it does wall-clock time.
   *
   * @param messages how many messages each pass covered
   * @param hits rule hits (messages times rules that hit) counted in the first pass: the same in
   *     every build that changes no hit
   * @param textNanos per pass, the CPU nanoseconds of parsing the messages and building their texts
   *     ({@code body}, {@code rawbody}, {@code full}, URIs)
   * @param ruleNanos per pass, the CPU nanoseconds of the prefilter scan and every rule that is no
   *     meta, over texts built before the pass
   */
  public record Passes(int messages, int hits, long[] textNanos, long[] ruleNanos) {}

  private RuleCosts() {}

  /**
   * Runs the texts and then the rules over every message, {@code passes} times, timing each pass by
   * {@code cpuClock}. The first pass also warms the JIT: compare the later ones.
   *
   * @param rules the rules
   * @param messages whole messages, as received
   * @param passes how many passes, at least 1
   * @param cpuClock the calling thread's CPU time in nanoseconds (the benchmarks pass {@code
   *     ThreadMXBean::getCurrentThreadCpuTime}: the core does not read the JVM's management beans)
   */
  public static Passes cpuPasses(
      RuleSet rules, List<byte[]> messages, int passes, LongSupplier cpuClock) {
    MessageParser parser = MessageParser.create();
    int[] order = rules.order();
    long[] text = new long[passes];
    long[] rule = new long[passes];
    int hits = 0;
    for (int pass = 0; pass < passes; pass++) {
      long t0 = cpuClock.getAsLong();
      List<SaMessage> built = new ArrayList<>(messages.size());
      for (byte[] raw : messages) {
        SaMessage m = SaMessage.of(parser.parse(raw), "");
        m.body();
        m.rawBody();
        m.full();
        m.uris();
        built.add(m);
      }
      long t1 = cpuClock.getAsLong();
      int h = 0;
      for (SaMessage m : built) {
        Prefilter.Scan scan = rules.prefilter(m);
        for (int i : order) {
          h += rules.hits(i, m, scan, Guard.none()) > 0 ? 1 : 0;
        }
      }
      long t2 = cpuClock.getAsLong();
      text[pass] = t1 - t0;
      rule[pass] = t2 - t1;
      if (pass == 0) {
        hits = h;
      }
    }
    return new Passes(messages.size(), hits, text, rule);
  }

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
              + (x.starts() == null ? "" : "  " + x.starts())
              + (x.superset() == null ? "" : "  " + x.superset());
      case Rule.Header h ->
          h.spec().names()
              + (h.negated() ? " !~ " : " =~ ")
              + h.pattern().pattern()
              + (h.firstChars() == null ? "" : "  " + h.firstChars())
              + (h.superset() == null ? "" : "  " + h.superset());
      default -> r.test().toString();
    };
  }
}
