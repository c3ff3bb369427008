package dev.mailfilter.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.MailFilter;
import dev.mailfilter.testkit.PostfixInstance;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Callouts to a real Postfix (Debian's {@code postfix}, the test kit's private instance) as the
 * customer's server: its {@code virtual_mailbox_maps} lists the known users, and it refuses the
 * others with {@code 550 5.1.1 ... User unknown in virtual mailbox table}, which the gateway passes
 * on at RCPT time and remembers.
 */
@Timeout(120)
class RecipientCalloutPostfixTest {
  @Test
  void postfixsUnknownUsersAreRefusedAtRcptAndKnownOnesGetTheirMail(@TempDir Path dir)
      throws Exception {
    try (PostfixInstance postfix =
            PostfixInstance.builder()
                .set("virtual_mailbox_maps", "inline:{ bob@example.test=maildir/ }")
                .start(dir);
        MailFilter filter =
            SmtpServerTest.filter(
                "domains:\n  example.test:\n    route: {host: 127.0.0.1, port: "
                    + postfix.smtpPort()
                    + ", tls: none}\n    verify_recipients: {callout: true}\n");
        SmtpServer server = SmtpServerTest.server(filter, b -> {})) {
      try (Client c = new Client(server.localAddress())) {
        assertThat(c.reply()).startsWith("220 ");
        c.send("EHLO client.example\r\n");
        assertThat(c.reply()).contains("250-PIPELINING");
        c.send("MAIL FROM:<alice@sender.example>\r\n");
        assertThat(c.reply()).isEqualTo("250 2.1.0 Ok");
        c.send("RCPT TO:<nobody@example.test>\r\n");
        String refused = c.reply();
        assertThat(refused)
            .as(postfix.log())
            .isEqualTo(
                "550 5.1.1 <nobody@example.test>: Recipient address rejected: undeliverable"
                    + " address: 550 5.1.1 <nobody@example.test>: Recipient address rejected:"
                    + " User unknown in virtual mailbox table");
        assertThat(server.verifier.callouts()).isEqualTo(1);
        c.send("RCPT TO:<nobody@example.test>\r\n");
        assertThat(c.reply()).isEqualTo(refused);
        assertThat(server.verifier.callouts()).as("the second RCPT is a cache hit").isEqualTo(1);
        c.send("RCPT TO:<bob@example.test>\r\n");
        assertThat(c.reply()).isEqualTo("250 2.1.5 Ok");
        c.send("RCPT TO:<bob@example.test>\r\nDATA\r\n");
        assertThat(c.replies(2))
            .containsExactly("250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>");
        assertThat(server.verifier.callouts()).isEqualTo(2);
        c.send(SmtpServerTest.stuffed(SmtpServerTest.CLEAN) + ".\r\n");
        assertThat(c.reply()).as(postfix.log()).startsWith("250 2.0.0 Ok: queued as ");
      }
      assertThat(postfix.awaitDelivered(1, Duration.ofSeconds(30))).hasSize(1);
      // Each probe is a session without a message: EHLO, MAIL FROM:<>, RCPT, QUIT.
      assertThat(postfix.log()).contains("NOQUEUE: reject: RCPT from").contains("from=<>");
    }
  }
}
