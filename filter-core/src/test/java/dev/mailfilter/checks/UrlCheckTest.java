package dev.mailfilter.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class UrlCheckTest {
  private static final LocalChecks CHECKS = new LocalChecks();
  private static final String HTML = "MIME-Version: 1.0\nContent-Type: text/html";
  private static final String TEXT =
      "Please find the report for the third quarter at the address below, as promised. ";

  @AfterAll
  static void close() {
    CHECKS.close();
  }

  @Test
  void ipLiteralUrlFromTheCorpusIsFlagged() throws IOException {
    byte[] raw =
        Files.readAllBytes(
            LocalChecks.CORPORA.resolve(
                "spamassassin-public-corpus/spam/00004.eac8de8d759b7e74154f142194282724"));
    assertThat(CHECKS.symbols(raw)).contains("URL_IP_LITERAL");
  }

  @Test
  void disguisedIpAddressesAreObfuscated() {
    for (String host :
        new String[] {"3232235777", "0xC0A80101", "0300.0250.01.01", "0xc0.168.1.1"}) {
      assertThat(CHECKS.symbols(CHECKS.message("", TEXT + "http://" + host + "/login\n")))
          .as(host)
          .contains("URL_OBFUSCATED_IP")
          .doesNotContain("URL_IP_LITERAL");
    }
    assertThat(CHECKS.symbols(CHECKS.message("", TEXT + "http://192.168.1.1/login\n")))
        .contains("URL_IP_LITERAL")
        .doesNotContain("URL_OBFUSCATED_IP");
  }

  @Test
  void linkTextShowingAnotherDomainIsPhishing() {
    String phish =
        CHECKS.message(
            HTML,
            "<p>" + TEXT + "<a href=\"http://login.evil.example/pp\">www.paypal.com</a></p>\n");
    assertThat(CHECKS.symbols(phish)).contains("PHISH_LINK_MISMATCH");
    String honest =
        CHECKS.message(
            HTML, "<p>" + TEXT + "<a href=\"https://www.paypal.com/signin\">paypal.com</a></p>\n");
    assertThat(CHECKS.symbols(honest)).doesNotContain("PHISH_LINK_MISMATCH");
    String words =
        CHECKS.message(
            HTML, "<p>" + TEXT + "<a href=\"http://files.example.org/r.md\">readme.md</a></p>\n");
    assertThat(CHECKS.symbols(words)).doesNotContain("PHISH_LINK_MISMATCH");
  }

  @Test
  void senderLinkingThroughItsOwnTrackerIsNotPhishing() {
    String m =
        CHECKS.message(
            HTML + "\nFrom: News <news@mailer.shop.example.com>",
            "<p>" + TEXT + "<a href=\"http://click.example.com/r?1\">www.dilbert.com</a></p>\n");
    assertThat(CHECKS.symbols(m)).doesNotContain("PHISH_LINK_MISMATCH");
  }

  @Test
  void shortenersFromSpamAssassinsTestDataAreFlagged() throws IOException {
    byte[] raw =
        Files.readAllBytes(
            LocalChecks.CORPORA.resolve(
                "spamassassin-testdata/t/data/spam/decodeshorturl/base.eml"));
    assertThat(CHECKS.symbols(raw)).contains("URL_SHORTENER");
  }

  @Test
  void shortenerListIsConfigurable() {
    String m = CHECKS.message("", TEXT + "https://go.corp.example/x1 and https://bit.ly/abc\n");
    try (LocalChecks own = new LocalChecks("  urls:\n    shorteners: [go.corp.example]\n")) {
      assertThat(LocalChecks.describe(own.classify(bytes(m))))
          .contains("URL_SHORTENER[go.corp.example]");
    }
    try (LocalChecks extra =
        new LocalChecks("  urls:\n    extra_shorteners: [go.corp.example]\n")) {
      assertThat(LocalChecks.describe(extra.classify(bytes(m))))
          .contains("URL_SHORTENER[go.corp.example, bit.ly]");
    }
  }

  @Test
  void manyDistinctDomainsAreFlagged() {
    StringBuilder b = new StringBuilder(TEXT);
    for (int i = 0; i < 35; i++) {
      b.append("http://www.site").append(i).append(".example.com/ ");
      b.append("http://shop.brand").append(i).append(".example/ ");
    }
    assertThat(CHECKS.symbols(CHECKS.message("", b + "\n"))).contains("MANY_URL_DOMAINS");
    assertThat(
            CHECKS.symbols(
                CHECKS.message("", TEXT + "http://a.example.com/ http://b.example.com/\n")))
        .doesNotContain("MANY_URL_DOMAINS");
  }

  private static byte[] bytes(String m) {
    return m.replace("\n", "\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }
}
