package dev.mailfilter.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.base.Ticker;
import dev.mailfilter.MailFilter;
import dev.mailfilter.testkit.DebianPackage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Recipient verification before DATA through real sockets: a domain's list, and callouts to
 * Postfix's {@code smtp-sink} (Debian package {@code postfix}) made to accept, refuse (5xx) or
 * defer (4xx) every RCPT, with the cache's hits and expiry on a movable clock.
 */
class RecipientVerificationTest {
  private static final Path SMTP_SINK = Path.of("/usr/sbin/smtp-sink");

  private final List<Process> sinks = new ArrayList<>();
  private final List<AutoCloseable> open = new ArrayList<>();
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final Ticker ticker =
      new Ticker() {
        @Override
        public long read() {
          return nanos.get();
        }
      };

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
    for (Process p : sinks) {
      p.destroy();
      p.waitFor();
    }
  }

  /** An smtp-sink on a free port with these extra options; its port. */
  private int sink(String... options) throws Exception {
    DebianPackage.require(SMTP_SINK, "postfix");
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    List<String> command = new ArrayList<>(List.of(SMTP_SINK.toString()));
    if (System.getProperty("user.name").equals("root")) {
      command.addAll(List.of("-u", "nobody"));
    }
    command.addAll(List.of(options));
    command.addAll(List.of("127.0.0.1:" + port, "10"));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    sinks.add(p);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        assertThat(s.isConnected()).isTrue();
        return port;
      } catch (IOException e) {
        assertThat(p.isAlive()).as("smtp-sink running").isTrue();
        assertThat(System.nanoTime()).as("smtp-sink listening within 10 s").isLessThan(deadline);
        Thread.sleep(20);
      }
    }
  }

  private SmtpServer server(String yaml) throws IOException {
    MailFilter filter = SmtpServerTest.filter(yaml);
    open.add(filter);
    SmtpServer server =
        SmtpServerTest.server(
            filter,
            b ->
                b.verifierTicker(ticker)
                    .calloutTimeouts(
                        new Callout.Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(5))));
    open.add(server);
    return server;
  }

  private static String callout(String domain, int port, String ttls) {
    return "  "
        + domain
        + ":\n    route: {host: 127.0.0.1, port: "
        + port
        + ", tls: none}\n    verify_recipients: {callout: true"
        + ttls
        + "}\n";
  }

  private static Client transaction(SmtpServer server) throws IOException {
    Client c = new Client(server.localAddress());
    assertThat(c.reply()).startsWith("220 ");
    c.send("EHLO client.example\r\n");
    assertThat(c.reply()).contains("250-PIPELINING");
    c.send("MAIL FROM:<a@sender.example>\r\n");
    assertThat(c.reply()).isEqualTo("250 2.1.0 Ok");
    return c;
  }

  private static String rcpt(Client c, String address) throws IOException {
    c.send("RCPT TO:<" + address + ">\r\n");
    return c.reply();
  }

  @Test
  void aListRefusesUnknownRecipientsWith550AndTakesKnownOnes() throws Exception {
    int port = sink();
    SmtpServer server =
        server(
            "domains:\n  ours.example:\n    route: {host: 127.0.0.1, port: "
                + port
                + ", tls: none}\n    verify_recipients:\n      list: [bob, Sales@ours.example]\n"
                + "  open.example:\n    route: {host: 127.0.0.1, port: "
                + port
                + ", tls: none}\n");
    try (Client c = transaction(server)) {
      assertThat(rcpt(c, "bob@ours.example")).isEqualTo("250 2.1.5 Ok");
      assertThat(rcpt(c, "BOB+news@OURS.example")).isEqualTo("250 2.1.5 Ok");
      assertThat(rcpt(c, "sales@ours.example")).isEqualTo("250 2.1.5 Ok");
      assertThat(rcpt(c, "mallory@ours.example"))
          .isEqualTo("550 5.1.1 <mallory@ours.example>: Recipient address rejected: User unknown");
      // A domain without verification takes anyone.
      assertThat(rcpt(c, "anyone@open.example")).isEqualTo("250 2.1.5 Ok");
      c.send("DATA\r\n");
      assertThat(c.reply()).startsWith("354");
      c.send(SmtpServerTest.stuffed(SmtpServerTest.CLEAN) + ".\r\n");
      assertThat(c.reply()).startsWith("250 2.0.0 Ok: queued as ");
    }
    assertThat(server.verifier.callouts()).isZero();
  }

  @Test
  void anAcceptedCalloutIsCachedForThePositiveTime() throws Exception {
    int port = sink();
    SmtpServer server = server("domains:\n" + callout("ours.example", port, ", positive_ttl: 1h"));
    try (Client c = transaction(server)) {
      assertThat(rcpt(c, "bob@ours.example")).isEqualTo("250 2.1.5 Ok");
      assertThat(server.verifier.callouts()).isEqualTo(1);
      assertThat(rcpt(c, "bob@ours.example")).isEqualTo("250 2.1.5 Ok");
      assertThat(server.verifier.callouts()).as("the second RCPT is a cache hit").isEqualTo(1);
      nanos.addAndGet(Duration.ofMinutes(59).toNanos());
      assertThat(rcpt(c, "bob@ours.example")).isEqualTo("250 2.1.5 Ok");
      assertThat(server.verifier.callouts()).isEqualTo(1);
      nanos.addAndGet(Duration.ofMinutes(2).toNanos());
      assertThat(rcpt(c, "bob@ours.example")).isEqualTo("250 2.1.5 Ok");
      assertThat(server.verifier.callouts()).as("expired after 1h").isEqualTo(2);
    }
  }

  @Test
  void aRefusedCalloutIs550WithTheRoutesTextAndCachedForTheNegativeTime() throws Exception {
    int port = sink("-f", "RCPT", "-B", "550 5.1.1 No such user here");
    SmtpServer server = server("domains:\n" + callout("ours.example", port, ", negative_ttl: 10m"));
    try (Client c = transaction(server)) {
      String refused = rcpt(c, "mallory@ours.example");
      assertThat(refused)
          .startsWith(
              "550 5.1.1 <mallory@ours.example>: Recipient address rejected: undeliverable"
                  + " address: 550");
      assertThat(rcpt(c, "mallory@ours.example")).isEqualTo(refused);
      assertThat(server.verifier.callouts()).as("the second RCPT is a cache hit").isEqualTo(1);
      nanos.addAndGet(Duration.ofMinutes(11).toNanos());
      assertThat(rcpt(c, "mallory@ours.example")).isEqualTo(refused);
      assertThat(server.verifier.callouts()).as("expired after 10m").isEqualTo(2);
      // Nothing was accepted, so there is no transaction to send.
      c.send("DATA\r\n");
      assertThat(c.reply()).isEqualTo("554 5.5.1 Error: no valid recipients");
    }
  }

  /** Concurrent RCPTs of one uncached address share one probe of the route. */
  @Test
  void concurrentRcptsOfOneAddressMakeOneCallout() throws Exception {
    java.util.concurrent.atomic.AtomicInteger probes =
        new java.util.concurrent.atomic.AtomicInteger();
    ServerSocket slow = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    open.add(slow);
    Thread.ofVirtual()
        .start(
            () -> {
              while (!slow.isClosed()) {
                try {
                  Socket s = slow.accept();
                  probes.incrementAndGet();
                  Thread.ofVirtual().start(() -> answerSlowly(s));
                } catch (IOException e) {
                  return; // closed
                }
              }
            });
    SmtpServer server = server("domains:\n" + callout("ours.example", slow.getLocalPort(), ""));
    List<java.util.concurrent.Future<String>> replies = new ArrayList<>();
    try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 8; i++) {
        replies.add(
            pool.submit(
                () -> {
                  try (Client c = transaction(server)) {
                    return rcpt(c, "bob@ours.example");
                  }
                }));
      }
      for (var f : replies) {
        assertThat(f.get()).isEqualTo("250 2.1.5 Ok");
      }
    }
    assertThat(probes.get()).isEqualTo(1);
    assertThat(server.verifier.callouts()).isEqualTo(1);
  }

  /** A route's server that takes a second to greet, then accepts every command. */
  private static void answerSlowly(Socket s) {
    try (s) {
      Thread.sleep(1000);
      var out = s.getOutputStream();
      var in =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(
                  s.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII));
      out.write("220 slow.example ESMTP\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String line;
      while ((line = in.readLine()) != null) {
        boolean quit = line.toUpperCase(java.util.Locale.ROOT).startsWith("QUIT");
        out.write(
            (quit ? "221 bye\r\n" : "250 ok\r\n")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        if (quit) {
          return;
        }
      }
    } catch (IOException | InterruptedException e) {
      // the probe went away
    }
  }

  @Test
  void aDeferredCalloutIs450AndNotCached() throws Exception {
    int port = sink("-r", "RCPT");
    SmtpServer server = server("domains:\n" + callout("ours.example", port, ""));
    try (Client c = transaction(server)) {
      assertThat(rcpt(c, "bob@ours.example"))
          .startsWith(
              "450 4.1.1 <bob@ours.example>: Recipient address rejected: unverified address:"
                  + " 127.0.0.1 answered RCPT 450 4");
      assertThat(rcpt(c, "bob@ours.example")).startsWith("450 4.1.1");
      assertThat(server.verifier.callouts()).isEqualTo(2);
    }
  }

  @Test
  void anUnreachableRouteIs450() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort(); // closed again: nothing listens there
    }
    SmtpServer server = server("domains:\n" + callout("ours.example", port, ""));
    try (Client c = transaction(server)) {
      assertThat(rcpt(c, "bob@ours.example"))
          .startsWith(
              "450 4.1.1 <bob@ours.example>: Recipient address rejected: unverified address:"
                  + " [127.0.0.1]:"
                  + port
                  + " tls=none: 451 4.4.1 Downstream server not reachable");
    }
  }

  @Test
  void theCacheIsPerRouteAndPerAddress() throws Exception {
    int accepting = sink();
    int refusing = sink("-f", "RCPT");
    SmtpServer server =
        server(
            "domains:\n"
                + callout("ours.example", accepting, "")
                + callout("theirs.example", refusing, ""));
    try (Client c = transaction(server)) {
      assertThat(rcpt(c, "bob@ours.example")).isEqualTo("250 2.1.5 Ok");
      assertThat(rcpt(c, "carol@ours.example")).isEqualTo("250 2.1.5 Ok");
      assertThat(server.verifier.callouts()).isEqualTo(2);
    }
    try (Client c = transaction(server)) {
      // Another route's answer for the same local part, then a hit on the first route's.
      c.send("RCPT TO:<bob@theirs.example>\r\n");
      assertThat(c.reply()).startsWith("550 5.1.1 <bob@theirs.example>");
      assertThat(rcpt(c, "bob@ours.example")).isEqualTo("250 2.1.5 Ok");
      assertThat(server.verifier.callouts()).isEqualTo(3);
    }
  }
}
