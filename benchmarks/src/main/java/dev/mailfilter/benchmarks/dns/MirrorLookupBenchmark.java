package dev.mailfilter.benchmarks.dns;

import com.google.common.hash.BloomFilter;
import com.google.common.hash.Funnels;
import dev.mailfilter.dns.mirror.BlockedBloomFilter;
import dev.mailfilter.dns.mirror.Ip4Zone;
import dev.mailfilter.dns.mirror.MirrorKind;
import dev.mailfilter.dns.mirror.ZoneFiles;
import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Lookups in a local mirror of an ip4set with millions of entries (95 % single addresses, 4 % /24
 * blocks, 0.5 % {@code a-b} ranges, 0.5 % exclusions) in two layouts ({@code dataset}): {@code
 * uniform} spreads the entries over all of IPv4 (the worst case for the first-level occupancy
 * bitmap: every /20 is occupied), {@code clustered} draws them from 4096 random /16s of public
 * unicast space (as dynamic and residential ranges cluster in real lists). Compared: the current
 * {@link Ip4Zone} front (occupancy bitmap, /16 cover, one Bloom block per /24), the previous front
 * rebuilt here ({@code legacy*}: one independent Bloom probe per prefix length present, then the
 * same arrays), the sorted arrays alone, a {@code HashSet<Long>} holding the same keys, and Guava's
 * {@code BloomFilter} probed the same way. Unlisted addresses are drawn uniformly from public
 * unicast space (first octet 1 to 223 except 10 and 127), listed ones from random and nearby
 * addresses, each from 2<sup>20</sup> precomputed ones so most probes miss the CPU caches as they
 * would on a busy server. Setup prints bytes per entry.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar
 * 'MirrorLookupBenchmark.(bloom|legacy|exact)' -p entries=10000000}; load time: {@code java -jar
 * benchmarks/target/benchmarks.jar 'MirrorLookupBenchmark.load'}. The cached-DNS comparison is in
 * {@link DnsblNetworkBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgs = {"-Xmx6g"})
public class MirrorLookupBenchmark {
  private static final int QUERIES = 1 << 20;
  private static final int[] QUANTA = {32, 24, 16, 8};

  @Param({"10000000"})
  public int entries;

  @Param({"uniform", "clustered"})
  public String dataset;

  private Path file;
  private Ip4Zone zone;
  private HashSet<Long> hashSet;
  private BloomFilter<Long> guava;
  private BlockedBloomFilter legacy;
  private int[] legacyMasks;
  private long[] legacyTags;
  private int[] listed;
  private int[] unlisted;
  private int next;

  /** Writes (once per size, cached in java.io.tmpdir) and loads the dataset. */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    file = dataset(entries, dataset.equals("clustered"));
    zone = (Ip4Zone) ZoneFiles.read(file, MirrorKind.IP4SET);
    SplittableRandom r = new SplittableRandom(99);
    listed = new int[QUERIES];
    unlisted = new int[QUERIES];
    int l = 0;
    int u = 0;
    while (l < QUERIES || u < QUERIES) {
      int ip = unicast(r);
      if (zone.exactLookup(ip) >= 0) {
        if (l < QUERIES) {
          listed[l++] = ip;
        }
      } else if (u < QUERIES) {
        unlisted[u++] = ip;
      }
      if (l < QUERIES && r.nextInt(4) == 0) {
        // Listed addresses are rare among random ones: also pick from near the data.
        int near = listed[r.nextInt(Math.max(1, l))] ^ r.nextInt(256);
        if (zone.exactLookup(near) >= 0) {
          listed[l++] = near;
        }
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%n%s: %d entries, %d keys: Bloom %.2f bytes/entry (%.2f bytes/key), first level %d bytes,"
            + " exact arrays %.2f bytes/entry, whole %.2f bytes/entry%n",
        dataset,
        zone.entryCount(),
        zone.keyCount(),
        zone.bloomBytes() / (double) zone.entryCount(),
        zone.bloomBytes() / (double) zone.keyCount(),
        zone.firstLevelBytes(),
        zone.exactBytes() / (double) zone.entryCount(),
        (zone.bloomBytes() + zone.firstLevelBytes() + zone.exactBytes())
            / (double) zone.entryCount());
    int through = 0;
    for (int ip : unlisted) {
      through += zone.bloomMaybe(ip) ? 1 : 0;
    }
    System.out.printf(
        Locale.ROOT,
        "unlisted lookups reaching the arrays (false positives of the front): %.3f %%%n",
        100.0 * through / QUERIES);
  }

  /** A random address of public unicast space: first octet 1 to 223, except 10 and 127. */
  private static int unicast(SplittableRandom r) {
    while (true) {
      int ip = r.nextInt();
      int first = ip >>> 24;
      if (first >= 1 && first <= 223 && first != 10 && first != 127) {
        return ip;
      }
    }
  }

  /** Builds the comparators only for the benchmarks that use them (they are big). */
  @Setup(Level.Trial)
  public void setUpPeers(org.openjdk.jmh.infra.BenchmarkParams params) throws IOException {
    buildPeers(params.getBenchmark());
  }

  /** Builds the comparators whose names occur in {@code b} ("hashSet", "guava", "legacy"). */
  void buildPeers(String b) throws IOException {
    if (b.contains("hashSet")) {
      Runtime rt = Runtime.getRuntime();
      System.gc();
      long before = rt.totalMemory() - rt.freeMemory();
      hashSet = new HashSet<>();
      for (int qi = 0; qi < 4; qi++) {
        for (int k : zone.keysAt(QUANTA[qi])) {
          hashSet.add(key(k, QUANTA[qi]));
        }
      }
      System.gc();
      long after = rt.totalMemory() - rt.freeMemory();
      System.out.printf(
          Locale.ROOT,
          "HashSet<Long>: %d keys, about %.1f bytes/entry%n",
          hashSet.size(),
          (after - before) / (double) zone.entryCount());
    }
    if (b.contains("legacy")) {
      // The previous front: one independent Bloom probe per prefix length present (13 bits per
      // key; exclusions included here, 0.5 % of the keys).
      legacy = BlockedBloomFilter.create(zone.keyCount(), ZoneFiles.DEFAULT_BITS_PER_KEY);
      int n = 0;
      int[] masks = new int[4];
      long[] tags = new long[4];
      for (int q : QUANTA) {
        int[] k = zone.keysAt(q);
        if (k.length > 0) {
          masks[n] = -1 << (32 - q);
          tags[n++] = (long) q << 32;
        }
        for (int key : k) {
          legacy.put(key(key, q));
        }
      }
      legacyMasks = java.util.Arrays.copyOf(masks, n);
      legacyTags = java.util.Arrays.copyOf(tags, n);
      int through = 0;
      for (int ip : unlisted) {
        through += legacyMaybe(ip) ? 1 : 0;
      }
      System.out.printf(
          Locale.ROOT,
          "legacy Bloom: %.2f bytes/entry, unlisted lookups reaching the arrays %.3f %%%n",
          legacy.sizeBytes() / (double) zone.entryCount(),
          100.0 * through / QUERIES);
    }
    if (b.contains("guava")) {
      guava = BloomFilter.create(Funnels.longFunnel(), zone.keyCount(), 0.003);
      for (int qi = 0; qi < 4; qi++) {
        for (int k : zone.keysAt(QUANTA[qi])) {
          guava.put(key(k, QUANTA[qi]));
        }
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      guava.writeTo(out);
      System.out.printf(
          Locale.ROOT,
          "Guava BloomFilter (fpp 0.003): %.2f bytes/entry%n",
          out.size() / (double) zone.entryCount());
    }
  }

  private static long key(int net, int q) {
    return ((long) q << 32) | (net & 0xffffffffL);
  }

  static Path dataset(int n, boolean clustered) throws IOException {
    Path p =
        Path.of(
            System.getProperty("java.io.tmpdir"),
            "mailfilter-bench-ip4set-" + (clustered ? "clustered-" : "") + n + ".zone");
    if (Files.exists(p)) {
      return p;
    }
    Path tmp = Files.createTempFile(p.getParent(), "mailfilter-bench", ".tmp");
    SplittableRandom r = new SplittableRandom(20261126);
    // The uniform file is the same as before the clustered one was added (same random stream).
    int[] slash16 = new int[clustered ? 4096 : 0];
    for (int i = 0; i < slash16.length; i++) {
      slash16[i] = unicast(r) & 0xffff0000;
    }
    try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.US_ASCII)) {
      w.write("$SOA 3600 ns.bench.test. hostmaster.bench.test. 1 3600 600 86400 60\n");
      w.write(":127.0.0.2:Listed, see https://bl.example/lookup?ip=$\n");
      StringBuilder sb = new StringBuilder(64);
      for (int i = 0; i < n; i++) {
        sb.setLength(0);
        int kind = r.nextInt(100);
        long ip =
            (clustered ? slash16[r.nextInt(slash16.length)] | (r.nextInt() >>> 16) : r.nextInt())
                & 0xffffffffL;
        if (kind < 95) {
          ip(sb, ip);
        } else if (kind < 99) {
          ip(sb, ip & 0xffffff00L);
          sb.append("/24 :127.0.0.4:");
        } else if (kind < 100 && r.nextBoolean()) {
          ip(sb, ip);
          sb.append('-');
          ip(sb, Math.min(0xffffffffL, ip + 1 + r.nextInt(64)));
          sb.append(" :127.0.0.3:");
        } else {
          sb.append('!');
          ip(sb, ip);
        }
        sb.append('\n');
        w.append(sb);
      }
    }
    Files.move(tmp, p);
    return p;
  }

  private static void ip(StringBuilder sb, long v) {
    sb.append((v >>> 24) & 255).append('.').append((v >>> 16) & 255).append('.');
    sb.append((v >>> 8) & 255).append('.').append(v & 255);
  }

  private int nextIndex() {
    return next = (next + 1) & (QUERIES - 1);
  }

  /** The mirror's lookup: Bloom probes, exact arrays on "maybe". */
  @Benchmark
  public int bloomUnlisted() {
    return zone.lookup(unlisted[nextIndex()]);
  }

  /** A listed address: Bloom "maybe", then the exact arrays. */
  @Benchmark
  public int bloomListed() {
    return zone.lookup(listed[nextIndex()]);
  }

  /** The sorted arrays alone (binary search per prefix length, bucket-indexed). */
  @Benchmark
  public int exactUnlisted() {
    return zone.exactLookup(unlisted[nextIndex()]);
  }

  /** The sorted arrays alone, listed address. */
  @Benchmark
  public int exactListed() {
    return zone.exactLookup(listed[nextIndex()]);
  }

  /** A HashSet holding the same keys, probed per prefix length like the arrays. */
  @Benchmark
  public boolean hashSetUnlisted() {
    return hashSetContains(unlisted[nextIndex()]);
  }

  /** A HashSet holding the same keys, listed address. */
  @Benchmark
  public boolean hashSetListed() {
    return hashSetContains(listed[nextIndex()]);
  }

  private boolean hashSetContains(int ip) {
    for (int q : QUANTA) {
      if (hashSet.contains(key(ip & (-1 << (32 - q)), q))) {
        return true;
      }
    }
    return false;
  }

  /** The previous front: one Bloom probe per prefix length present, exact arrays on "maybe". */
  @Benchmark
  public int legacyUnlisted() {
    int ip = unlisted[nextIndex()];
    return legacyMaybe(ip) ? zone.exactLookup(ip) : -1;
  }

  /** The previous front, listed address. */
  @Benchmark
  public int legacyListed() {
    int ip = listed[nextIndex()];
    return legacyMaybe(ip) ? zone.exactLookup(ip) : -1;
  }

  private boolean legacyMaybe(int ip) {
    int[] masks = legacyMasks;
    long[] tags = legacyTags;
    for (int p = 0; p < masks.length; p++) {
      if (legacy.mightContain(tags[p] | ((ip & masks[p]) & 0xffffffffL))) {
        return true;
      }
    }
    return false;
  }

  /** Guava's BloomFilter in the Bloom filter's place (probe only, no exact check). */
  @Benchmark
  public boolean guavaBloomUnlisted() {
    int ip = unlisted[nextIndex()];
    for (int q : QUANTA) {
      if (guava.mightContain(key(ip & (-1 << (32 - q)), q))) {
        return true;
      }
    }
    return false;
  }

  /** Our front's probes only (bitmaps and Bloom filter), for comparison with Guava's. */
  @Benchmark
  public boolean blockedBloomUnlisted() {
    return zone.bloomMaybe(unlisted[nextIndex()]);
  }

  /** Reading and parsing the whole file, sorting and building the Bloom filter. */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 1)
  @Measurement(iterations = 3)
  public Object load() throws IOException {
    return ZoneFiles.read(file, MirrorKind.IP4SET);
  }
}
