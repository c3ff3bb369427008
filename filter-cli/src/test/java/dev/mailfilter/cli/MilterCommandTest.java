package dev.mailfilter.cli;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.api.Action;
import dev.mailfilter.cluster.events.EventQuery;
import dev.mailfilter.cluster.events.EventScope;
import dev.mailfilter.cluster.events.VerdictEvent;
import dev.mailfilter.cluster.state.RedisEventStore;
import dev.mailfilter.cluster.state.SharedRedis;
import dev.mailfilter.cluster.state.StateSettings;
import dev.mailfilter.testkit.Exposition;
import dev.mailfilter.testkit.RedisServer;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mailfilter milter}: usage errors in-process; the running server as a real process, spoken
 * to over a socket with hand-made milter packets, reloaded with SIGHUP and stopped with SIGTERM.
 */
@Timeout(120)
class MilterCommandTest {
  private static final String GTUBE =
      "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

  @TempDir Path dir;

  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void stop() {
    processes.forEach(Process::destroyForcibly);
  }

  @Test
  void aBadListenAddressIsExit2WithOneLine() {
    CommandTestSupport.Result r = CommandTestSupport.run("milter", "--listen", "tcp:127.0.0.1:25");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .isEqualTo(
            "mailfilter milter: listen address \"tcp:127.0.0.1:25\": unknown type 'tcp'"
                + " (expected inet:HOST:PORT, inet6:[ADDRESS]:PORT or unix:/PATH)\n");
    r = CommandTestSupport.run("milter", "--listen", "inet:127.0.0.1:99999");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("mailfilter milter: listen address").contains("99999");
    assertThat(r.err().lines()).hasSize(1);
  }

  @Test
  void usageErrorsAreExit2WithOneLine() throws IOException {
    CommandTestSupport.Result r = CommandTestSupport.run("milter", "--port", "25");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).isEqualTo("mailfilter milter: unknown option '--port'\n");

    r = CommandTestSupport.run("milter", "--config", dir.resolve("absent.yaml").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).endsWith("absent.yaml: no such file\n");

    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "milter:\n  read_timeout: 10ms\n");
    r = CommandTestSupport.run("milter", "--config", bad.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .isEqualTo(
            "mailfilter milter: "
                + bad
                + ": milter.read_timeout: expected at least 1s, got PT0.01S\n");

    Files.writeString(bad, "milter:\n  lissen: inet:127.0.0.1:1\n");
    r = CommandTestSupport.run("milter", "--config", bad.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("milter.lissen: unknown key (did you mean listen?)");
  }

  @Test
  void helpIsExit0() {
    CommandTestSupport.Result r = CommandTestSupport.run("milter", "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).startsWith(MilterCommand.USAGE);
  }

  @Test
  void aPortInUseIsExit2WithOneLine() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      CommandTestSupport.Result r =
          CommandTestSupport.run("milter", "--listen", "inet:127.0.0.1:" + taken.getLocalPort());
      assertThat(r.code()).isEqualTo(2);
      assertThat(r.err())
          .startsWith("mailfilter milter: cannot listen on inet:127.0.0.1:" + taken.getLocalPort());
      assertThat(r.err().lines()).hasSize(1);
    }
  }

  @Test
  void servesMilterReloadsOnSighupAndDrainsOnSigterm() throws Exception {
    int port = freePort();
    int opsPort = freePort();
    Path config = dir.resolve("mailfilter.yaml");
    // The listen address comes from the file; the reload watcher is off so that only SIGHUP
    // reloads.
    Files.writeString(
        config,
        "milter:\n  listen: inet:127.0.0.1:"
            + port
            + "\nreload:\n  watch_interval: 0\nops:\n  listen:\n    milter: 127.0.0.1:"
            + opsPort
            + "\n");
    Path log = dir.resolve("stderr.log");
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "milter",
                "--config",
                config.toString())
            .redirectError(log.toFile())
            .redirectOutput(dir.resolve("stdout.log").toFile())
            .start();
    processes.add(p);
    await("the milter to listen", () -> accepts(port) || !p.isAlive());
    assertThat(p.isAlive()).as("still running; log: %s", read(log)).isTrue();

    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      DataInputStream in = new DataInputStream(s.getInputStream());
      out.write(packet('O', ByteBuffer.allocate(12).putInt(6).putInt(0x1ff).putInt(0x1fffff)));
      byte[] optneg = reply(in);
      assertThat(optneg[0]).isEqualTo((byte) 'O');
      // Version 6, and of the protocol steps no reply to header fields and body chunks among them.
      ByteBuffer agreed = ByteBuffer.wrap(optneg, 1, 12);
      assertThat(agreed.getInt()).isEqualTo(6);
      agreed.getInt();
      int protocol = agreed.getInt();
      assertThat(protocol & 0x80080).isEqualTo(0x80080);
      // No reply to connect either (SMFIP_NR_CONN): the built-in checks and lists refuse nothing
      // there. None to HELO, MAIL and the end of the header (SMFIP_NR_HELO, NR_MAIL, NR_EOH): a
      // refusal there is told at the next answered stage. RCPT and DATA keep theirs.
      assertThat(protocol & 0x3000).isEqualTo(0x3000);
      assertThat(protocol & 0x44000).isEqualTo(0x44000);
      assertThat(protocol & 0x18000).isZero();
      out.write(
          packet(
              'C',
              strings("mx.example.org"),
              "4".getBytes(ISO_8859_1),
              new byte[] {(byte) 0x9c, 0x40},
              strings("203.0.113.25")));
      out.write(packet('H', strings("mx.example.org")));
      out.write(packet('D', "M".getBytes(ISO_8859_1), strings("i", "4XQ1")));
      out.write(packet('M', strings("<a@example.org>")));
      // The first reply since the negotiation: RCPT's.
      out.write(packet('R', strings("<b@example.net>")));
      assertThat(reply(in)).containsExactly('c');
      out.write(packet('T'));
      assertThat(reply(in)).containsExactly('c');
      // No reply to a header field: the milter asked for SMFIP_NR_HDR, and the value comes
      // verbatim (SMFIP_HDR_LEADSPC).
      out.write(packet('L', strings("Subject", " test")));
      out.write(packet('N'));
      // No reply to a body chunk either (SMFIP_NR_BODY).
      out.write(packet('B', ("hello\r\n" + GTUBE + "\r\n").getBytes(ISO_8859_1)));
      out.write(packet('E'));
      byte[] eom = reply(in);
      assertThat((char) eom[0]).isEqualTo('y');
      assertThat(new String(eom, 1, eom.length - 1, ISO_8859_1)).startsWith("554 5.7.1");
      out.write(packet('Q'));
    }
    await(
        "the verdict logged",
        () -> read(log).matches("(?s).*queue=4XQ1 client=\\S+ .* action=reject .* time=\\S+ms.*"));
    // One line per message: the core's verdict line, which the milter does not repeat at INFO.
    assertThat(read(log).lines().filter(l -> l.contains("queue=4XQ1"))).hasSize(1);
    // The operations endpoint: ready, and the message in the milter's and the filter's figures.
    assertThat(ops(opsPort, "/health/ready")).startsWith("{\"status\":\"ready\"");
    Exposition figures = Exposition.parseText(ops(opsPort, "/metrics"));
    assertThat(figures.value("mailfilter_milter_messages_total")).isEqualTo(1);
    // The probe of the listener and the conversation.
    assertThat(figures.value("mailfilter_milter_connections_total")).isEqualTo(2);
    assertThat(figures.value("mailfilter_milter_message_duration_seconds_count")).isEqualTo(1);
    assertThat(figures.value("mailfilter_verdicts_total", "action", "reject")).isEqualTo(1);

    Files.writeString(
        config,
        "milter:\n  listen: inet:127.0.0.1:"
            + port
            + "\n  read_timeout: 7m\nreload:\n  watch_interval: 0\nactions:\n  reject: 20\n");
    signal(p, "HUP");
    await("the reload logged", () -> read(log).contains("reloaded " + config + " on SIGHUP"));
    // Counters outlive the reload's new filter; the reload is counted.
    figures = Exposition.parseText(ops(opsPort, "/metrics"));
    assertThat(figures.value("mailfilter_config_reloads_total", "result", "ok")).isEqualTo(1);
    assertThat(figures.value("mailfilter_verdicts_total", "action", "reject")).isEqualTo(1);
    assertThat(p.isAlive()).isTrue();
    // The milter section needs a restart: one line naming the key that changed, and only it.
    assertThat(read(log).lines().filter(l -> l.contains("takes effect at the next start")))
        .singleElement()
        .asString()
        .contains("milter: milter.read_timeout changed in " + config);

    p.destroy(); // SIGTERM
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("exit status; log: %s", read(log)).isZero();
    assertThat(read(log)).contains("milter stopped: ").contains("messages=1 reject=1");
    assertThat(read(log)).doesNotContain("Exception");
  }

  @Test
  void withoutAConfigFileSighupIsLoggedAndTheMilterKeepsRunning() throws Exception {
    int port = freePort();
    Path log = dir.resolve("stderr.log");
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "milter",
                "--listen",
                "inet:127.0.0.1:" + port)
            .redirectError(log.toFile())
            .redirectOutput(dir.resolve("stdout.log").toFile())
            .start();
    processes.add(p);
    await("the milter to listen", () -> read(log).contains("milter listening on") || !p.isAlive());
    signal(p, "HUP");
    await("the SIGHUP logged", () -> read(log).contains("no --config file, nothing to reload"));
    assertThat(p.isAlive()).isTrue();
    assertThat(accepts(port)).isTrue();
    p.destroy();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("exit status; log: %s", read(log)).isZero();
  }

  /** The body of a GET of the operations endpoint, which must answer 200. */
  private static String ops(int port, String path) throws IOException, InterruptedException {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(30))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("%s: %s", path, r.body()).isEqualTo(200);
    return r.body();
  }

  @Test
  void milterVerdictsAreRecordedInTheSharedStreamWithTheirCountry() throws Exception {
    Path geoip = geoipDir();
    try (RedisServer redis = RedisServer.primary(dir.resolve("redis"))) {
      int port = freePort();
      Path config = dir.resolve("mailfilter.yaml");
      Files.writeString(
          config,
          "milter:\n  listen: inet:127.0.0.1:"
              + port
              + "\nreload:\n  watch_interval: 0\n"
              + "redis: {uri: \"redis://127.0.0.1:"
              + redis.port()
              + "\"}\nshared_state: {timeout: 2s}\n"
              + "events:\n  node: milter1\n  geoip:\n    country: "
              + geoip.resolve("GeoIP2-Country-Test.mmdb").toAbsolutePath()
              + "\n");
      Path log = dir.resolve("stderr.log");
      Process p =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  Main.class.getName(),
                  "milter",
                  "--config",
                  config.toString())
              .redirectError(log.toFile())
              .redirectOutput(dir.resolve("stdout.log").toFile())
              .start();
      processes.add(p);
      await("the milter to listen", () -> accepts(port) || !p.isAlive());
      assertThat(p.isAlive()).as("still running; log: %s", read(log)).isTrue();
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.setSoTimeout(30_000);
        OutputStream out = s.getOutputStream();
        DataInputStream in = new DataInputStream(s.getInputStream());
        out.write(packet('O', ByteBuffer.allocate(12).putInt(6).putInt(0x1ff).putInt(0x1fffff)));
        reply(in);
        // The client is 81.2.69.142: GB in MaxMind's test database.
        out.write(
            packet(
                'C',
                strings("mx.example.org"),
                "4".getBytes(ISO_8859_1),
                new byte[] {(byte) 0x9c, 0x40},
                strings("81.2.69.142")));
        // No replies to HELO, MAIL and the end of the header (negotiated away): RCPT's is next.
        out.write(packet('H', strings("mx.example.org")));
        out.write(packet('D', "M".getBytes(ISO_8859_1), strings("i", "4XQ7")));
        out.write(packet('M', strings("<a@example.org>")));
        out.write(packet('R', strings("<b@example.net>")));
        reply(in);
        out.write(packet('T'));
        reply(in);
        out.write(packet('L', strings("Subject", " test")));
        out.write(packet('N'));
        out.write(packet('B', ("hello\r\n" + GTUBE + "\r\n").getBytes(ISO_8859_1)));
        out.write(packet('E'));
        assertThat((char) reply(in)[0]).isEqualTo('y');
        out.write(packet('Q'));
      }
      try (SharedRedis r =
          SharedRedis.connect(
              StateSettings.redis("redis://127.0.0.1:" + redis.port())
                  .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(1)))) {
        assertThat(r.awaitAvailable(Duration.ofSeconds(10))).isTrue();
        RedisEventStore events = RedisEventStore.on(r, 1000);
        await("the event in Redis", () -> events.size() >= 1);
        List<VerdictEvent> got = EventQuery.all(EventScope.all(), 10).run(events);
        assertThat(got).hasSize(1);
        VerdictEvent e = got.get(0);
        assertThat(e.queueId()).isEqualTo("4XQ7");
        assertThat(e.client()).isEqualTo("81.2.69.142");
        assertThat(e.country()).isEqualTo("GB");
        assertThat(e.action()).isEqualTo(Action.REJECT);
        assertThat(e.node()).isEqualTo("milter1");
        assertThat(e.recipients()).containsExactly("b@example.net");
      }
      p.destroy();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
  }

  /** MaxMind's test databases under ../shared. */
  private static Path geoipDir() {
    Path shared = Path.of(System.getProperty("mailfilter.shared", "../shared"));
    if (!shared.isAbsolute() && !Files.isDirectory(shared.resolve("corpora"))) {
      shared = Path.of("..").resolve(shared);
    }
    return shared.resolve("corpora/geoip/maxmind-MaxMind-DB/test-data").normalize();
  }

  private static void signal(Process p, String name) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).start();
    assertThat(kill.waitFor()).isZero();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  /** NUL-terminated strings, as milter packets carry them. */
  private static byte[] strings(String... values) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (String v : values) {
      b.writeBytes(v.getBytes(ISO_8859_1));
      b.write(0);
    }
    return b.toByteArray();
  }

  private static byte[] packet(char code, ByteBuffer data) {
    return packet(code, data.array());
  }

  private static byte[] packet(char code, byte[]... parts) {
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      data.writeBytes(p);
    }
    return ByteBuffer.allocate(5 + data.size())
        .putInt(1 + data.size())
        .put((byte) code)
        .put(data.toByteArray())
        .array();
  }

  /** One reply packet: its code, then its data. */
  private static byte[] reply(InputStream stream) throws IOException {
    DataInputStream in = new DataInputStream(stream);
    int length = in.readInt();
    byte[] packet = new byte[length];
    in.readFully(packet);
    return packet;
  }
}
