package dev.mailfilter.smtp;

import static dev.mailfilter.smtp.Feeds.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Action;
import dev.mailfilter.api.Connection;
import dev.mailfilter.api.FilterSession;
import dev.mailfilter.api.Verdict;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The codec's values fit the core's session as the server will use them: paths and parameters as
 * {@code mailFrom}/{@code rcptTo} take them, and {@code FilterSession::append} as the DATA sink.
 */
class CoreSessionTest {
  private static final String GTUBE =
      "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

  private final MailFilter filter = MailFilter.withDefaults();

  @AfterEach
  void close() {
    filter.close();
  }

  private Verdict transaction(String wire) throws IOException {
    SmtpReader reader = SmtpReader.of(Feeds.all().get(2).of(bytes(wire)), SmtpLimits.defaults());
    Capabilities caps = Capabilities.all(SmtpLimits.DEFAULT_MAX_MESSAGE_SIZE);
    try (FilterSession session = filter.open(Connection.of(InetAddresses.forString("192.0.2.1")))) {
      while (true) {
        Command command = reader.readCommand(caps, false).orElseThrow();
        switch (command) {
          case Command.Ehlo ehlo -> session.helo(ehlo.domain());
          case Command.Mail mail ->
              session.mailFrom(mail.from().mailbox(), mail.parameters().all());
          case Command.Rcpt rcpt -> session.rcptTo(rcpt.to().mailbox());
          case Command.Data data -> {
            DataResult result = reader.readData(session::append);
            assertThat(result.acceptable()).isTrue();
            return session.endOfData();
          }
          default -> throw new AssertionError("unexpected " + command);
        }
      }
    }
  }

  private static String wire(String content) {
    return "EHLO client.example\r\nMAIL FROM:<a@sender.example> BODY=8BITMIME SIZE=1000\r\n"
        + "RCPT TO:<b@ours.example>\r\nDATA\r\n"
        + content
        + ".\r\n";
  }

  @Test
  void gtubeAfterASmugglingProbeIsStillInTheMessageTheFilterSees() throws IOException {
    String content =
        "From: a@sender.example\r\nSubject: hi\r\n\r\nhello\r\n\n.\n"
            + "MAIL FROM:<x@y.example>\r\n"
            + GTUBE
            + "\r\n";
    Verdict v = transaction(wire(content));
    assertThat(v.action()).isEqualTo(Action.REJECT);
    assertThat(v.reply().code()).isEqualTo(554);
  }
}
