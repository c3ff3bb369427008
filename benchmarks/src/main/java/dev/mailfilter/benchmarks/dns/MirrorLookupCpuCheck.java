package dev.mailfilter.benchmarks.dns;

import dev.mailfilter.dns.mirror.MirrorKind;
import dev.mailfilter.dns.mirror.ZoneFiles;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;

/**
 * A CPU-time cross-check of {@link MirrorLookupBenchmark} for a shared, loaded machine, where JMH's
 * wall-clock averages include the time the benchmark thread waits for a core: the same lookups on
 * the same data, timed by the process's CPU time over 2<sup>24</sup> lookups per variant (the JVM
 * is single-threaded while it loops, so process time is the loop's time), and the load of the whole
 * file (the 3rd of 3 loads, wall and process CPU; the sort uses both cores).
 *
 * <p>Run: {@code java -Xmx6g -cp benchmarks/target/benchmarks.jar
 * dev.mailfilter.benchmarks.dns.MirrorLookupCpuCheck 10000000}.
 */
public final class MirrorLookupCpuCheck {
  private static final int LOOKUPS = 1 << 24;

  private MirrorLookupCpuCheck() {}

  /**
   * Prints CPU ns per lookup for each variant and dataset, then load times.
   *
   * @param args the number of entries (default 10 000 000)
   */
  public static void main(String[] args) throws IOException {
    int entries = args.length > 0 ? Integer.parseInt(args[0]) : 10_000_000;
    for (String dataset : new String[] {"uniform", "clustered"}) {
      MirrorLookupBenchmark b = new MirrorLookupBenchmark();
      b.entries = entries;
      b.dataset = dataset;
      b.setUp();
      b.buildPeers("legacy");
      String[] variants = {
        "bloomUnlisted", "legacyUnlisted", "bloomListed", "legacyListed", "exactUnlisted"
      };
      for (int round = 0; round < 2; round++) {
        for (int v = 0; v < variants.length; v++) {
          long sink = 0;
          Duration before = cpu();
          sink += run(b, v);
          Duration spent = cpu().minus(before);
          if (round == 1) {
            System.out.printf(
                Locale.ROOT,
                "%s %-15s %6.1f ns CPU per lookup (sink %d)%n",
                dataset,
                variants[v],
                spent.toNanos() / (double) LOOKUPS,
                sink & 1);
          }
        }
      }
      for (int i = 0; i < 3; i++) {
        long t0 = System.nanoTime();
        Duration c0 = cpu();
        Object z =
            ZoneFiles.read(
                MirrorLookupBenchmark.dataset(entries, dataset.equals("clustered")),
                MirrorKind.IP4SET);
        if (i == 2) {
          System.out.printf(
              Locale.ROOT,
              "%s load (%s): %.2f s wall, %.2f s process CPU%n",
              dataset,
              z.getClass().getSimpleName(),
              (System.nanoTime() - t0) / 1e9,
              cpu().minus(c0).toNanos() / 1e9);
        }
      }
    }
  }

  private static long run(MirrorLookupBenchmark b, int variant) {
    long sink = 0;
    switch (variant) {
      case 0 -> {
        for (int i = 0; i < LOOKUPS; i++) {
          sink += b.bloomUnlisted();
        }
      }
      case 1 -> {
        for (int i = 0; i < LOOKUPS; i++) {
          sink += b.legacyUnlisted();
        }
      }
      case 2 -> {
        for (int i = 0; i < LOOKUPS; i++) {
          sink += b.bloomListed();
        }
      }
      case 3 -> {
        for (int i = 0; i < LOOKUPS; i++) {
          sink += b.legacyListed();
        }
      }
      default -> {
        for (int i = 0; i < LOOKUPS; i++) {
          sink += b.exactUnlisted();
        }
      }
    }
    return sink;
  }

  private static Duration cpu() {
    return ProcessHandle.current().info().totalCpuDuration().orElseThrow();
  }
}
