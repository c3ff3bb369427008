package dev.mailfilter.benchmarks.cluster;

import dev.mailfilter.cluster.ClusterNode;
import dev.mailfilter.cluster.RedisTenantStore;
import dev.mailfilter.cluster.Settings;
import dev.mailfilter.cluster.Tenant;
import dev.mailfilter.cluster.TenantPath;
import dev.mailfilter.cluster.WriteResult;
import dev.mailfilter.testkit.RedisServer;
import io.lettuce.core.RedisURI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.stream.Stream;

/**
 * Provider scale (issue 15): a tenant tree of {@code --resellers} resellers, {@code --customers}
 * customers, {@code --domains} domains and {@code --users} users (defaults 100, 2,000, 50,000 and
 * 200,000) written into a real {@code redis-server} on loopback through {@link RedisTenantStore}
 * (the admin API's path: every node validated and written by its Lua script), then three {@link
 * ClusterNode}s in this JVM, each on its own connection:
 *
 * <ul>
 *   <li>the time to load the tree into Redis, phase by phase, with {@code --threads} writers;
 *   <li>the full sync of a new node: {@code ClusterNode.start} to the first filter built with the
 *       whole tree (snapshot read from Redis, the configuration built, the filter swapped in, the
 *       tree kept on disk);
 *   <li>the heap after a full GC with the tree loaded, before the nodes and after each one;
 *   <li>{@code --changes} changes (default 10, a new domain each), written one at a time: the time
 *       from the write to the swap done on each of the three nodes, as a distribution.
 * </ul>
 *
 * <p>Not JMH: each figure is one long operation, measured once per run with {@code
 * System.nanoTime}. The greylisting and rate-limit cost per recipient is {@link
 * SharedStateBenchmark}.
 *
 * <pre>
 * ./mvnw -B -ntp -q -pl benchmarks -am package -DskipTests
 * java -Xmx4g -cp benchmarks/target/benchmarks.jar dev.mailfilter.benchmarks.cluster.ProviderScale
 * java -cp benchmarks/target/benchmarks.jar dev.mailfilter.benchmarks.cluster.ProviderScale \
 *     --resellers 10 --customers 200 --domains 5000 --users 20000 --changes 20   # a tenth
 * </pre>
 */
public final class ProviderScale {
  private ProviderScale() {}

  /** Runs the measurement and prints one line per figure. */
  public static void main(String[] args) throws Exception {
    Map<String, Integer> o = options(args);
    int resellers = o.get("--resellers");
    int customers = o.get("--customers");
    int domains = o.get("--domains");
    int users = o.get("--users");
    int changes = o.get("--changes");
    int threads = o.get("--threads");
    int nodeCount = o.get("--nodes");
    Path dir = Files.createTempDirectory("provider-scale");
    List<AutoCloseable> closing = new ArrayList<>();
    try (RedisServer redis = RedisServer.primary(dir.resolve("redis"));
        RedisTenantStore admin = store(redis)) {
      System.out.printf(
          Locale.ROOT,
          "tree: %d resellers, %d customers, %d domains, %d users; %d writer threads;"
              + " %d cores, load average %.2f at start%n",
          resellers,
          customers,
          domains,
          users,
          threads,
          Runtime.getRuntime().availableProcessors(),
          loadAverage());

      // Customers spread over the resellers, domains over the customers, users over the domains.
      IntFunction<TenantPath> reseller = i -> TenantPath.reseller("r" + i);
      IntFunction<TenantPath> customer =
          i -> reseller.apply(i % resellers).child(TenantPath.Kind.CUSTOMER, "c" + i);
      IntFunction<TenantPath> domain =
          i -> customer.apply(i % customers).child(TenantPath.Kind.DOMAIN, "d" + i + ".example");
      IntFunction<TenantPath> user =
          i -> domain.apply(i % domains).child(TenantPath.Kind.USER, "u" + i);
      Settings route = Settings.of(Map.of("route", Map.of("host", "relay.example", "port", 25)));
      long loadStart = System.nanoTime();
      phase("resellers", resellers, threads, i -> write(admin, reseller.apply(i), route));
      phase(
          "customers", customers, threads, i -> write(admin, customer.apply(i), Settings.empty()));
      phase("domains", domains, threads, i -> write(admin, domain.apply(i), Settings.empty()));
      phase("users", users, threads, i -> write(admin, user.apply(i), Settings.empty()));
      double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
      long version = admin.version();
      System.out.printf(
          Locale.ROOT,
          "load into Redis: %d nodes in %.1f s (%.0f nodes/s), store version %d, redis used_memory %s%n",
          resellers + customers + domains + users,
          loadSeconds,
          (resellers + customers + domains + users) / loadSeconds,
          version,
          usedMemory(redis));

      long t = System.nanoTime();
      List<TenantPath> paths =
          new ArrayList<>(admin.snapshot().tenants().stream().map(Tenant::path).toList());
      System.out.printf(
          Locale.ROOT,
          "store.snapshot(): %d nodes in %d ms%n",
          paths.size(),
          (System.nanoTime() - t) / 1_000_000);
      sortCost(paths);

      Path config = dir.resolve("mailfilter.yaml");
      Files.writeString(config, "actions: {reject: 15}\n", StandardCharsets.UTF_8);
      long heap0 = heapAfterGc();
      System.out.printf(Locale.ROOT, "heap after GC before any node: %d MB%n", heap0 >> 20);
      List<ClusterNode> nodes = new ArrayList<>();
      for (int n = 0; n < nodeCount; n++) {
        RedisTenantStore s = store(redis);
        closing.add(s);
        long t0 = System.nanoTime();
        ClusterNode node = ClusterNode.start(config, dir.resolve("node" + n), s);
        closing.add(node);
        if (!node.awaitVersion(version, Duration.ofMinutes(20))) {
          throw new IllegalStateException("node " + n + " did not sync within 20 minutes");
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        nodes.add(node);
        // The kept tree is written after the swap, by the node's keeper thread.
        Path kept = dir.resolve("node" + n).resolve("snapshot.json");
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (!Files.exists(kept) && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        long keptMs = (System.nanoTime() - t0) / 1_000_000;
        long heap = heapAfterGc();
        System.out.printf(
            Locale.ROOT,
            "node %d: full sync (start to first filter with the tree) %d ms; tree kept on disk"
                + " at %d ms (%d MB); heap after GC %d MB (+%d MB per node so far)%n",
            n,
            ms,
            keptMs,
            Files.exists(kept) ? Files.size(kept) >> 20 : -1,
            heap >> 20,
            ((heap - heap0) / (n + 1)) >> 20);
      }
      if (!nodes
          .getFirst()
          .filters()
          .current()
          .config()
          .tenants()
          .resolve("u7@d7.example")
          .isPresent()) {
        throw new IllegalStateException("the node does not resolve u7@d7.example");
      }

      List<Long> millis = new ArrayList<>();
      List<Long> last = new ArrayList<>();
      for (int i = 0; i < changes; i++) {
        long t0 = System.nanoTime();
        WriteResult w =
            admin.create(
                customer.apply(i % customers).child(TenantPath.Kind.DOMAIN, "new" + i + ".example"),
                Settings.empty(),
                Optional.empty(),
                "bench");
        long v = ((WriteResult.Written) w).storeVersion();
        long worst = 0;
        for (ClusterNode n : nodes) {
          if (!n.awaitVersion(v, Duration.ofMinutes(5))) {
            throw new IllegalStateException("change " + v + " not applied within 5 minutes");
          }
          long ms = (System.nanoTime() - t0) / 1_000_000;
          millis.add(ms);
          worst = Math.max(worst, ms);
        }
        last.add(worst);
        System.out.printf(Locale.ROOT, "  change %d: on all nodes after %d ms%n", i, worst);
      }
      System.out.printf(
          Locale.ROOT,
          "one change -> applied on a node (write to swap done), %d samples: %s%n",
          millis.size(),
          distribution(millis));
      System.out.printf(
          Locale.ROOT,
          "one change -> applied on all %d nodes, %d samples: %s%n",
          nodes.size(),
          last.size(),
          distribution(last));
      System.out.printf(Locale.ROOT, "load average at end %.2f%n", loadAverage());
    } finally {
      for (int i = closing.size() - 1; i >= 0; i--) {
        closing.get(i).close();
      }
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /**
   * A node sorts the whole tree when it loads a snapshot: the paths in a shuffled order sorted by
   * their written forms (how {@code TenantPath.compareTo} did it, building both strings per
   * comparison) against {@code compareTo} now, in the same run, three rounds each.
   */
  private static void sortCost(List<TenantPath> paths) {
    java.util.Collections.shuffle(paths, new java.util.Random(15));
    long strings = Long.MAX_VALUE;
    long segments = Long.MAX_VALUE;
    for (int round = 0; round < 3; round++) {
      List<TenantPath> a = new ArrayList<>(paths);
      long t0 = System.nanoTime();
      a.sort((x, y) -> x.toString().compareTo(y.toString()));
      strings = Math.min(strings, System.nanoTime() - t0);
      List<TenantPath> b = new ArrayList<>(paths);
      t0 = System.nanoTime();
      b.sort(null);
      segments = Math.min(segments, System.nanoTime() - t0);
      if (!a.equals(b)) {
        throw new IllegalStateException("the two orders differ");
      }
    }
    System.out.printf(
        Locale.ROOT,
        "sort %d paths (best of 3): by written form %d ms, by compareTo %d ms (%.1fx)%n",
        paths.size(),
        strings / 1_000_000,
        segments / 1_000_000,
        (double) strings / segments);
  }

  private static Map<String, Integer> options(String[] args) {
    Map<String, Integer> o =
        new java.util.HashMap<>(
            Map.of(
                "--resellers", 100,
                "--customers", 2000,
                "--domains", 50_000,
                "--users", 200_000,
                "--changes", 10,
                "--threads", 8,
                "--nodes", 3));
    for (int i = 0; i < args.length; i += 2) {
      if (!o.containsKey(args[i]) || i + 1 >= args.length) {
        throw new IllegalArgumentException("unknown option or missing value: " + args[i]);
      }
      o.put(args[i], Integer.parseInt(args[i + 1]));
    }
    return o;
  }

  private static RedisTenantStore store(RedisServer redis) {
    return RedisTenantStore.connect(
        RedisTenantStore.Options.of(RedisURI.create("127.0.0.1", redis.port())));
  }

  private static void write(RedisTenantStore store, TenantPath path, Settings settings) {
    WriteResult w = store.create(path, settings, Optional.empty(), "bench");
    if (!(w instanceof WriteResult.Written)) {
      throw new IllegalStateException(path + ": " + w);
    }
  }

  private interface Task {
    void run(int i) throws Exception;
  }

  private static void phase(String name, int count, int threads, Task task) throws Exception {
    long t0 = System.nanoTime();
    AtomicLong next = new AtomicLong();
    try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(
            pool.submit(
                () -> {
                  for (long i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                    task.run((int) i);
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    }
    double s = (System.nanoTime() - t0) / 1e9;
    System.out.printf(Locale.ROOT, "  %-10s %7d in %6.1f s (%.0f/s)%n", name, count, s, count / s);
  }

  private static long heapAfterGc() throws InterruptedException {
    Runtime rt = Runtime.getRuntime();
    long best = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
      best = Math.min(best, rt.totalMemory() - rt.freeMemory());
    }
    return best;
  }

  private static String usedMemory(RedisServer redis) throws Exception {
    Process p =
        new ProcessBuilder("redis-cli", "-p", Integer.toString(redis.port()), "info", "memory")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out.lines()
        .filter(l -> l.startsWith("used_memory_human:"))
        .map(l -> l.substring(l.indexOf(':') + 1).strip())
        .findFirst()
        .orElse("?");
  }

  private static double loadAverage() {
    try {
      return Double.parseDouble(
          Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).split(" ")[0]);
    } catch (Exception e) {
      return -1;
    }
  }

  private static String distribution(List<Long> samples) {
    List<Long> s = new ArrayList<>(samples);
    s.sort(null);
    return String.format(
        Locale.ROOT,
        "p50 %d ms, p90 %d ms, p99 %d ms, max %d ms",
        s.get(s.size() / 2),
        s.get(s.size() * 90 / 100),
        s.get(Math.min(s.size() - 1, s.size() * 99 / 100)),
        s.getLast());
  }
}
