package dev.mailfilter.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * A real BIND 9 {@code named} on 127.0.0.1 and a free port, authoritative for the zones the test
 * writes (a root zone {@code "."} makes it answer for every name), with recursion off. Names given
 * as {@code dropped} are answered by nothing: a response-policy zone rewrites them to {@code
 * rpz-drop.}, so a client's query for them times out, as a dead server's would. Ready when it
 * answers a query (polled with a deadline), stopped by its PID.
 */
public final class NamedServer implements AutoCloseable {
  /** Where Debian's {@code bind9} package puts the daemon. */
  public static final Path BINARY = Path.of("/usr/sbin/named");

  private final Process process;
  private final int port;
  private final Path dir;

  private NamedServer(Process process, int port, Path dir) {
    this.process = process;
    this.port = port;
    this.dir = dir;
  }

  /**
   * Starts named in {@code dir} (which it may write to) serving {@code zones}, zone name to master
   * file text, and dropping every query for the names in {@code dropped}.
   */
  public static NamedServer start(Path dir, Map<String, String> zones, Collection<String> dropped)
      throws IOException {
    DebianPackage.require(BINARY, "bind9");
    if (zones.isEmpty()) {
      throw new IllegalArgumentException("named needs at least one zone");
    }
    StringBuilder zoneConf = new StringBuilder();
    int i = 0;
    for (Map.Entry<String, String> z : zones.entrySet()) {
      Path file = dir.resolve("zone" + i++ + ".db");
      Files.writeString(file, z.getValue(), StandardCharsets.UTF_8);
      zoneConf.append("zone \"%s\" { type primary; file \"%s\"; };\n".formatted(z.getKey(), file));
    }
    StringBuilder rpz =
        new StringBuilder("$TTL 0\n@ IN SOA ns. host. 1 3600 600 86400 0\n@ IN NS ns.\n");
    for (String name : dropped) {
      rpz.append(escapeName(name)).append(".rpz. IN CNAME rpz-drop.\n");
    }
    Path rpzFile = dir.resolve("rpz.db");
    Files.writeString(rpzFile, rpz, StandardCharsets.UTF_8);
    AssertionError last = null;
    // A free port can be taken between the probe and named's bind: try another.
    for (int attempt = 0; attempt < 3; attempt++) {
      int port = FreePort.udp();
      String conf =
          """
          controls { };
          options {
            directory "%1$s";
            pid-file "%1$s/named.pid";
            session-keyfile "%1$s/session.key";
            listen-on port %2$d { 127.0.0.1; };
            listen-on-v6 { none; };
            recursion no;
            notify no;
            dnssec-validation no;
            // Test names are not host names ("foo:bar/baz.example.com"): serve them anyway.
            check-names primary ignore;
            // Authoritative answers are rewritten too, not only recursive ones.
            response-policy { zone "rpz"; } recursive-only no;
          };
          zone "rpz" { type primary; file "%3$s"; };
          %4$s
          """
              .formatted(dir, port, rpzFile, zoneConf);
      Path confFile = dir.resolve("named.conf");
      Files.writeString(confFile, conf, StandardCharsets.UTF_8);
      Path log = dir.resolve("named.log");
      Process p =
          new ProcessBuilder(BINARY.toString(), "-g", "-c", confFile.toString())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      NamedServer server = new NamedServer(p, port, dir);
      try {
        for (String zone : zones.keySet()) {
          server.awaitZone(zone, Duration.ofSeconds(20));
        }
        return server;
      } catch (AssertionError e) {
        server.close();
        last = e;
      }
    }
    throw last;
  }

  /**
   * A name in master-file form: octets other than letters, digits, '-', '_', '.' and '*' as {@code
   * \DDD}.
   */
  public static String escapeName(String name) {
    StringBuilder b = new StringBuilder();
    for (byte x : name.getBytes(StandardCharsets.UTF_8)) {
      int c = x & 0xff;
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '_'
          || c == '.'
          || c == '*') {
        b.append((char) c);
      } else {
        b.append('\\').append(String.format(java.util.Locale.ROOT, "%03d", c));
      }
    }
    return b.toString();
  }

  /**
   * Waits until named answers the zone's SOA with NOERROR (a zone that failed to load: SERVFAIL).
   */
  private void awaitZone(String zone, Duration timeout) throws IOException {
    DnsProbe.await(
        "named (zone " + zone + ")",
        process,
        this::log,
        address(),
        DnsProbe.query(zone, 6, false),
        timeout,
        answer -> {
          if (DnsProbe.rcode(answer) == 0) {
            return true;
          }
          if (log().contains("not loaded due to errors")) {
            throw new AssertionError("named did not load zone " + zone + ": " + log());
          }
          return false;
        });
  }

  /** What named printed about zones and errors (not its banner), for failure messages. */
  public String log() throws IOException {
    Path log = dir.resolve("named.log");
    if (!Files.exists(log)) {
      return "(no log)";
    }
    List<String> lines =
        Files.readAllLines(log, StandardCharsets.UTF_8).stream()
            .filter(l -> l.contains("zone") || l.contains("error") || l.contains("rdata"))
            .toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
  }

  /** The address it answers on (UDP and TCP). */
  public InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
  }

  /** Its process id. */
  public long pid() {
    return process.pid();
  }

  @Override
  public void close() {
    Processes.stop(process.toHandle(), Duration.ofSeconds(5));
  }
}
