package dev.mailfilter.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real DNS server for tests: Debian's {@code dnsmasq} (package {@code dnsmasq-base}) on 127.0.0.1
 * and a free UDP port, serving only the records given as its options ({@code --mx-host}, {@code
 * --host-record}, {@code --dns-rr}, ...), with no upstream servers, no hosts file and no
 * configuration file. Ready when it answers a query (polled with a deadline), stopped by its PID.
 */
public final class DnsmasqServer implements AutoCloseable {
  /** Where Debian's {@code dnsmasq-base} package puts the daemon. */
  public static final Path BINARY = Path.of("/usr/sbin/dnsmasq");

  private final Process process;
  private final int port;
  private final Path dir;

  private DnsmasqServer(Process process, int port, Path dir) {
    this.process = process;
    this.port = port;
    this.dir = dir;
  }

  /**
   * Starts dnsmasq with the given record options, e.g. {@code
   * --mx-host=example.test,mx.example.test,10} and {@code --host-record=mx.example.test,127.0.0.1};
   * {@code --local=/test/} makes it answer NXDOMAIN and NODATA itself for names under {@code test}
   * it has no record of. Its log (every query) goes to {@code dir/dnsmasq.log}.
   */
  public static DnsmasqServer start(Path dir, List<String> records) throws IOException {
    DebianPackage.require(BINARY, "dnsmasq-base");
    AssertionError last = null;
    // A free port can be taken between the probe and dnsmasq's bind: try another.
    for (int attempt = 0; attempt < 3; attempt++) {
      int port = FreePort.udp();
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  BINARY.toString(),
                  "-k",
                  "-p",
                  Integer.toString(port),
                  "--listen-address=127.0.0.1",
                  "--bind-interfaces",
                  "--no-resolv",
                  "--no-hosts",
                  "--conf-file=/dev/null",
                  "--user=root",
                  "--log-queries",
                  "--log-facility=" + dir.resolve("dnsmasq.log"),
                  "--pid-file=" + dir.resolve("dnsmasq.pid")));
      cmd.addAll(records);
      Process p =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("dnsmasq.out").toFile())
              .start();
      DnsmasqServer server = new DnsmasqServer(p, port, dir);
      try {
        server.awaitReady(Duration.ofSeconds(10));
        return server;
      } catch (AssertionError e) {
        server.close();
        last = e;
      }
    }
    throw last;
  }

  private void awaitReady(Duration timeout) throws IOException {
    DnsProbe.await(
        "dnsmasq", process, this::log, address(), DnsProbe.query("", 2, true), timeout, a -> true);
  }

  /** What dnsmasq printed and logged (every query), for failure messages. */
  public String log() throws IOException {
    StringBuilder sb = new StringBuilder();
    for (String name : List.of("dnsmasq.out", "dnsmasq.log")) {
      Path p = dir.resolve(name);
      if (Files.exists(p)) {
        sb.append(Files.readString(p, StandardCharsets.UTF_8));
      }
    }
    return sb.isEmpty() ? "(no log)" : sb.toString();
  }

  /** The UDP address it answers on. */
  public InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
  }

  /** Its UDP port on 127.0.0.1. */
  public int port() {
    return port;
  }

  @Override
  public void close() {
    Processes.stop(process.toHandle(), Duration.ofSeconds(5));
  }
}
