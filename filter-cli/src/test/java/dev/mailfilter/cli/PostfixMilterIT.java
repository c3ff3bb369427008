package dev.mailfilter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.testkit.FreePort;
import dev.mailfilter.testkit.PostfixInstance;
import dev.mailfilter.testkit.RbldnsdServer;
import dev.mailfilter.testkit.SmtpClient;
import dev.mailfilter.testkit.Swaks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code mailfilter milter} command behind a real Postfix (Debian's, a private instance on
 * loopback), as a site deploys it: the launcher's process, a configuration file, a real rbldnsd.
 * Here rather than in filter-milter because the command is the product and because killing the
 * milter with SIGKILL needs a process of its own. Header edits with a check that inserts at the top
 * are in filter-milter's {@code PostfixHeaderEditsIT} (the command loads no extra checks).
 */
@Timeout(180)
class PostfixMilterIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Path SHARED =
      Path.of(System.getProperty("mailfilter.shared", "../../shared"));
  private static final Path EASY_HAM =
      SHARED.resolve(
          "corpora/spamassassin-public-corpus/easy_ham/00002.9c4069e25e1ef370c078db7ee85ff9ac");
  private static final Path GTUBE = Path.of("../examples/mail/gtube.eml").toAbsolutePath();

  @TempDir static Path dir;
  private static RbldnsdServer rbldnsd;
  private static DaemonProcess milter;
  private static PostfixInstance postfix;

  @BeforeAll
  static void start() throws Exception {
    Path zones = Files.createDirectory(dir.resolve("zones"));
    Files.writeString(
        zones.resolve("bl.zone"),
        """
        $SOA 3600 ns.bl.test. hostmaster.bl.test. 1 3600 600 86400 60
        $NS 3600 ns.bl.test.
        192.0.2.0/24 :127.0.0.2:Listed in bl.test: $
        """);
    rbldnsd = RbldnsdServer.start(zones, Map.of("bl.test", "ip4set:bl.zone"));
    // A listing scores above the reject threshold, so the connect stage refuses at once.
    Path config =
        Files.writeString(
            dir.resolve("mailfilter.yaml"),
            """
            dns:
              servers: ["127.0.0.1:%d"]
            dnsbl:
              self_test: false
              lists:
                - {symbol: RBL_TEST, zone: bl.test, kind: ip, weight: 20, test_points: false}
            checks:
              dnsbl_connect: {enabled: true}
            """
                .formatted(rbldnsd.port()));
    milter = DaemonProcess.milter(dir, config);
    postfix =
        PostfixInstance.builder()
            .milter(milter.postfixAddress())
            .milterDefaultAction("tempfail")
            .milterProtocol(6)
            .start(Files.createDirectory(dir.resolve("postfix")));
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {postfix, milter, rbldnsd}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // keep stopping the others
      }
    }
  }

  @Test
  void cleanMailIsDeliveredByteForByteWithOnlyOurHeadersAndPostfixsAdded() throws Exception {
    byte[] original = withoutMboxFromLine(Files.readAllBytes(EASY_HAM));
    try (SmtpClient smtp = SmtpClient.connect(postfix.smtpPort(), WAIT)) {
      assertThat(smtp.send("EHLO client.example.org").code()).isEqualTo(250);
      assertThat(smtp.send("MAIL FROM:<sender@example.org>").code()).isEqualTo(250);
      assertThat(smtp.send("RCPT TO:<clean@example.test>").code()).isEqualTo(250);
      assertThat(smtp.data(original).code()).as(milter.log()).isEqualTo(250);
    }
    String delivered = awaitDeliveredTo("clean@example.test", 1).getFirst();
    List<String> lines = new ArrayList<>(Arrays.asList(delivered.split("\n", -1)));
    // Postfix's delivery fields, then its Received (folded over three lines).
    assertThat(lines.subList(0, 4))
        .containsExactly(
            "Return-Path: <sender@example.org>",
            "X-Original-To: clean@example.test",
            "Delivered-To: clean@example.test",
            "Received: from client.example.org (unknown [127.0.0.1])");
    lines.subList(0, 4).clear();
    while (lines.getFirst().startsWith("\t")) {
      lines.removeFirst();
    }
    // Ours, last in the header: score and status (on ham too; no symbols hit this one).
    int end = lines.indexOf("");
    assertThat(lines.subList(end - 2, end))
        .as(delivered)
        .containsExactly(
            "X-Spam-Score: 0.00", "X-Spam-Status: No, score=0.0 required=6.0 tests=none");
    lines.subList(end - 2, end).clear();
    // Postfix's cleanup drops an arriving Return-Path (delivery writes its own, above).
    String sent = new String(original, StandardCharsets.ISO_8859_1).replace("\r\n", "\n");
    assertThat(sent).startsWith("Return-Path: <Steve_Burt@cursor-system.com>\n");
    String expected = sent.substring(sent.indexOf('\n') + 1);
    assertThat(String.join("\n", lines)).isEqualTo(expected);
  }

  @Test
  void gtubeIsRefusedAtEndOfDataWithOur571Reply() throws Exception {
    Swaks.Result r =
        Swaks.send(
            postfix.smtpPort(),
            "--from",
            "winner@lottery.example",
            "--to",
            "gtube@example.test",
            "--data",
            GTUBE.toString());
    assertThat(r.serverLines()).as(r.transcript()).contains("554 5.7.1 Message rejected as spam");
    // Refused at the end of data, not before: DATA itself was accepted.
    assertThat(r.serverLines()).contains("354 End data with <CR><LF>.<CR><LF>");
    assertThat(r.exit()).isNotZero();
    assertThat(deliveredTo("gtube@example.test")).isEmpty();
  }

  @Test
  void aClientOnTheBlocklistIsRefusedAndOneBesideItIsNot() throws Exception {
    Swaks.Result listed =
        Swaks.send(
            postfix.smtpPort(),
            "--xclient-addr",
            "192.0.2.5",
            "--from",
            "a@example.org",
            "--to",
            "listed@example.test");
    // Postfix takes the milter's refusal at connect as a 554 greeting for the new client.
    assertThat(listed.serverLines())
        .as(listed.transcript())
        .contains("554 mx.test.local ESMTP not accepting connections");
    assertThat(listed.exit()).isNotZero();
    assertThat(postfix.log())
        .contains(
            "milter-reject: XCLIENT from unknown[192.0.2.5]: 554 5.7.1 Message rejected as spam");
    assertThat(milter.log()).contains("client=192.0.2.5").contains("RBL_TEST");

    Swaks.Result clean =
        Swaks.send(
            postfix.smtpPort(),
            "--xclient-addr",
            "198.51.100.9",
            "--from",
            "a@example.org",
            "--to",
            "unlisted@example.test");
    assertThat(clean.exit()).as(clean.transcript()).isZero();
    assertThat(awaitDeliveredTo("unlisted@example.test", 1)).hasSize(1);
    assertThat(deliveredTo("listed@example.test")).isEmpty();
  }

  @Test
  void severalTransactionsInOneSessionAreEachJudgedOnTheirOwn() throws Exception {
    byte[] gtube = Files.readAllBytes(GTUBE);
    try (SmtpClient smtp = SmtpClient.connect(postfix.smtpPort(), WAIT)) {
      assertThat(smtp.send("EHLO client.example.org").code()).isEqualTo(250);
      // 1: clean
      assertThat(smtp.send("MAIL FROM:<a@example.org>").code()).isEqualTo(250);
      assertThat(smtp.send("RCPT TO:<multi@example.test>").code()).isEqualTo(250);
      assertThat(smtp.data(plain("first")).code()).isEqualTo(250);
      // 2: GTUBE, refused
      assertThat(smtp.send("MAIL FROM:<winner@lottery.example>").code()).isEqualTo(250);
      assertThat(smtp.send("RCPT TO:<multi@example.test>").code()).isEqualTo(250);
      SmtpClient.Reply refused = smtp.data(gtube);
      assertThat(refused.code()).isEqualTo(554);
      assertThat(refused.text()).isEqualTo("5.7.1 Message rejected as spam");
      // 3: begun, then reset (Postfix aborts the milter transaction)
      assertThat(smtp.send("MAIL FROM:<a@example.org>").code()).isEqualTo(250);
      assertThat(smtp.send("RSET").code()).isEqualTo(250);
      // 4: clean again, after the refusal and the reset
      assertThat(smtp.send("MAIL FROM:<b@example.org>").code()).isEqualTo(250);
      assertThat(smtp.send("RCPT TO:<multi@example.test>").code()).isEqualTo(250);
      assertThat(smtp.data(plain("fourth")).code()).isEqualTo(250);
    }
    List<String> got = awaitDeliveredTo("multi@example.test", 2);
    assertThat(got).hasSize(2);
    assertThat(got)
        .anySatisfy(m -> assertThat(m).contains("Subject: first\n"))
        .anySatisfy(m -> assertThat(m).contains("Subject: fourth\n"))
        .allSatisfy(
            m ->
                assertThat(m)
                    .contains("X-Spam-Status: No, score=")
                    .doesNotContain("GTUBE")
                    .doesNotContain("XJS*C4JDBQADN1"));
    assertThat(got)
        .filteredOn(m -> m.contains("Subject: fourth\n"))
        .singleElement()
        .satisfies(m -> assertThat(m).contains("Return-Path: <b@example.org>"));
    // One milter connection for the session, one verdict line per judged message.
    assertThat(milter.log().lines().filter(l -> l.contains("rcpt=multi@example.test"))).hasSize(3);
  }

  @Test
  void aMilterThatIsDownGivesPostfixsDefaultActionTempfail(@TempDir Path own) throws Exception {
    int nobodyListens = FreePort.tcp();
    try (PostfixInstance alone =
        PostfixInstance.builder()
            .milter("inet:127.0.0.1:" + nobodyListens)
            .milterDefaultAction("tempfail")
            .start(own)) {
      Swaks.Result r =
          Swaks.send(alone.smtpPort(), "--from", "a@example.org", "--to", "b@example.test");
      assertThat(r.serverLines()).as(r.transcript()).anyMatch(l -> l.startsWith("451 4.7.1 "));
      assertThat(r.exit()).isNotZero();
      assertThat(alone.delivered()).isEmpty();
    }
  }

  @Test
  void aMilterKilledMidMessageLosesNothingAndTheRetryArrivesOnce(@TempDir Path own)
      throws Exception {
    try (DaemonProcess doomed = DaemonProcess.milter(own, null);
        PostfixInstance alone =
            PostfixInstance.builder()
                .milter(doomed.postfixAddress())
                .milterDefaultAction("tempfail")
                .milterProtocol(6)
                .start(own)) {
      byte[] message = plain("survivor");
      byte[] wire = SmtpClient.wireForm(message);
      try (SmtpClient smtp = SmtpClient.connect(alone.smtpPort(), WAIT)) {
        assertThat(smtp.send("EHLO client.example.org").code()).isEqualTo(250);
        assertThat(smtp.send("MAIL FROM:<a@example.org>").code()).isEqualTo(250);
        assertThat(smtp.send("RCPT TO:<once@example.test>").code()).isEqualTo(250);
        assertThat(smtp.send("DATA").code()).isEqualTo(354);
        // Half the message is in Postfix when the milter dies.
        smtp.sendRaw(Arrays.copyOf(wire, wire.length / 2));
        doomed.kill9();
        smtp.sendRaw(Arrays.copyOfRange(wire, wire.length / 2, wire.length));
        SmtpClient.Reply end = smtp.endData();
        assertThat(end.code()).as(alone.log()).isEqualTo(451);
        assertThat(end.text()).startsWith("4.7.1 ");
      }
      assertThat(alone.queue()).contains("Mail queue is empty");
      // The client retries once the milter is back, on the address Postfix knows.
      try (DaemonProcess back = DaemonProcess.milter(own, null, doomed.port());
          SmtpClient smtp = SmtpClient.connect(alone.smtpPort(), WAIT)) {
        assertThat(smtp.send("EHLO client.example.org").code()).isEqualTo(250);
        assertThat(smtp.send("MAIL FROM:<a@example.org>").code()).isEqualTo(250);
        assertThat(smtp.send("RCPT TO:<once@example.test>").code()).isEqualTo(250);
        assertThat(smtp.data(message).code()).as(back.log()).isEqualTo(250);
      }
      List<Path> got = alone.awaitDelivered(1, WAIT);
      assertThat(Files.readString(got.getFirst())).contains("Subject: survivor\n");
      assertThat(alone.queue()).contains("Mail queue is empty");
      assertThat(alone.delivered()).hasSize(1);
    }
  }

  /**
   * The stall this milter avoids (docs/milter.md, "How the server works"): Nagle on Postfix's side
   * against a delayed ACK on the milter's costs about 40 ms per message, on every message, over
   * TCP. One message per SMTP session, as a sending MTA does, through Postfix and the milter on
   * TCP: the median stays well under what one stall costs (about 10 ms on a quiet 2-core machine,
   * under 20 ms on a loaded one).
   */
  @Test
  void aMessageThroughPostfixAndTheMilterOverTcpPaysNoNagleStall() throws Exception {
    int warmUp = 5;
    int timed = 15;
    long[] micros = new long[timed];
    for (int i = 0; i < warmUp + timed; i++) {
      long start = System.nanoTime();
      try (SmtpClient smtp = SmtpClient.connect(postfix.smtpPort(), WAIT)) {
        assertThat(smtp.send("EHLO client.example.org").code()).isEqualTo(250);
        assertThat(smtp.send("MAIL FROM:<a@example.org>").code()).isEqualTo(250);
        assertThat(smtp.send("RCPT TO:<stall@example.test>").code()).isEqualTo(250);
        assertThat(smtp.data(plain("stall-" + i)).code()).isEqualTo(250);
        assertThat(smtp.send("QUIT").code()).isEqualTo(221);
      }
      if (i >= warmUp) {
        micros[i - warmUp] = (System.nanoTime() - start) / 1000;
      }
    }
    Arrays.sort(micros);
    long median = micros[timed / 2];
    assertThat(median)
        .as(
            "median of %d SMTP sessions in µs (all: %s): one stall alone costs 40,000",
            timed, Arrays.toString(micros))
        .isLessThan(30_000);
    awaitDeliveredTo("stall@example.test", warmUp + timed);
  }

  private static byte[] plain(String subject) {
    return """
        From: Alice <a@example.org>
        To: Bob <b@example.test>
        Subject: %s
        Date: Mon, 7 Dec 2026 12:00:00 +0000
        Message-ID: <%s@example.org>

        Hello Bob, see you at lunch.
        """
        .formatted(subject, subject)
        .getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] withoutMboxFromLine(byte[] file) {
    String text = new String(file, StandardCharsets.ISO_8859_1);
    if (text.startsWith("From ")) {
      text = text.substring(text.indexOf('\n') + 1);
    }
    return text.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static List<String> deliveredTo(String rcpt) {
    try {
      List<String> out = new ArrayList<>();
      for (Path p : postfix.delivered()) {
        String m = Files.readString(p, StandardCharsets.ISO_8859_1);
        if (m.contains("\nDelivered-To: " + rcpt + "\n")) {
          out.add(m);
        }
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> awaitDeliveredTo(String rcpt, int count) {
    boolean done =
        dev.mailfilter.testkit.Processes.await(WAIT, () -> deliveredTo(rcpt).size() >= count);
    assertThat(done)
        .as(
            "%d message(s) for %s; Postfix log:%n%s%nmilter log:%n%s",
            count, rcpt, postfix.log(), milter.log())
        .isTrue();
    return deliveredTo(rcpt);
  }
}
