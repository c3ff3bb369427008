package dev.mailfilter.benchmarks;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.tenant.Recipient;
import dev.mailfilter.tenant.TenantDirectory;
import java.util.Optional;
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
 * Tenant resolution at provider scale: a directory of {@code domains} domains under 10 resellers
 * and 500 customers (every 7th domain with settings of its own, one user per 100 domains), loaded
 * from the YAML text a configuration file would hold. {@code resolve} is one RCPT TO's lookup of a
 * configured recipient (mixed case, some with a {@code +detail}), {@code resolveUnknown} one of a
 * domain that is not configured (the relay-denied path), {@code load} the whole file to directory.
 *
 * <pre>
 * ./mvnw -B -ntp -q -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar TenantResolveBenchmark -f 1 -wi 3 -i 5
 * </pre>
 */
@State(Scope.Thread)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@BenchmarkMode(Mode.AverageTime)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TenantResolveBenchmark {
  @Param({"50000"})
  public int domains;

  private String yaml;
  private String listYaml;
  private TenantDirectory directory;
  private String[] known;
  private String[] unknown;
  private int next;

  /** Generates the file's text and loads it once. */
  @Setup(Level.Trial)
  public void setUp() {
    yaml = providerYaml(domains);
    StringBuilder list = new StringBuilder("domains:\n");
    for (int i = 0; i < domains; i++) {
      list.append("  - d").append(i).append(".example\n");
    }
    listYaml = list.toString();
    directory = FilterConfig.builder().yaml(yaml).build().tenants();
    known = new String[4096];
    unknown = new String[4096];
    java.util.SplittableRandom random = new java.util.SplittableRandom(42);
    for (int i = 0; i < known.length; i++) {
      int d = random.nextInt(domains);
      String local = (i % 3 == 0 ? "User" : "user") + i + (i % 5 == 0 ? "+news" : "");
      known[i] = local + "@D" + d + ".example";
      unknown[i] = "user" + i + "@d" + d + ".example.org";
    }
    if (directory.resolve(known[0]).isEmpty() || directory.resolve(unknown[0]).isPresent()) {
      throw new IllegalStateException("benchmark directory does not resolve as generated");
    }
  }

  /** One configured recipient's effective policy and route. */
  @Benchmark
  public Optional<Recipient> resolve() {
    return directory.resolve(known[next++ & (known.length - 1)]);
  }

  /** One recipient of a domain that is not configured. */
  @Benchmark
  public Optional<Recipient> resolveUnknown() {
    return directory.resolve(unknown[next++ & (unknown.length - 1)]);
  }

  /** The whole configuration text to a directory: YAML parsing, validation, layering. */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 3)
  @Measurement(iterations = 5)
  public TenantDirectory load() {
    return FilterConfig.builder().yaml(yaml).build().tenants();
  }

  /** The same number of domains as a plain list of names ({@code domains: [a.example, ...]}). */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 3)
  @Measurement(iterations = 5)
  public TenantDirectory loadList() {
    return FilterConfig.builder().yaml(listYaml).build().tenants();
  }

  /** The generated configuration: 10 resellers, 50 customers each, their domains and users. */
  static String providerYaml(int domains) {
    StringBuilder sb = new StringBuilder(domains * 64);
    sb.append("tenants:\n  resellers:\n");
    int perCustomer = Math.max(1, domains / 500);
    int d = 0;
    for (int r = 0; r < 10 && d < domains; r++) {
      sb.append("    r").append(r).append(":\n");
      sb.append("      actions: {add_header: ").append(5 + r % 3).append("}\n");
      sb.append("      customers:\n");
      for (int c = 0; c < 50 && d < domains; c++) {
        sb.append("        c").append(c).append(":\n");
        sb.append("          route: {host: mx.c").append(c).append(".r").append(r);
        sb.append(".example, port: 25, tls: may}\n");
        sb.append("          domains:\n");
        for (int i = 0; i < perCustomer && d < domains; i++, d++) {
          sb.append("            d").append(d).append(".example:");
          if (d % 100 == 0) {
            sb.append(" {users: {boss: {actions: {add_header: 3}}}}\n");
          } else if (d % 7 == 0) {
            sb.append(" {actions: {reject: 12}, symbols_disabled: [MISSING_MID]}\n");
          } else {
            sb.append(" {}\n");
          }
        }
      }
    }
    return sb.toString();
  }
}
