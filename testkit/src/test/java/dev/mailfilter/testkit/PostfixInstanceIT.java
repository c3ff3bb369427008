package dev.mailfilter.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Postfix fixture against the real Postfix: delivery, relay, XCLIENT, configuration errors. */
class PostfixInstanceIT {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final byte[] MESSAGE =
      """
      From: a@example.org
      To: b@example.test
      Subject: fixture
      Message-ID: <fixture@example.org>
      Date: Mon, 7 Dec 2026 12:00:00 +0000

      .a line that starts with a dot
      body


      """
          .getBytes(StandardCharsets.US_ASCII);

  @Test
  void deliversToItsMaildirWithTheBodyIntact(@TempDir Path dir) throws Exception {
    try (PostfixInstance postfix = PostfixInstance.builder().start(dir)) {
      send(postfix.smtpPort(), "b@example.test");
      Path delivered = postfix.awaitDelivered(1, WAIT).getFirst();
      String text = Files.readString(delivered, StandardCharsets.US_ASCII);
      assertThat(text).contains("Delivered-To: b@example.test\n").contains("Received: from ");
      assertThat(text.substring(text.indexOf("From: a@example.org")))
          .isEqualTo(new String(MESSAGE, StandardCharsets.US_ASCII));
    }
  }

  @Test
  void relaysToADownstreamRelayhost(@TempDir Path dir) throws Exception {
    try (PostfixInstance downstream =
            PostfixInstance.builder().start(Files.createDirectory(dir.resolve("down")));
        PostfixInstance relay =
            PostfixInstance.builder()
                .relayTo(downstream.smtpPort())
                .start(Files.createDirectory(dir.resolve("up")))) {
      send(relay.smtpPort(), "b@example.test");
      String text =
          Files.readString(downstream.awaitDelivered(1, WAIT).getFirst(), StandardCharsets.UTF_8);
      assertThat(text).contains("Subject: fixture\n");
      assertThat(relay.delivered()).isEmpty();
    }
  }

  @Test
  void xclientPresentsAnotherClientAddress(@TempDir Path dir) throws Exception {
    try (PostfixInstance postfix = PostfixInstance.builder().start(dir);
        SmtpClient smtp = SmtpClient.connect(postfix.smtpPort(), WAIT)) {
      assertThat(smtp.send("EHLO client.test").lines())
          .contains("XCLIENT NAME ADDR PROTO HELO REVERSE_NAME PORT LOGIN DESTADDR DESTPORT");
      assertThat(smtp.send("XCLIENT ADDR=192.0.2.5 NAME=[UNAVAILABLE]").code()).isEqualTo(220);
      assertThat(smtp.send("EHLO client.test").code()).isEqualTo(250);
      assertThat(smtp.send("MAIL FROM:<a@example.org>").code()).isEqualTo(250);
      assertThat(smtp.send("RCPT TO:<b@example.test>").code()).isEqualTo(250);
      assertThat(smtp.data(MESSAGE).code()).isEqualTo(250);
      String text =
          Files.readString(postfix.awaitDelivered(1, WAIT).getFirst(), StandardCharsets.UTF_8);
      assertThat(text).contains("[192.0.2.5]");
    }
  }

  @Test
  void aBadParameterFailsWithWhatPostfixCheckSays(@TempDir Path dir) {
    assertThatThrownBy(() -> PostfixInstance.builder().set("mail_owner", "nosuchuser").start(dir))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("postfix check says:")
        .hasMessageContaining("parameter mail_owner: unknown user name value: nosuchuser");
  }

  private static void send(int port, String rcpt) throws Exception {
    try (SmtpClient smtp = SmtpClient.connect(port, WAIT)) {
      assertThat(smtp.greeting().code()).isEqualTo(220);
      assertThat(smtp.send("EHLO client.test").code()).isEqualTo(250);
      assertThat(smtp.send("MAIL FROM:<a@example.org>").code()).isEqualTo(250);
      assertThat(smtp.send("RCPT TO:<" + rcpt + ">").code()).isEqualTo(250);
      assertThat(smtp.data(MESSAGE).code()).isEqualTo(250);
    }
  }
}
