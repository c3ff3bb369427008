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
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mailfilter smtp}: its options, its errors, and a running gateway. */
class SmtpCommandTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

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
}
