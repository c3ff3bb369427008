package dev.mailfilter.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code mailfilter smtp}: its options, its errors, and a running gateway. */
class SmtpCommandTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final List<Process> processes = new ArrayList<>();

  private int run(String... args) {
    return SmtpCommand.run(
        List.of(args), new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8));
  }

  @Test
  void helpExitsZero() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString(UTF_8)).contains("--domain NAME=HOST:PORT");
  }

  @Test
  void badOptionsExitTwoWithOneLine() {
    assertThat(run("--domain", "example.com")).isEqualTo(2);
    assertThat(run("--domain", "exa mple.com=127.0.0.1:25")).isEqualTo(2);
    assertThat(run("--domain", "example.com=127.0.0.1:0")).isEqualTo(2);
    assertThat(run("--listen", "nowhere")).isEqualTo(2);
    assertThat(run("--bogus")).isEqualTo(2);
    assertThat(err.toString(UTF_8).lines())
        .hasSize(5)
        .allMatch(l -> l.startsWith("mailfilter smtp: "));
  }

  @Test
  void unknownKeyInTheSmtpSectionExitsTwo(@TempDir Path dir) throws IOException {
    Path config = dir.resolve("c.yaml");
    Files.writeString(config, "smtp:\n  listne: 127.0.0.1:0\n");
    assertThat(run("--config", config.toString())).isEqualTo(2);
    assertThat(err.toString(UTF_8)).contains("smtp.listne").contains("listen");
  }

  @Test
  void anUnreadableTlsKeyExitsTwoNamingTheFile(@TempDir Path dir) throws IOException {
    Path config = dir.resolve("c.yaml");
    Path cert = Files.writeString(dir.resolve("mx.crt"), "not a certificate\n");
    Path key = dir.resolve("mx.key");
    Files.writeString(
        config, "smtp:\n  tls:\n    certificate: " + cert + "\n    key: " + key + "\n");
    assertThat(run("--config", config.toString())).isEqualTo(2);
    assertThat(err.toString(UTF_8))
        .startsWith("mailfilter smtp: " + config + ": ")
        .contains("smtp.tls")
        .contains(cert.toString());
  }

  @Test
  void runsWithADomainAndStopsWhenTold(@TempDir Path dir) throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    Path config = dir.resolve("c.yaml");
    Files.writeString(config, "smtp:\n  host_name: gw.example\n");
    CountDownLatch stop = new CountDownLatch(1);
    AtomicInteger status = new AtomicInteger(-1);
    Thread t =
        Thread.ofVirtual()
            .start(
                () ->
                    status.set(
                        SmtpCommand.run(
                            List.of(
                                "--config",
                                config.toString(),
                                "--listen",
                                "127.0.0.1:" + port,
                                "--domain",
                                "ours.example=127.0.0.1:1"),
                            new PrintStream(out, true, UTF_8),
                            new PrintStream(err, true, UTF_8),
                            stop)));
    Socket s = connect(port);
    try (s) {
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), UTF_8));
      OutputStream o = s.getOutputStream();
      assertThat(in.readLine()).isEqualTo("220 gw.example ESMTP mailfilter");
      // One command per write: after HELO, pipelining is refused (forbid_unauth_pipelining).
      o.write("HELO c.example\r\n".getBytes(UTF_8));
      assertThat(in.readLine()).isEqualTo("250 gw.example");
      o.write("MAIL FROM:<a@b.example>\r\n".getBytes(UTF_8));
      assertThat(in.readLine()).isEqualTo("250 Ok");
      o.write("RCPT TO:<x@other.example>\r\n".getBytes(UTF_8));
      assertThat(in.readLine()).startsWith("550 ");
      o.write("RCPT TO:<x@ours.example>\r\n".getBytes(UTF_8));
      assertThat(in.readLine()).isEqualTo("250 Ok");
    }
    stop.countDown();
    t.join(Duration.ofSeconds(20));
    assertThat(status.get()).isZero();
  }

  @Test
  void aChangedConfigFileIsReloadedForNewConnections(@TempDir Path dir) throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    Path config = dir.resolve("c.yaml");
    String head =
        "smtp:\n  listen: 127.0.0.1:"
            + port
            + "\nreload:\n  watch_interval: 100ms\ndomains:\n"
            + "  \"ours.example\": {route: {host: \"127.0.0.1\", port: 1, tls: may}}\n";
    Files.writeString(config, head);
    CountDownLatch stop = new CountDownLatch(1);
    AtomicInteger status = new AtomicInteger(-1);
    Thread t =
        Thread.ofVirtual()
            .start(
                () ->
                    status.set(
                        SmtpCommand.run(
                            List.of("--config", config.toString()),
                            new PrintStream(out, true, UTF_8),
                            new PrintStream(err, true, UTF_8),
                            stop)));
    try {
      assertThat(rcptReply(port, "x@new.example")).startsWith("550 ");
      Files.writeString(
          config, head + "  \"new.example\": {route: {host: \"127.0.0.1\", port: 1, tls: may}}\n");
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      String reply = rcptReply(port, "x@new.example");
      while (!reply.startsWith("250") && System.nanoTime() < deadline) {
        Thread.sleep(100);
        reply = rcptReply(port, "x@new.example");
      }
      assertThat(reply).as("RCPT for a domain added to the file").isEqualTo("250 Ok");
    } finally {
      stop.countDown();
      t.join(Duration.ofSeconds(20));
    }
    assertThat(status.get()).isZero();
  }

  /** checks.greylist in the node's file, on a real Redis: the gateway answers 451 at RCPT. */
  @Test
  void greylistingEnabledInTheFileAnswers451AtRcpt(@TempDir Path dir) throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    try (dev.mailfilter.testkit.RedisServer redis =
        dev.mailfilter.testkit.RedisServer.primary(dir.resolve("redis"))) {
      Path config = dir.resolve("c.yaml");
      Files.writeString(
          config,
          "smtp:\n  listen: 127.0.0.1:"
              + port
              + "\nredis:\n  uri: redis://127.0.0.1:"
              + redis.port()
              + "\nchecks:\n  greylist:\n    enabled: true\n    delay: 1h\n"
              + "domains:\n  \"ours.example\": {route: {host: \"127.0.0.1\", port: 1, tls: may}}\n");
      CountDownLatch stop = new CountDownLatch(1);
      AtomicInteger status = new AtomicInteger(-1);
      Thread t =
          Thread.ofVirtual()
              .start(
                  () ->
                      status.set(
                          SmtpCommand.run(
                              List.of("--config", config.toString()),
                              new PrintStream(out, true, UTF_8),
                              new PrintStream(err, true, UTF_8),
                              stop)));
      try {
        // After HELO (not EHLO) the gateway leaves out the enhanced code 4.7.1.
        assertThat(rcptReply(port, "x@ours.example"))
            .isEqualTo("451 Greylisted, please try again in 3600 seconds");
      } finally {
        stop.countDown();
        t.join(Duration.ofSeconds(20));
      }
      assertThat(status.get()).isZero();
    }
  }

  /** The reply to {@code RCPT TO:<rcpt>} in a new connection. */
  private static String rcptReply(int port, String rcpt) throws Exception {
    try (Socket s = connect(port)) {
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), UTF_8));
      OutputStream o = s.getOutputStream();
      assertThat(in.readLine()).startsWith("220 ");
      // One command per write: after HELO, pipelining is refused (forbid_unauth_pipelining).
      o.write("HELO c.example\r\n".getBytes(UTF_8));
      assertThat(in.readLine()).startsWith("250 ");
      o.write("MAIL FROM:<a@b.example>\r\n".getBytes(UTF_8));
      assertThat(in.readLine()).isEqualTo("250 Ok");
      o.write(("RCPT TO:<" + rcpt + ">\r\n").getBytes(UTF_8));
      return in.readLine();
    }
  }

  private static Socket connect(int port) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      try {
        return new Socket(InetAddress.getLoopbackAddress(), port);
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(20);
      }
    }
  }

  @Test
  @Timeout(60)
  void theCountersAreLoggedEveryStatsInterval(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("c.yaml");
    Files.writeString(
        config, "smtp:\n  listen: 127.0.0.1:" + freePort() + "\n  stats_interval: 1s\n");
    Path log = dir.resolve("stderr.log");
    Process p = mailfilter(dir, log, "smtp", "--config", config.toString());
    try {
      await("two stats lines", () -> read(log).split("smtp stats: connections=0 ", -1).length > 2);
      assertThat(read(log)).contains(" p50=0.0ms p99=0.0ms max=0.0ms");
    } finally {
      p.destroy();
      p.waitFor();
    }
  }

  @Test
  @Timeout(120)
  void sigtermDrainsATransactionInFlightThenExitsZero(@TempDir Path dir) throws Exception {
    try (Sink sink = new Sink()) {
      int port = freePort();
      Path log = dir.resolve("stderr.log");
      Process p =
          mailfilter(
              dir,
              log,
              "smtp",
              "--listen",
              "127.0.0.1:" + port,
              "--domain",
              "ours.example=127.0.0.1:" + sink.port());
      try (Socket s = connect(port)) {
        s.setSoTimeout(30_000);
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), UTF_8));
        OutputStream o = s.getOutputStream();
        assertThat(in.readLine()).startsWith("220 ");
        // After HELO, PIPELINING is not offered: one command per write (forbid_unauth_pipelining).
        o.write("HELO c.example\r\n".getBytes(UTF_8));
        assertThat(in.readLine()).startsWith("250 ");
        o.write("MAIL FROM:<a@b.example>\r\n".getBytes(UTF_8));
        assertThat(in.readLine()).isEqualTo("250 Ok");
        o.write("RCPT TO:<x@ours.example>\r\n".getBytes(UTF_8));
        assertThat(in.readLine()).isEqualTo("250 Ok");
        o.write("DATA\r\n".getBytes(UTF_8));
        assertThat(in.readLine()).startsWith("354 ");
        o.write("Subject: lunch\r\nFrom: a@b.example\r\n\r\nshall we meet".getBytes(UTF_8));
        o.flush();

        p.destroy(); // SIGTERM, in the middle of the content
        await("the shutdown logged", () -> read(log).contains("smtp: SIGTERM: shutting down"));
        assertThat(p.isAlive()).isTrue();

        o.write(" at noon?\r\n.\r\n".getBytes(UTF_8));
        assertThat(in.readLine()).as("log: %s", read(log)).startsWith("250 Ok: queued");
        // Between transactions the draining server says goodbye by itself.
        assertThat(in.readLine()).startsWith("421 ");
      }
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as("exit status; log: %s", read(log)).isZero();
      assertThat(sink.messages).hasSize(1);
      assertThat(sink.messages.getFirst()).contains("shall we meet at noon?\r\n");
      assertThat(read(log)).contains("smtp stopped: ").contains("relayed=1");
      assertThat(read(log)).doesNotContain("Exception");
    }
  }

  @Test
  @Timeout(120)
  void sighupReloadsTheFileWithTheDomainEntriesLaidOverIt(@TempDir Path dir) throws Exception {
    int port = freePort();
    Path config = dir.resolve("c.yaml");
    // The file's listen address differs from --listen, which wins at every reload too; the
    // watcher is off so that only SIGHUP reloads.
    String head =
        "reload:\n  watch_interval: 0\ndomains:\n"
            + "  \"file.example\": {route: {host: \"127.0.0.1\", port: 1, tls: may}}\n";
    Files.writeString(config, "smtp:\n  listen: 127.0.0.1:1\n  host_name: gw.example\n" + head);
    Path log = dir.resolve("stderr.log");
    Process p =
        mailfilter(
            dir,
            log,
            "smtp",
            "--config",
            config.toString(),
            "--listen",
            "127.0.0.1:" + port,
            "--domain",
            "cli.example=127.0.0.1:1");
    assertThat(rcptReply(port, "x@cli.example")).isEqualTo("250 Ok");
    assertThat(rcptReply(port, "x@file.example")).isEqualTo("250 Ok");
    assertThat(rcptReply(port, "x@new.example")).startsWith("550 ");
    assertThat(ehloReply(port)).contains("250-SIZE 26214400");

    Files.writeString(
        config,
        "smtp:\n  listen: 127.0.0.1:1\n  host_name: renamed.example\n"
            + "  max_message_size: 1MiB\n"
            + head
            + "  \"new.example\": {route: {host: \"127.0.0.1\", port: 1, tls: may}}\n");
    signal(p, "HUP");
    await("the reload logged", () -> read(log).contains("reloaded " + config + " on SIGHUP"));

    assertThat(rcptReply(port, "x@cli.example")).as("--domain kept").isEqualTo("250 Ok");
    assertThat(rcptReply(port, "x@new.example")).as("the file's new domain").isEqualTo("250 Ok");
    // A live key applies to the next connection; the host name needs a restart and says so once.
    String ehlo = ehloReply(port);
    assertThat(ehlo).startsWith("250-gw.example ").contains("250-SIZE 1048576");
    assertThat(read(log).lines().filter(l -> l.contains("takes effect at the next start")))
        .singleElement()
        .asString()
        .contains("WARN")
        .contains("smtp: smtp.host_name changed in " + config);

    // A file that does not load keeps everything running, with one line saying why.
    Files.writeString(config, "smtp:\n  max_mesage_size: 1MiB\n" + head);
    signal(p, "HUP");
    await("the failure logged", () -> read(log).contains("reload of " + config + " failed"));
    assertThat(rcptReply(port, "x@new.example")).isEqualTo("250 Ok");

    p.destroy();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("exit status; log: %s", read(log)).isZero();
  }

  /** {@code mailfilter ARGS} as a process of its own, its stderr in {@code log}. */
  private Process mailfilter(Path dir, Path log, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command)
            .redirectError(log.toFile())
            .redirectOutput(dir.resolve("stdout.log").toFile())
            .start();
    processes.add(p);
    await("the gateway to listen", () -> read(log).contains("smtp listening on") || !p.isAlive());
    assertThat(p.isAlive()).as("still running; log: %s", read(log)).isTrue();
    return p;
  }

  @AfterEach
  void killLeftovers() {
    processes.forEach(Process::destroyForcibly);
  }

  /** The EHLO reply in a new connection, its lines joined with LF. */
  private static String ehloReply(int port) throws Exception {
    try (Socket s = connect(port)) {
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), UTF_8));
      assertThat(in.readLine()).startsWith("220 ");
      s.getOutputStream().write("EHLO c.example\r\n".getBytes(UTF_8));
      StringBuilder reply = new StringBuilder();
      String line;
      do {
        line = in.readLine();
        reply.append(line).append('\n');
      } while (line != null && line.startsWith("250-"));
      return reply.toString();
    }
  }

  private static void signal(Process p, String name) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).start();
    assertThat(kill.waitFor()).isZero();
  }

  private static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
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

  /**
   * The route's server: a plain SMTP receiver on a free loopback port that answers every command
   * with success and keeps each message's content.
   */
  private static final class Sink implements AutoCloseable {
    final List<String> messages = new CopyOnWriteArrayList<>();
    private final ServerSocket server;

    Sink() throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread.ofVirtual().start(this::accept);
    }

    int port() {
      return server.getLocalPort();
    }

    private void accept() {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          Thread.ofVirtual().start(() -> serve(s));
        } catch (IOException e) {
          return;
        }
      }
    }

    private void serve(Socket s) {
      try (s) {
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), UTF_8));
        OutputStream out = s.getOutputStream();
        out.write("220 sink.example ESMTP\r\n".getBytes(UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
          String verb = line.length() < 4 ? line : line.substring(0, 4).toUpperCase(Locale.ROOT);
          String reply =
              switch (verb) {
                case "EHLO", "HELO" -> "250 sink.example";
                case "DATA" -> "354 go ahead";
                case "QUIT" -> "221 2.0.0 Bye";
                default -> "250 2.0.0 Ok";
              };
          out.write((reply + "\r\n").getBytes(UTF_8));
          if (verb.equals("QUIT")) {
            return;
          }
          if (verb.equals("DATA")) {
            StringBuilder content = new StringBuilder();
            while ((line = in.readLine()) != null && !line.equals(".")) {
              content.append(line).append("\r\n");
            }
            messages.add(content.toString());
            out.write("250 2.0.0 Ok: queued\r\n".getBytes(UTF_8));
          }
        }
      } catch (IOException e) {
        // the gateway hung up
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
