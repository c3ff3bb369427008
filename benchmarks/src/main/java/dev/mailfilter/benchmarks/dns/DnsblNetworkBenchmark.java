package dev.mailfilter.benchmarks.dns;

import com.google.common.net.InetAddresses;
import dev.mailfilter.api.Stage;
import dev.mailfilter.dns.Deadline;
import dev.mailfilter.dns.DnsResolver;
import dev.mailfilter.dns.DnsSettings;
import dev.mailfilter.dns.Dnsbl;
import dev.mailfilter.dns.DnsblList;
import dev.mailfilter.dns.DnsblRequest;
import dev.mailfilter.dns.ListKind;
import dev.mailfilter.dns.MirrorSettings;
import dev.mailfilter.dns.mirror.MirrorKind;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The whole-message cost of the blocklist checks against a real rbldnsd on loopback (started by the
 * benchmark, like the tests do): the CONNECT stage (client IP in an IP list), MAIL FROM (HELO and
 * sender domains in a domain list) and DATA (two URL domains in a URI list), each stage's queries
 * in parallel, the stages one after the other as a session runs them. Cold = cache off (every query
 * on the wire), cached = answers from the resolver's cache, mirror = the same zones loaded as local
 * mirrors. {@code cachedAnswer} and {@code mirrorAnswer} are single lookups, the "cached DNS
 * answer" column of the mirror comparison.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar DnsblNetworkBenchmark} (needs
 * /usr/sbin/rbldnsd and root to start it as user rbldns).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DnsblNetworkBenchmark {
  private static final DnsblList IP = DnsblList.builder("BL", "bl.test", ListKind.IP).build();
  private static final DnsblList DOMAIN =
      DnsblList.builder("DBL", "dbl.test", ListKind.DOMAIN).build();
  private static final DnsblList URI = DnsblList.builder("URI", "dbl.test", ListKind.URI).build();

  private Path dir;
  private Process rbldnsd;
  private Dnsbl cold;
  private Dnsbl cached;
  private Dnsbl mirrored;
  private final DnsblRequest request =
      new DnsblRequest(
          Optional.of(InetAddresses.forString("192.0.2.77")),
          Optional.of("mx.sender.example"),
          Optional.of("bounce@spam.example"),
          Optional.empty(),
          List.of("www.shop.example.co.uk", "links.spam.example"));

  /** Starts rbldnsd on a free port and builds the three checkers. */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("mailfilter-bench-rbldnsd");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    String soa = "$SOA 3600 ns.%1$s. hostmaster.%1$s. 1 3600 600 86400 60\n";
    Path bl = dir.resolve("bl.zone");
    Path dbl = dir.resolve("dbl.zone");
    Files.writeString(bl, soa.formatted("bl.test") + "127.0.0.2\n192.0.2.0/24\n!192.0.2.1\n");
    Files.writeString(dbl, soa.formatted("dbl.test") + "test\n.spam.example\n");
    for (Path p : List.of(bl, dbl)) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
    }
    int port;
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    rbldnsd =
        new ProcessBuilder(
                "/usr/sbin/rbldnsd",
                "-n",
                "-u",
                "rbldns",
                "-b",
                "127.0.0.1/" + port,
                "-w",
                dir.toString(),
                "-p",
                dir.resolve("pid").toString(),
                "bl.test:ip4set:bl.zone",
                "dbl.test:dnset:dbl.zone")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("log").toFile())
            .start();
    try {
      connect(port, bl, dbl);
    } catch (Exception | Error e) {
      rbldnsd.destroy(); // JMH skips the tear-down when set-up fails: do not leave it running
      throw e;
    }
  }

  private void connect(int port, Path bl, Path dbl) throws IOException {
    InetSocketAddress server = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    DnsSettings base =
        DnsSettings.builder().addServer(server).deadline(Duration.ofSeconds(1)).build();
    List<DnsblList> lists = List.of(IP, DOMAIN, URI);
    cold =
        Dnsbl.create(DnsResolver.create(base.toBuilder().cacheSize(0).build()), lists, List.of());
    cached = Dnsbl.create(DnsResolver.create(base), lists, List.of());
    mirrored =
        Dnsbl.create(
            DnsResolver.create(base),
            lists,
            List.of(
                MirrorSettings.of("bl.test", bl, MirrorKind.IP4SET),
                MirrorSettings.of("dbl.test", dbl, MirrorKind.DNSET)));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!cold.selfTest(Duration.ofMillis(200)).values().stream().allMatch(s -> s.healthy())) {
      if (System.nanoTime() > deadline || !rbldnsd.isAlive()) {
        throw new IOException("rbldnsd did not come up: " + Files.readString(dir.resolve("log")));
      }
    }
    message(cached);
  }

  /** Stops rbldnsd by its PID. */
  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    cold.close();
    cached.close();
    mirrored.close();
    rbldnsd.destroy();
    rbldnsd.waitFor(5, TimeUnit.SECONDS);
  }

  private int message(Dnsbl d) {
    int hits = 0;
    for (Stage s : new Stage[] {Stage.CONNECT, Stage.MAIL_FROM, Stage.DATA}) {
      hits += d.check(s, request, Deadline.after(Duration.ofSeconds(1))).hits().size();
    }
    if (hits != 3) {
      throw new IllegalStateException("expected 3 hits (BL, DBL, URI), got " + hits);
    }
    return hits;
  }

  /** Every query on the wire: 1 + 2 + 2 queries in three parallel rounds. */
  @Benchmark
  public int messageCold() {
    return message(cold);
  }

  /** Every answer from the resolver's cache. */
  @Benchmark
  public int messageCached() {
    return message(cached);
  }

  /** Every answer from local mirrors. */
  @Benchmark
  public int messageMirror() {
    return message(mirrored);
  }

  /** One cached DNS answer, through the same API as a mirror lookup. */
  @Benchmark
  public Object cachedAnswer() {
    return cached.lookup(IP, "192.0.2.77", false, Deadline.after(Duration.ofSeconds(1))).join();
  }

  /** One mirror answer, through the same API. */
  @Benchmark
  public Object mirrorAnswer() {
    return mirrored.lookup(IP, "192.0.2.77", false, Deadline.after(Duration.ofSeconds(1))).join();
  }
}
