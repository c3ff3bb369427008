package dev.mailfilter.benchmarks.cluster;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.cluster.Settings;
import dev.mailfilter.cluster.Snapshot;
import dev.mailfilter.cluster.Tenant;
import dev.mailfilter.cluster.TenantPath;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * Where a cluster node's time goes when it applies one tenant change (issue 15): each stage of the
 * whole-tree rebuild {@code ClusterNode} does per change, timed on its own, on the provider tree of
 * {@link ProviderScale} (same shape, same options) built in memory, without Redis. The stages, in
 * the node's order: the {@link Snapshot} of the tree (a copy with the order checked), its {@code
 * tenants} section as map trees, the core's configuration built from the node's file and that
 * section (validation and the {@code TenantDirectory}), the {@link MailFilter} of it (the checks),
 * and, after the swap on the keeper thread, the tree as JSON for {@code snapshot.json}. A baseline
 * row builds the configuration and the filter without the tree: the part of a change that does not
 * grow with the tree.
 *
 * <p>Not JMH: {@code --reps} rounds (default 8) in one JVM, each stage timed with {@code
 * System.nanoTime}; the first rounds are the JIT's warm-up, so read the last ones.
 *
 * <pre>
 * ./mvnw -B -ntp -q -pl benchmarks -am package -DskipTests
 * java -Xmx4g -cp benchmarks/target/benchmarks.jar dev.mailfilter.benchmarks.cluster.RebuildStages
 * java -cp benchmarks/target/benchmarks.jar dev.mailfilter.benchmarks.cluster.RebuildStages \
 *     --resellers 10 --customers 200 --domains 5000 --users 20000   # a tenth
 * </pre>
 */
public final class RebuildStages {
  private RebuildStages() {}

  /**
   * Runs the rounds and prints one line per round.
   *
   * @param args {@code --resellers}, {@code --customers}, {@code --domains}, {@code --users},
   *     {@code --reps}, each followed by a count
   */
  public static void main(String[] args) {
    Map<String, Integer> o =
        new java.util.HashMap<>(
            Map.of(
                "--resellers", 100,
                "--customers", 2000,
                "--domains", 50_000,
                "--users", 200_000,
                "--reps", 8));
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!o.containsKey(args[i])) {
        throw new IllegalArgumentException("unknown option " + args[i] + ", known: " + o.keySet());
      }
      o.put(args[i], Integer.parseInt(args[i + 1]));
    }
    int resellers = o.get("--resellers");
    int customers = o.get("--customers");
    int domains = o.get("--domains");
    int users = o.get("--users");
    IntFunction<TenantPath> reseller = i -> TenantPath.reseller("r" + i);
    IntFunction<TenantPath> customer =
        i -> reseller.apply(i % resellers).child(TenantPath.Kind.CUSTOMER, "c" + i);
    IntFunction<TenantPath> domain =
        i -> customer.apply(i % customers).child(TenantPath.Kind.DOMAIN, "d" + i + ".example");
    Settings route = Settings.of(Map.of("route", Map.of("host", "relay.example", "port", 25)));
    List<Tenant> tree = new ArrayList<>();
    for (int i = 0; i < resellers; i++) {
      tree.add(tenant(reseller.apply(i), route));
    }
    for (int i = 0; i < customers; i++) {
      tree.add(tenant(customer.apply(i), Settings.empty()));
    }
    for (int i = 0; i < domains; i++) {
      tree.add(tenant(domain.apply(i), Settings.empty()));
    }
    for (int i = 0; i < users; i++) {
      tree.add(
          tenant(domain.apply(i % domains).child(TenantPath.Kind.USER, "u" + i), Settings.empty()));
    }
    // Sorted once, as the node's tree model keeps it: the node's snapshot only checks the order.
    List<Tenant> sorted = new Snapshot(1, tree).tenants();
    String file = "actions: {reject: 15}\n";
    System.out.printf(
        Locale.ROOT,
        "tree: %d nodes; %d cores, load average %.2f%n",
        sorted.size(),
        Runtime.getRuntime().availableProcessors(),
        loadAverage());
    System.out.println(
        "round: snapshot ms, section ms, config with the tree ms, filter ms | without the tree:"
            + " config ms, filter ms | json ms (off the path)");
    for (int r = 1; r <= o.get("--reps"); r++) {
      long a = System.nanoTime();
      Snapshot s = new Snapshot(r, sorted);
      long b = System.nanoTime();
      Map<String, Object> section = s.tenantsSection();
      long c = System.nanoTime();
      FilterConfig fileConfig = FilterConfig.builder().yaml(file).build();
      FilterConfig.Builder builder = FilterConfig.builder().yaml(fileConfig.toYaml());
      builder.set("tenants", section);
      FilterConfig config = builder.build();
      long d = System.nanoTime();
      MailFilter.builder().config(config).build();
      long e = System.nanoTime();
      FilterConfig bare = FilterConfig.builder().yaml(fileConfig.toYaml()).build();
      long f = System.nanoTime();
      MailFilter.builder().config(bare).build();
      long g = System.nanoTime();
      int chars = s.toJson().length();
      long h = System.nanoTime();
      System.out.printf(
          Locale.ROOT,
          "%d: %d, %d, %d, %d | %d, %d | %d (%d chars)%n",
          r,
          ms(b - a),
          ms(c - b),
          ms(d - c),
          ms(e - d),
          ms(f - e),
          ms(g - f),
          ms(h - g),
          chars);
    }
  }

  private static double loadAverage() {
    try {
      return Double.parseDouble(
          Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).split(" ")[0]);
    } catch (java.io.IOException | RuntimeException e) {
      return -1;
    }
  }

  private static long ms(long nanos) {
    return nanos / 1_000_000;
  }

  private static Tenant tenant(TenantPath path, Settings settings) {
    return new Tenant(path, settings, Optional.empty(), 1, Instant.EPOCH, "benchmark");
  }
}
