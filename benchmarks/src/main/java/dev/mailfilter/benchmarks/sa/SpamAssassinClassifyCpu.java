package dev.mailfilter.benchmarks.sa;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.benchmarks.Corpus;
import dev.mailfilter.sa.SpamAssassinSettings;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The CPU time of whole {@link MailFilter#classify} calls with Debian's SpamAssassin rules loaded,
 * as {@link SpamAssassinRulesBenchmark} runs them, per message: the calling thread's and the
 * process's (which also counts the JIT, the collector and any check run on another thread). For
 * comparing two builds run alternately on a loaded machine, where JMH's throughput moves with the
 * other processes; only public API is used, so the same class runs against an older build's jar.
 *
 * <pre>
 * ./mvnw -B -ntp -q -pl benchmarks -am package -DskipTests
 * java -Dmailfilter.shared=../shared -cp benchmarks/target/benchmarks.jar \
 *     dev.mailfilter.benchmarks.sa.SpamAssassinClassifyCpu [FILE_LIST|all [PASSES]]
 * </pre>
 *
 * FILE_LIST lists message files, one a line (the subset {@code benchmarks/peers/spamd.sh} writes),
 * or {@code all} for the whole corpus; PASSES (default 6), the first of which warms up and is left
 * out of the minimum and median printed.
 */
public final class SpamAssassinClassifyCpu {
  private SpamAssassinClassifyCpu() {}

  /**
   * Builds the filter, classifies the messages in passes and prints the CPU time per message.
   *
   * @param args the message list and the number of passes
   * @throws Exception when the list cannot be read
   */
  public static void main(String[] args) throws Exception {
    String list = args.length > 0 ? args[0] : "all";
    int passes = Math.max(2, args.length > 1 ? Integer.parseInt(args[1]) : 6);
    List<byte[]> messages = new ArrayList<>();
    if (list.equals("all")) {
      messages.addAll(Corpus.load("spamassassin"));
    } else {
      for (String line : Files.readAllLines(Path.of(list))) {
        if (!line.isBlank()) {
          messages.add(Files.readAllBytes(Path.of(line.strip())));
        }
      }
    }
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    List<String> paths =
        List.of(
            SpamAssassinSettings.SHIPPED_RULES.toString(),
            SpamAssassinSettings.SITE_RULES.toString());
    long[] thread = new long[passes];
    long[] process = new long[passes];
    try (MailFilter filter =
        MailFilter.builder()
            .config(FilterConfig.builder().set("spamassassin.paths", paths).build())
            .build()) {
      for (int pass = 0; pass < passes; pass++) {
        long t0 = threads.getCurrentThreadCpuTime();
        long p0 = os.getProcessCpuTime();
        for (byte[] m : messages) {
          filter.classify(m, Corpus.ENVELOPE);
        }
        thread[pass] = threads.getCurrentThreadCpuTime() - t0;
        process[pass] = os.getProcessCpuTime() - p0;
      }
    }
    int n = messages.size();
    System.out.printf(
        Locale.ROOT,
        "classify with Debian's rules, %d messages, CPU ms per message over passes 2-%d:"
            + " thread min %.3f median %.3f; process min %.3f median %.3f%n",
        n,
        passes,
        min(thread) / 1e6 / n,
        median(thread) / 1e6 / n,
        min(process) / 1e6 / n,
        median(process) / 1e6 / n);
  }

  private static long min(long[] perPass) {
    return Arrays.stream(perPass, 1, perPass.length).min().orElseThrow();
  }

  private static long median(long[] perPass) {
    long[] s = Arrays.copyOfRange(perPass, 1, perPass.length);
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
