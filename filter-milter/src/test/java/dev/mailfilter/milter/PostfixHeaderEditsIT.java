package dev.mailfilter.milter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Stage;
import dev.mailfilter.spi.Check;
import dev.mailfilter.spi.CheckContext;
import dev.mailfilter.spi.SymbolDef;
import dev.mailfilter.testkit.PostfixInstance;
import dev.mailfilter.testkit.SmtpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Header edits through a real Postfix, with the server in this JVM: the only way to have a check
 * that inserts a field at the top (no built-in check does; the {@code mailfilter milter} command
 * loads no extra checks), and the edits are the server's and Postfix's business, not the
 * launcher's. {@code filter-cli}'s {@code PostfixMilterIT} runs the real command for the rest.
 */
@Timeout(120)
class PostfixHeaderEditsIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  /** Adds an Authentication-Results field, which must land on top of the delivered header. */
  private record AuthResults() implements Check {
    @Override
    public String name() {
      return "auth_results";
    }

    @Override
    public Stage stage() {
      return Stage.DATA;
    }

    @Override
    public List<SymbolDef> symbols() {
      return List.of(SymbolDef.of("AUTH_RESULTS_ADDED", 0, "added Authentication-Results"));
    }

    @Override
    public void run(CheckContext ctx) {
      ctx.addHeader("Authentication-Results", "mx.test.local; spf=pass smtp.mailfrom=example.org");
      ctx.addSymbol("AUTH_RESULTS_ADDED");
    }
  }

  @Test
  void forgedFieldsGoSubjectIsTaggedResultsAreAddedAndAuthenticationResultsIsOnTop(
      @TempDir Path dir) throws Exception {
    // No Message-ID and no Date: MISSING_MID and MISSING_DATE reach the thresholds of 3.
    String message =
        """
        X-Spam-Flag: YES
        Received: from relay.example.org (relay.example.org [192.0.2.7])
        \tby mx.example.org with ESMTP; Mon, 7 Dec 2026 10:00:00 +0000
        From: Alice <a@example.org>
        X-Spam-Flag: YES
        To: b@example.test
        Subject: header edits
        x-spam-flag: yes, forged in lower case
        X-Keep: stays, byte for byte\t

        body line


        """;
    FilterConfig config =
        FilterConfig.builder()
            .set("actions.add_header", 3)
            .set("actions.rewrite_subject", 3)
            .build();
    try (MailFilter filter =
            MailFilter.builder().config(config).addCheck(new AuthResults()).build();
        MilterServer server = PostfixMilter.start(filter);
        PostfixInstance postfix = PostfixMilter.postfixFor(server).start(dir)) {
      try (SmtpClient smtp = SmtpClient.connect(postfix.smtpPort(), WAIT)) {
        assertThat(smtp.send("EHLO client.test").code()).isEqualTo(250);
        assertThat(smtp.send("MAIL FROM:<a@example.org>").code()).isEqualTo(250);
        assertThat(smtp.send("RCPT TO:<b@example.test>").code()).isEqualTo(250);
        SmtpClient.Reply end = smtp.data(message.getBytes(StandardCharsets.UTF_8));
        assertThat(end.code()).as(postfix.log()).isEqualTo(250);
      }
      String delivered =
          Files.readString(postfix.awaitDelivered(1, WAIT).getFirst(), StandardCharsets.UTF_8);
      List<String> fields = PostfixMilter.unfoldedHeader(delivered);
      // Postfix's own delivery fields come first, then ours at the top of the message's header.
      assertThat(fields.subList(0, 3))
          .satisfiesExactly(
              f -> assertThat(f).isEqualTo("Return-Path: <a@example.org>"),
              f -> assertThat(f).isEqualTo("X-Original-To: b@example.test"),
              f -> assertThat(f).isEqualTo("Delivered-To: b@example.test"));
      // Index 0 is the very top: above Postfix's own Received, which milters never see.
      assertThat(fields.get(3))
          .as(delivered)
          .isEqualTo("Authentication-Results: mx.test.local; spf=pass smtp.mailfrom=example.org");
      assertThat(fields.get(4)).startsWith("Received: from client.test (unknown [127.0.0.1])");
      assertThat(fields.subList(5, fields.size()))
          .as(delivered)
          .startsWith(
              "Received: from relay.example.org (relay.example.org [192.0.2.7]) by"
                  + " mx.example.org with ESMTP; Mon, 7 Dec 2026 10:00:00 +0000",
              "From: Alice <a@example.org>",
              "To: b@example.test",
              "Subject: *** SPAM *** header edits",
              "X-Keep: stays, byte for byte\t",
              "X-Spam-Flag: YES")
          .hasSize(9);
      assertThat(fields.get(11)).isEqualTo("X-Spam-Score: 5.50");
      assertThat(fields.get(12))
          .startsWith("X-Spam-Status: Yes, score=5.5 required=3.0 tests=MISSING_MID,");
      assertThat(fields.get(13)).contains("MISSING_MID").contains("MISSING_DATE");
      assertThat(fields)
          .filteredOn(f -> f.regionMatches(true, 0, "X-Spam-Flag:", 0, 12))
          .hasSize(1);
      assertThat(delivered).endsWith("\n\nbody line\n\n\n");
    }
  }

  @Test
  void aForgedAuthenticationResultsForOurIdIsRemovedAndTheOthersStay(@TempDir Path dir)
      throws Exception {
    String message =
        """
        Authentication-Results: other.example; spf=pass smtp.mailfrom=example.org
        From: Alice <a@example.org>
        authentication-results: (forged) MX.Test.Local;
        \tdkim=pass header.d=bank.example
        To: b@example.test
        Authentication-Results: third.example; dkim=none
        Subject: forged results
        Message-ID: <1@example.org>
        Date: Mon, 7 Dec 2026 10:00:00 +0000

        body
        """;
    FilterConfig config =
        FilterConfig.builder()
            .set("checks.authentication_results.enabled", true)
            .set("checks.authentication_results.authserv_id", "mx.test.local")
            .build();
    try (MailFilter filter = MailFilter.builder().config(config).build();
        MilterServer server = PostfixMilter.start(filter);
        PostfixInstance postfix = PostfixMilter.postfixFor(server).start(dir)) {
      try (SmtpClient smtp = SmtpClient.connect(postfix.smtpPort(), WAIT)) {
        assertThat(smtp.send("EHLO client.test").code()).isEqualTo(250);
        assertThat(smtp.send("MAIL FROM:<a@example.org>").code()).isEqualTo(250);
        assertThat(smtp.send("RCPT TO:<b@example.test>").code()).isEqualTo(250);
        SmtpClient.Reply end = smtp.data(message.getBytes(StandardCharsets.UTF_8));
        assertThat(end.code()).as(postfix.log()).isEqualTo(250);
      }
      String delivered =
          Files.readString(postfix.awaitDelivered(1, WAIT).getFirst(), StandardCharsets.UTF_8);
      List<String> fields = PostfixMilter.unfoldedHeader(delivered);
      // Unfolded: each fold's line break and indent became one space.
      String ours =
          "Authentication-Results: mx.test.local; dkim=none reason=\"no signature\"; arc=none"
              + " reason=\"no ARC sets\"";
      assertThat(fields.get(3)).as(delivered).isEqualTo(ours);
      assertThat(fields)
          .as(delivered)
          .filteredOn(f -> f.regionMatches(true, 0, "Authentication-Results:", 0, 23))
          .containsExactly(
              ours,
              "Authentication-Results: other.example; spf=pass smtp.mailfrom=example.org",
              "Authentication-Results: third.example; dkim=none");
      assertThat(fields)
          .as(delivered)
          .contains("From: Alice <a@example.org>", "To: b@example.test");
    }
  }
}
