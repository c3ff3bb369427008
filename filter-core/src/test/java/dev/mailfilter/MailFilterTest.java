package dev.mailfilter;

import static dev.mailfilter.testing.TestCheck.fixed;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import dev.mailfilter.api.Action;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.HeaderEdit;
import dev.mailfilter.api.Stage;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.SymbolDef;
import dev.mailfilter.testing.TestCheck;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class MailFilterTest {
  private static final InetAddress CLIENT = InetAddresses.forString("198.51.100.7");
  private static final Path TESTDATA =
      Path.of(
          System.getProperty("mailfilter.shared", "../shared"), "corpora/spamassassin-testdata");
  private static final byte[] HAM =
      ("From: a@example.org\r\nTo: b@example.net\r\nSubject: hello\r\n"
              + "Message-ID: <note-1@example.org>\r\nDate: "
              // a fresh date: the header check flags dates days old
              + java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
                  java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC))
              + "\r\n\r\nJust a note.\r\n")
          .getBytes(StandardCharsets.US_ASCII);

  private static Envelope envelope(String... rcpts) {
    return Envelope.of(CLIENT, "mail.example.org", "a@example.org", List.of(rcpts));
  }

  @Test
  void acceptsPlainHamWithStatusHeaders() {
    try (MailFilter f = MailFilter.withDefaults()) {
      Verdict v = f.classify(HAM, envelope("b@example.net"));
      assertThat(v.action()).isEqualTo(Action.ACCEPT);
      assertThat(v.reply().code()).isEqualTo(250);
      assertThat(v.required()).isEqualTo(6.0);
      assertThat(v.headerEdits())
          .contains(new HeaderEdit.Remove("X-Spam-Flag"))
          .contains(new HeaderEdit.Add("X-Spam-Status", "No, score=0.0 required=6.0 tests=none"))
          .doesNotContain(new HeaderEdit.Add("X-Spam-Flag", "YES"));
    }
  }

  @Test
  void rejectsGtubeSampleAndAcceptsNonspamSample() throws IOException {
    try (MailFilter f = MailFilter.withDefaults()) {
      Verdict spam =
          f.classify(
              Files.readAllBytes(TESTDATA.resolve("sample-spam.txt")), envelope("r@example.net"));
      assertThat(spam.action()).isEqualTo(Action.REJECT);
      assertThat(spam.has("GTUBE")).isTrue();
      assertThat(spam.score()).isGreaterThanOrEqualTo(1000);
      assertThat(spam.reply().code()).isEqualTo(554);
      assertThat(spam.reply().enhanced()).isEqualTo("5.7.1");
      Verdict ham =
          f.classify(
              Files.readAllBytes(TESTDATA.resolve("sample-nonspam.txt")),
              envelope("r@example.net"));
      assertThat(ham.action()).isEqualTo(Action.ACCEPT);
      assertThat(ham.has("GTUBE")).isFalse();
    }
  }

  @Test
  void addsSpamHeadersFoldedAtThreshold() {
    List<Check> checks =
        List.of(
            fixed("a", Stage.DATA, "SOME_LONG_SYMBOL_NAME_ONE", 2.5),
            fixed("b", Stage.DATA, "SOME_LONG_SYMBOL_NAME_TWO", 2.5),
            fixed("c", Stage.DATA, "SOME_LONG_SYMBOL_NAME_THREE", 2.1));
    MailFilter.Builder b = MailFilter.builder();
    checks.forEach(b::addCheck);
    try (MailFilter f = b.build()) {
      Verdict v = f.classify(HAM, envelope("b@example.net"));
      assertThat(v.action()).isEqualTo(Action.ADD_HEADER);
      assertThat(v.score()).isCloseTo(7.1, org.assertj.core.data.Offset.offset(1e-9));
      assertThat(v.headerEdits()).contains(new HeaderEdit.Add("X-Spam-Flag", "YES"));
      String status =
          v.headerEdits().stream()
              .filter(e -> e instanceof HeaderEdit.Add a && a.name().equals("X-Spam-Status"))
              .map(e -> ((HeaderEdit.Add) e).value())
              .findFirst()
              .orElseThrow();
      assertThat(status).startsWith("Yes, score=7.1 required=6.0 tests=SOME_LONG_SYMBOL_NAME_ONE,");
      assertThat(status).contains("\r\n\t");
      for (String line : status.split("\r\n")) {
        assertThat(line.length() + "X-Spam-Status: ".length()).isLessThanOrEqualTo(78);
      }
    }
  }

  @Test
  void isolatesThrowingCheckAndStillRunsOthers() {
    Check thrower =
        new TestCheck(
            "boom",
            Stage.DATA,
            List.of(SymbolDef.of("NEVER", 1, "never")),
            ctx -> {
              throw new IOException("scanner down");
            });
    try (MailFilter f =
        MailFilter.builder()
            .addCheck(thrower)
            .addCheck(fixed("ok", Stage.DATA, "STILL_RUNS", 1.5))
            .build()) {
      Verdict v = f.classify(HAM, envelope("b@example.net"));
      assertThat(v.has("CHECK_FAILED_BOOM")).isTrue();
      assertThat(v.has("STILL_RUNS")).isTrue();
      assertThat(v.action()).isEqualTo(Action.ACCEPT);
    }
  }
}
