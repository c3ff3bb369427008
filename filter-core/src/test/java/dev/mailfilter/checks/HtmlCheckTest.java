package dev.mailfilter.checks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.testing.RandomStrings;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class HtmlCheckTest {
  private static final LocalChecks CHECKS = new LocalChecks();
  private static final String HTML = "MIME-Version: 1.0\nContent-Type: text/html; charset=utf-8";
  private static final String TEXT =
      "Thanks for the notes from Tuesday. I have added the budget figures and the timeline.";

  @AfterAll
  static void close() {
    CHECKS.close();
  }

  @Test
  void htmlOnlySpamFromTheCorpusIsFlagged() throws IOException {
    byte[] raw =
        Files.readAllBytes(
            LocalChecks.CORPORA.resolve(
                "spamassassin-public-corpus/spam/00001.7848dde101aa985090474a91ec93fcf0"));
    assertThat(CHECKS.symbols(raw)).contains("MIME_HTML_ONLY");
  }

  @Test
  void htmlWithPlainAlternativeIsNotHtmlOnly() {
    String m =
        CHECKS.message(
            "MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=b",
            "--b\nContent-Type: text/plain\n\n"
                + TEXT
                + "\n--b\nContent-Type: text/html\n\n<p>"
                + TEXT
                + "</p>\n--b--\n");
    assertThat(CHECKS.symbols(m)).isEmpty();
    assertThat(CHECKS.symbols(CHECKS.message(HTML, "<p>" + TEXT + "</p>\n")))
        .containsExactly("MIME_HTML_ONLY");
  }

  @Test
  void hiddenTextIsFlagged() {
    String m =
        CHECKS.message(
            HTML,
            "<p>"
                + TEXT
                + "</p><div style=\"display:none\">cheap pills replica watches casino bonus</div>\n");
    assertThat(CHECKS.symbols(m)).contains("HIDDEN_TEXT");
    String tiny =
        CHECKS.message(HTML, "<p>" + TEXT + "</p><span style=\"display:none\">hi</span>\n");
    assertThat(CHECKS.symbols(tiny)).doesNotContain("HIDDEN_TEXT");
  }

  @Test
  void imagesWithoutTextAreImageOnly() {
    String m =
        CHECKS.message(
            HTML, "<a href=\"http://shop.example/\"><img src=\"http://shop.example/a.png\"></a>\n");
    assertThat(CHECKS.symbols(m)).contains("IMAGE_ONLY");
    String withText =
        CHECKS.message(HTML, "<p>" + TEXT + " " + TEXT + "</p><img src=\"cid:logo\">\n");
    assertThat(CHECKS.symbols(withText)).doesNotContain("IMAGE_ONLY");
  }

  @Test
  void nonSpaceCountsAsCharacterIsWhitespaceAndStopsPastTheLimit() {
    RandomStrings.forEach(
        5_000,
        " \t\n\u000B\u001Fa~\u007F\u00A0\u2003\u3000\u00E9",
        19,
        c -> {
          int want = (int) c.text().chars().filter(ch -> !Character.isWhitespace(ch)).count();
          assertThat(HtmlCheck.nonSpace(c.text())).as(c.describe()).isEqualTo(want);
          for (int limit = 0; limit < 10; limit++) {
            assertThat(HtmlCheck.nonSpace(c.text(), limit))
                .as("%s, limit %d", c.describe(), limit)
                .isEqualTo(Math.min(want, limit + 1));
          }
        });
  }
}
