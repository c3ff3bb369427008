package dev.mailfilter.checks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.testing.RandomStrings;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class SenderCheckTest {
  private static final LocalChecks CHECKS = new LocalChecks();

  @AfterAll
  static void close() {
    CHECKS.close();
  }

  @Test
  void spamAssassinsDisplayNameSpoofSampleIsFlagged() throws IOException {
    // From: "test@example.com" <test1@gmail.com>
    byte[] raw =
        Files.readAllBytes(
            LocalChecks.CORPORA.resolve("spamassassin-testdata/t/data/spam/fromnamespoof/spoof1"));
    assertThat(CHECKS.symbols(raw)).contains("SPOOF_DISPLAY_NAME");
  }

  @Test
  void displayNameWithTheSendersOwnAddressIsFine() {
    String m = CHECKS.message("From: \"alice@example.org\" <alice@mail.example.org>", "x\n");
    assertThat(CHECKS.symbols(m)).doesNotContain("SPOOF_DISPLAY_NAME", "FROM_NAME_HAS_DOMAIN");
  }

  @Test
  void displayNameNamingAnotherDomainIsFlagged() {
    assertThat(
            CHECKS.symbols(
                CHECKS.message("From: \"PayPal.com\" <service@pp-secure.example>", "x\n")))
        .contains("FROM_NAME_HAS_DOMAIN");
    assertThat(
            CHECKS.symbols(CHECKS.message("From: \"Amazon.com\" <store-news@amazon.com>", "x\n")))
        .doesNotContain("FROM_NAME_HAS_DOMAIN");
    assertThat(CHECKS.symbols(CHECKS.message("From: \"Dr. J. Smith\" <js@example.org>", "x\n")))
        .doesNotContain("FROM_NAME_HAS_DOMAIN");
  }

  @Test
  void replyToInAnotherDomainIsFlaggedExceptOnMailingLists() {
    String h = "Reply-To: winner@claims.example";
    assertThat(CHECKS.symbols(CHECKS.message(h, "x\n"))).contains("REPLYTO_DIFF_DOMAIN");
    assertThat(CHECKS.symbols(CHECKS.message(h + "\nList-Id: <talk.lists.example>", "x\n")))
        .doesNotContain("REPLYTO_DIFF_DOMAIN");
    assertThat(CHECKS.symbols(CHECKS.message("Reply-To: alice@lists.example.org", "x\n")))
        .doesNotContain("REPLYTO_DIFF_DOMAIN");
  }

  @Test
  void returnPathInAnotherDomainIsFlaggedUnlessSenderExplainsIt() {
    String h = "Return-Path: <bounce-77@massmailer.example>";
    assertThat(CHECKS.symbols(CHECKS.message(h, "x\n"))).contains("RETURN_PATH_MISMATCH");
    assertThat(CHECKS.symbols(CHECKS.message(h + "\nSender: agent@massmailer.example", "x\n")))
        .doesNotContain("RETURN_PATH_MISMATCH");
    assertThat(CHECKS.symbols(CHECKS.message("Return-Path: <b@bounces.example.org>", "x\n")))
        .doesNotContain("RETURN_PATH_MISMATCH");
  }

  @Test
  void returnPathBracketsAreDroppedAsTheRegexDid() {
    RandomStrings.forEach(
        5_000,
        "<> a@",
        6,
        c ->
            assertThat(SenderCheck.unbracket(c.text()))
                .as(c.describe())
                .isEqualTo(c.text().strip().replaceAll("^<|>$", "")));
  }
}
