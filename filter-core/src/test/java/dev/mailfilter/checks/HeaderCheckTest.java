package dev.mailfilter.checks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.testing.RandomStrings;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class HeaderCheckTest {
  private static final LocalChecks CHECKS = new LocalChecks();

  @AfterAll
  static void close() {
    CHECKS.close();
  }

  @Test
  void completeHeadersAreClean() {
    assertThat(CHECKS.symbols(CHECKS.message("", "See you.\n"))).isEmpty();
  }

  @Test
  void missingDateMessageIdAndFromAreFlagged() {
    String m = "To: bob@example.net\nSubject: hello there\n\nbody\n";
    assertThat(CHECKS.symbols(m)).contains("MISSING_DATE", "MISSING_MID", "MISSING_FROM");
  }

  @Test
  void malformedDateMessageIdAndFromAreFlagged() {
    assertThat(CHECKS.symbols(CHECKS.message("Date: 32 Foo 2002 25:00", "x\n")))
        .contains("INVALID_DATE");
    assertThat(CHECKS.symbols(CHECKS.message("Message-ID: PM20008:14:54 AM", "x\n")))
        .contains("INVALID_MSGID");
    assertThat(CHECKS.symbols(CHECKS.message("From: undisclosed", "x\n"))).contains("INVALID_FROM");
    assertThat(CHECKS.symbols(CHECKS.message("From: a@example.org\nFrom: b@example.org", "x\n")))
        .contains("MULTIPLE_FROM");
  }

  @Test
  void ratwareDateOffsetFromTheCorpusIsInvalid() throws IOException {
    // Date: Thu, 22 Aug 2002 16:44:26 -1900: no zone is 19 hours off
    byte[] raw =
        Files.readAllBytes(
            LocalChecks.CORPORA.resolve(
                "spamassassin-public-corpus/spam/00015.048434ab64c86cf890eda1326a5643f5"));
    CHECKS.clock.set(LocalChecksCorpusTest.receivedAt(raw));
    assertThat(CHECKS.symbols(raw)).contains("INVALID_DATE");
  }

  @Test
  void datesAreJudgedAgainstTheClockWithTheConfiguredSkews() {
    Instant now = Instant.parse("2002-09-01T12:00:00Z");
    CHECKS.clock.set(now);
    assertThat(CHECKS.symbols(CHECKS.message("Date: " + rfc(now.plus(Duration.ofHours(2))), "x\n")))
        .doesNotContain("DATE_IN_FUTURE");
    assertThat(CHECKS.symbols(CHECKS.message("Date: " + rfc(now.plus(Duration.ofHours(4))), "x\n")))
        .contains("DATE_IN_FUTURE");
    assertThat(CHECKS.symbols(CHECKS.message("Date: " + rfc(now.minus(Duration.ofDays(3))), "x\n")))
        .doesNotContain("DATE_IN_PAST");
    assertThat(CHECKS.symbols(CHECKS.message("Date: " + rfc(now.minus(Duration.ofDays(5))), "x\n")))
        .contains("DATE_IN_PAST");
  }

  @Test
  void storedMailIsJudgedAtItsTopmostReceivedTime() {
    CHECKS.clock.set(Instant.parse("2026-11-26T12:00:00Z"));
    Instant arrived = Instant.parse("2002-09-01T12:00:00Z");
    String received = "Received: from a.example by mx.example.org; " + rfc(arrived);
    assertThat(CHECKS.symbols(CHECKS.message(received + "\nDate: " + rfc(arrived), "x\n")))
        .doesNotContain("DATE_IN_PAST");
    assertThat(
            CHECKS.symbols(
                CHECKS.message(
                    received + "\nDate: " + rfc(arrived.minus(Duration.ofDays(9))), "x\n")))
        .contains("DATE_IN_PAST");
    // a Received field dated ahead of the clock does not move "now" forward
    String ahead = "Received: from a.example by mx.example.org; Fri, 1 Jan 2100 00:00:00 +0000";
    assertThat(
            CHECKS.symbols(
                CHECKS.message(ahead + "\nDate: Thu, 31 Dec 2099 23:00:00 +0000", "x\n")))
        .contains("DATE_IN_FUTURE");
  }

  @Test
  void obsoleteDateFormsParse() {
    ZonedDateTime expected = ZonedDateTime.parse("2002-09-02T15:00:00Z");
    for (String d :
        new String[] {
          "Mon, 2 Sep 2002 10:00:00 -0500",
          "2 Sep 2002 10:00 EST",
          "Mon, 02 Sep 02 08:00:00 -0700 (PDT)",
          "Monday, 2-Sep-2002 15:00:00 GMT",
          "Mon,  2 Sep 2002 11:00:00 EDT"
        }) {
      assertThat(MailDates.parse(d))
          .as(d)
          .hasValueSatisfying(t -> assertThat(t.toInstant()).isEqualTo(expected.toInstant()));
    }
    assertThat(MailDates.parse("Mon, 31 Feb 2002 10:00:00 +0000")).isEmpty();
    assertThat(MailDates.parse("yesterday")).isEmpty();
  }

  @Test
  void whitespaceCollapsesAsTheRegexDid() {
    RandomStrings.forEach(
        5_000,
        " \t\r\n\u000B\f\u00A0a1,:",
        11,
        c ->
            assertThat(MailDates.collapseSpace(c.text()))
                .as(c.describe())
                .isEqualTo(c.text().replaceAll("\\s+", " ")));
  }

  @Test
  void messageIdShapeIsThePatternItReplaced() {
    java.util.regex.Pattern msgid = java.util.regex.Pattern.compile("^<[^<>\\s]+@[^<>\\s]+>$");
    RandomStrings.forEach(
        20_000,
        "<>@@a.\t \u000B\u00A0",
        9,
        c ->
            assertThat(HeaderCheck.isMessageId(c.text()))
                .as(c.describe())
                .isEqualTo(msgid.matcher(c.text()).matches()));
    assertThat(HeaderCheck.isMessageId("<a@b>")).isTrue();
    assertThat(HeaderCheck.isMessageId("<@a@b@>")).isTrue();
    assertThat(HeaderCheck.isMessageId("<@b>")).isFalse();
  }

  private static String rfc(Instant t) {
    return java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
        t.atZone(java.time.ZoneOffset.UTC));
  }

  @Test
  void theNewestReceivedTimeIsTheReferenceNotTheTopmost() {
    CHECKS.clock.set(Instant.parse("2026-11-26T12:00:00Z"));
    Instant sent = Instant.parse("2002-09-01T12:00:00Z");
    // A relay lower in the chain stamped a later time than the top hop (clocks differ): the
    // message arrived no earlier than the latest stamp, so its Date is judged against that.
    String chain =
        "Received: from b.example by mx.example.org; "
            + rfc(sent.minus(Duration.ofDays(30)))
            + "\nReceived: from a.example by b.example; "
            + rfc(sent.plus(Duration.ofMinutes(5)));
    assertThat(CHECKS.symbols(CHECKS.message(chain + "\nDate: " + rfc(sent), "x\n")))
        .doesNotContain("DATE_IN_PAST", "DATE_IN_FUTURE");
  }

  @Test
  void theSampleMessagesKeepTheirVerdictWhateverTheClock() throws IOException {
    // README's first command scans examples/mail; its output must not age with the samples.
    try (var files = Files.list(java.nio.file.Path.of("../examples/mail"))) {
      for (java.nio.file.Path f : files.sorted().toList()) {
        byte[] raw = Files.readAllBytes(f);
        for (String at : List.of("2026-12-01T00:00:00Z", "2040-01-01T00:00:00Z")) {
          CHECKS.clock.set(Instant.parse(at));
          assertThat(CHECKS.symbols(raw))
              .as("%s scanned at %s", f, at)
              .doesNotContain("DATE_IN_PAST", "DATE_IN_FUTURE");
        }
      }
    }
  }
}
