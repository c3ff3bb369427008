package dev.mailfilter.milter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.FilterReloader;
import dev.mailfilter.testkit.PostfixInstance;
import dev.mailfilter.testkit.SmtpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * No reply to connect, HELO, MAIL and the end of the header through a real Postfix: Postfix sends
 * them without waiting (its verbose log says so for smtpd's events) and mail flows; after a live
 * reload that adds a block list of client addresses, the next SMTP session negotiates the connect
 * reply again and a listed client gets Postfix's 554 greeting, while mail from others still flows.
 * Refusals at the stages without a reply reach the SMTP client at the next answered one: a blocked
 * sender at RCPT, a refusal at the end of the header at the end of data.
 */
@Timeout(120)
class PostfixEarlyNoReplyIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String NO_HELO_CHECK = "checks:\n  helo:\n    enabled: false\n";

  @Test
  void withNothingToRefuseEarlyPostfixWaitsForNoReplyAndAReloadBringsTheRepliesBack(
      @TempDir Path dir) throws Exception {
    // Verbose smtpd for loopback clients: milter8 then logs each reply it skips.
    try (Rig rig = Rig.start(dir, "debug_peer_list", "127.0.0.1")) {
      PostfixInstance postfix = rig.postfix();
      assertThat(send(postfix, null, "first@example.test").code()).isEqualTo(250);
      String log = postfix.log();
      assertThat(skipped(log))
          .as(log)
          .contains("SMFIC_CONNECT", "SMFIC_HELO", "SMFIC_MAIL")
          .doesNotContain("SMFIC_RCPT", "SMFIC_DATA");
      assertThat(postfix.awaitDelivered(1, WAIT)).hasSize(1);

      Files.writeString(
          rig.config(), NO_HELO_CHECK + "lists:\n  block:\n    ips: [192.0.2.0/24]\n");
      rig.filters().reload();
      // XCLIENT makes Postfix open a new milter connection, negotiated on the reloaded filter.
      try (SmtpClient smtp = SmtpClient.connect(postfix.smtpPort(), WAIT)) {
        assertThat(smtp.send("EHLO client.test").code()).isEqualTo(250);
        SmtpClient.Reply greeting = smtp.send("XCLIENT ADDR=192.0.2.5");
        assertThat(greeting.code()).as(greeting.toString()).isEqualTo(554);
      }
      assertThat(postfix.log())
          .contains(
              "milter-reject: XCLIENT from unknown[192.0.2.5]: 554 5.7.1 Access denied by policy");
      assertThat(send(postfix, "198.51.100.9", "second@example.test").code()).isEqualTo(250);
      assertThat(postfix.awaitDelivered(2, WAIT)).hasSize(2);
    }
  }

  @Test
  void refusalsWithoutAReplyOfTheirOwnReachTheClientAtTheNextAnsweredStage(@TempDir Path dir)
      throws Exception {
    try (Rig rig = Rig.start(dir)) {
      PostfixInstance postfix = rig.postfix();
      Files.writeString(
          rig.config(),
          NO_HELO_CHECK
              + "lists:\n  block:\n    senders: [spam@example.org]\n"
              + "limits:\n  max_message_size: 1KiB\n");
      rig.filters().reload();
      try (SmtpClient smtp = SmtpClient.connect(postfix.smtpPort(), WAIT)) {
        assertThat(smtp.send("EHLO client.test").code()).isEqualTo(250);
        // MAIL gets no milter reply, so Postfix says 250; the refusal is the recipient's answer.
        assertThat(smtp.send("MAIL FROM:<spam@example.org>").code()).isEqualTo(250);
        SmtpClient.Reply rcpt = smtp.send("RCPT TO:<blocked@example.test>");
        assertThat(rcpt.code()).as(rcpt.toString()).isEqualTo(554);
        assertThat(smtp.send("RSET").code()).isEqualTo(250);
        // A header over limits.max_message_size: refused at the end of the header, told at the
        // end of data.
        assertThat(smtp.send("MAIL FROM:<a@example.org>").code()).isEqualTo(250);
        assertThat(smtp.send("RCPT TO:<big@example.test>").code()).isEqualTo(250);
        String message =
            "From: a@example.org\r\nX-Big: "
                + "x".repeat(1500)
                + "\r\nSubject: big header\r\n\r\nhello\r\n";
        SmtpClient.Reply data = smtp.data(message.getBytes(StandardCharsets.US_ASCII));
        assertThat(data.code()).as(data.toString()).isEqualTo(552);
      }
      assertThat(send(postfix, null, "fine@example.test").code()).isEqualTo(250);
      assertThat(postfix.awaitDelivered(1, WAIT)).hasSize(1);
      assertThat(postfix.log())
          .contains("milter-reject: RCPT from", "milter-reject: END-OF-MESSAGE from")
          .doesNotContain("warning: milter");
    }
  }

  /**
   * With no reply to connect, HELO, MAIL and the end of the header, Postfix's next write after each
   * (HELO's, MAIL's) follows data the milter has not answered, which Nagle's algorithm holds until
   * the milter's ACK: the milter's immediate ACK ({@code TCP_QUICKACK}) must keep that from
   * becoming a delayed-ACK stall of about 40 ms per SMTP session. One message per session, as a
   * sending MTA does.
   */
  @Test
  void aSessionWithoutEarlyRepliesPaysNoNagleStall(@TempDir Path dir) throws Exception {
    try (Rig rig = Rig.start(dir)) {
      PostfixInstance postfix = rig.postfix();
      int warmUp = 5;
      int timed = 15;
      long[] micros = new long[timed];
      for (int i = 0; i < warmUp + timed; i++) {
        long start = System.nanoTime();
        assertThat(send(postfix, null, "stall@example.test").code()).isEqualTo(250);
        if (i >= warmUp) {
          micros[i - warmUp] = (System.nanoTime() - start) / 1000;
        }
      }
      Arrays.sort(micros);
      assertThat(micros[timed / 2])
          .as(
              "median of %d SMTP sessions in µs (all: %s): one stall alone costs 40,000",
              timed, Arrays.toString(micros))
          .isLessThan(30_000);
      assertThat(postfix.awaitDelivered(warmUp + timed, WAIT)).hasSize(warmUp + timed);
    }
  }

  /** The server in this JVM on a reloader of a file without the HELO check, and Postfix. */
  private record Rig(
      Path config, FilterReloader filters, MilterServer server, PostfixInstance postfix)
      implements AutoCloseable {
    /** Starts all three; {@code params} are extra {@code main.cf} name, value pairs. */
    static Rig start(Path dir, String... params) throws Exception {
      Path config = dir.resolve("mailfilter.yaml");
      Files.writeString(config, NO_HELO_CHECK);
      FilterReloader filters = FilterReloader.start(config);
      MilterServer server = null;
      try {
        server =
            MilterServer.builder()
                .filters(filters)
                .listen(new ListenAddress.Inet("127.0.0.1", 0))
                .build()
                .start();
        PostfixInstance.Builder b = PostfixMilter.postfixFor(server);
        for (int i = 0; i < params.length; i += 2) {
          b.set(params[i], params[i + 1]);
        }
        return new Rig(config, filters, server, b.start(dir.resolve("postfix")));
      } catch (Exception | Error e) {
        if (server != null) {
          server.close();
        }
        filters.close();
        throw e;
      }
    }

    @Override
    public void close() {
      postfix.close();
      server.close();
      filters.close();
    }
  }

  /** One message in its own SMTP session, as {@code xclient} if not null; the end-of-data reply. */
  private static SmtpClient.Reply send(PostfixInstance postfix, String xclient, String rcpt)
      throws Exception {
    try (SmtpClient smtp = SmtpClient.connect(postfix.smtpPort(), WAIT)) {
      assertThat(smtp.send("EHLO client.test").code()).isEqualTo(250);
      if (xclient != null) {
        assertThat(smtp.send("XCLIENT ADDR=" + xclient).code()).isEqualTo(220);
        assertThat(smtp.send("EHLO client.test").code()).isEqualTo(250);
      }
      assertThat(smtp.send("MAIL FROM:<a@example.org>").code()).isEqualTo(250);
      assertThat(smtp.send("RCPT TO:<" + rcpt + ">").code()).isEqualTo(250);
      String message =
          "From: a@example.org\r\nTo: "
              + rcpt
              + "\r\nSubject: early no reply\r\nMessage-ID: <1@example.org>\r\n"
              + "Date: Mon, 7 Dec 2026 20:00:00 +0000\r\n\r\nhello\r\n";
      return smtp.data(message.getBytes(StandardCharsets.US_ASCII));
    }
  }

  /** The events whose reply Postfix's verbose milter8 log says it skipped. */
  private static List<String> skipped(String log) {
    Matcher m = Pattern.compile("skipping reply for event (SMFIC_\\w+)").matcher(log);
    return m.results().map(r -> r.group(1)).distinct().toList();
  }
}
