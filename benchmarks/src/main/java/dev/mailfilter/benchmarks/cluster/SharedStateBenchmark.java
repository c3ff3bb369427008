package dev.mailfilter.benchmarks.cluster;

import dev.mailfilter.cluster.state.GreylistCheck;
import dev.mailfilter.cluster.state.GreylistSettings;
import dev.mailfilter.cluster.state.RateLimitCheck;
import dev.mailfilter.cluster.state.SharedRedis;
import dev.mailfilter.cluster.state.StateSettings;
import dev.mailfilter.cluster.state.TokenBucket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one recipient's greylisting and rate-limit decision on a local Redis (one Lua script
 * each, over one shared connection), against the same decision on the node's local state (what a
 * node falls back to without Redis). Starts its own {@code redis-server} (Debian's) on a free
 * loopback port. {@code greylistShared} cycles through {@code triplets} triplets that have already
 * passed (the steady state of a busy gateway); {@code rateLimitShared} charges four buckets (client
 * IP, sender, recipient domain, tenant) per call.
 *
 * <pre>
 * ./mvnw -B -ntp -q -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar SharedStateBenchmark -f 1 -wi 3 -i 5
 * </pre>
 */
@State(Scope.Benchmark)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@BenchmarkMode(Mode.AverageTime)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SharedStateBenchmark {
  @Param({"10000"})
  public int triplets;

  private static final Duration BUDGET = Duration.ofSeconds(1);

  private Process server;
  private Path dir;
  private SharedRedis redis;
  private GreylistCheck greylistShared;
  private GreylistCheck greylistLocal;
  private RateLimitCheck rateShared;
  private RateLimitCheck rateLocal;
  private int next;

  /** Starts redis-server and lets every triplet pass greylisting once. */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    dir = Files.createTempDirectory("bench-redis");
    server =
        new ProcessBuilder(
                "/usr/bin/redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                Integer.toString(port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                dir.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("redis.log").toFile())
            .start();
    redis =
        SharedRedis.connect(
            StateSettings.redis("redis://127.0.0.1:" + port)
                .withTimeouts(Duration.ofSeconds(1), Duration.ofMillis(100)));
    if (!redis.awaitAvailable(Duration.ofSeconds(10))) {
      throw new IllegalStateException("redis-server did not start; see " + dir);
    }
    GreylistSettings g = GreylistSettings.defaults().withDelay(Duration.ZERO);
    greylistShared = GreylistCheck.of(g, Optional.of(redis), Clock.systemUTC());
    greylistLocal = GreylistCheck.of(g, Optional.empty(), Clock.systemUTC());
    for (int i = 0; i < triplets; i++) {
      for (int pass = 0; pass < 2; pass++) {
        greylistShared.decide(net(i), sender(i), rcpt(i), BUDGET);
        greylistLocal.decide(net(i), sender(i), rcpt(i), BUDGET);
      }
    }
    // Buckets large enough never to refuse: the cost measured is that of an admitted recipient.
    Map<RateLimitCheck.Kind, TokenBucket> buckets =
        Map.of(
            RateLimitCheck.Kind.IP, TokenBucket.of(1_000_000, Duration.ofSeconds(1), 1_000_000),
            RateLimitCheck.Kind.SENDER, TokenBucket.of(1_000_000, Duration.ofSeconds(1), 1_000_000),
            RateLimitCheck.Kind.RECIPIENT_DOMAIN,
                TokenBucket.of(1_000_000, Duration.ofSeconds(1), 1_000_000),
            RateLimitCheck.Kind.TENANT,
                TokenBucket.of(1_000_000, Duration.ofSeconds(1), 1_000_000));
    rateShared =
        RateLimitCheck.of(
            buckets,
            RateLimitCheck.OnLimit.SYMBOL,
            Optional.of(redis),
            r -> Optional.of("tenant" + (r.hashCode() & 63)),
            Clock.systemUTC());
    rateLocal =
        RateLimitCheck.of(
            buckets,
            RateLimitCheck.OnLimit.SYMBOL,
            Optional.empty(),
            r -> Optional.of("tenant" + (r.hashCode() & 63)),
            Clock.systemUTC());
  }

  private static String net(int i) {
    return "10." + (i >> 8 & 255) + "." + (i & 255) + ".0/24";
  }

  private static String sender(int i) {
    return "s" + (i % 997) + "@sender" + (i % 31) + ".example";
  }

  private static String rcpt(int i) {
    return "u" + i + "@d" + (i % 101) + ".example";
  }

  private int next() {
    int i = next;
    next = i + 1 == triplets ? 0 : i + 1;
    return i;
  }

  @Benchmark
  public Object greylistShared() throws InterruptedException {
    int i = next();
    return greylistShared.decide(net(i), sender(i), rcpt(i), BUDGET);
  }

  @Benchmark
  public Object greylistLocal() throws InterruptedException {
    int i = next();
    return greylistLocal.decide(net(i), sender(i), rcpt(i), BUDGET);
  }

  @Benchmark
  public Object rateLimitShared() throws InterruptedException {
    int i = next();
    return rateShared.decide("10.0." + (i & 255) + ".1", sender(i), rcpt(i), BUDGET);
  }

  @Benchmark
  public Object rateLimitLocal() throws InterruptedException {
    int i = next();
    return rateLocal.decide("10.0." + (i & 255) + ".1", sender(i), rcpt(i), BUDGET);
  }

  /** Stops redis-server and removes its directory. */
  @TearDown(Level.Trial)
  public void tearDown() throws IOException, InterruptedException {
    redis.close();
    server.destroy();
    server.waitFor(5, TimeUnit.SECONDS);
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
