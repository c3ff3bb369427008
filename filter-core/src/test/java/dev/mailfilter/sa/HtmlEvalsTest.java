package dev.mailfilter.sa;

import static dev.mailfilter.sa.SaFixtures.hits;
import static dev.mailfilter.sa.SaFixtures.rules;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTMLEval's functions on crafted HTML, each as its Perl function answers. */
class HtmlEvalsTest {
  @TempDir Path dir;

  private static String html(String body) {
    return "Subject: s\nContent-Type: text/html; charset=utf-8\n\n" + body;
  }

  @Test
  void htmlMessageHitsAnHtmlPartAndNotPlainText() {
    RuleSet r = rules(dir, "body HTML_MESSAGE eval:html_test('html')\n");
    assertThat(hits(r, html("<p>hi</p>\n"))).containsKey("HTML_MESSAGE");
    assertThat(hits(r, "Subject: s\n\n<p>hi</p>\n")).isEmpty();
  }

  @Test
  void anEmptyHtmlPartIsNotParsed() {
    // Node::rendered renders text/html only when its text is not empty.
    RuleSet r = rules(dir, "body HTML_MESSAGE eval:html_test('html')\n");
    assertThat(hits(r, html(""))).isEmpty();
  }

  @Test
  void anAttachmentNamedHtmlRendersAsHtml() {
    // Node::effective_type: a part named *.html is text/html whatever its type.
    RuleSet r = rules(dir, "body HTML_MESSAGE eval:html_test('html')\n");
    String m =
        "Subject: s\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\n"
            + "hi\n--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment;"
            + " filename=page.html\n\n<p>x</p>\n--b--\n";
    assertThat(hits(r, m)).containsKey("HTML_MESSAGE");
  }

  @Test
  void lengthRangeCountsTheDecodedMarkup() {
    RuleSet r =
        rules(
            dir,
            "body L_0_20 eval:html_range('length', '0', '20')\n"
                + "body L_20_INF eval:html_range('length', '20', 'inf')\n"
                + "body L_LT_10 eval:html_eval('length', '< 10')\n"
                + "body L_LT_11 eval:html_eval('length', '< 11')\n");
    // The fixtures send CRLF: "<p>caf\u00e9</p>\r\n" is 13 characters (14 octets in UTF-8).
    assertThat(hits(r, html("<p>caf\u00e9</p>\n")).keySet()).containsExactly("L_0_20");
    assertThat(hits(r, html("<p>" + "x".repeat(30) + "</p>\n")).keySet())
        .containsExactly("L_20_INF");
    // "<b>x</b>\r\n" is 10 characters.
    assertThat(hits(r, html("<b>x</b>\n")).keySet()).containsExactlyInAnyOrder("L_0_20", "L_LT_11");
  }

  @Test
  void decodingTakesCrlfOutOfQuotedPrintableAndBase64Text() {
    // Node::decode: s/\r\n/\n/ on a quoted-printable body and a base64 text one (spam/00313).
    RuleSet r =
        rules(
            dir,
            "body L_LT_18 eval:html_eval('length', '< 18')\n"
                + "body L_LT_19 eval:html_eval('length', '< 19')\n"
                + "body L_LT_10 eval:html_eval('length', '< 10')\n");
    String base64 =
        "Subject: s\nContent-Type: text/html\nContent-Transfer-Encoding: base64\n\n"
            + "PGI+eDwvYj4NCjxpPnk8L2k+DQo=\n";
    // 20 characters decoded, 18 once its two CRLF read as LF.
    assertThat(hits(r, base64).keySet()).containsExactly("L_LT_19");
    String qp =
        "Subject: s\nContent-Type: text/html\nContent-Transfer-Encoding: quoted-printable\n\n"
            + "<b>x</b>\n";
    // "<b>x</b>\r\n" as sent, 9 characters decoded.
    assertThat(hits(r, qp).keySet()).containsExactlyInAnyOrder("L_LT_10", "L_LT_18", "L_LT_19");
  }

  @Test
  void imageOnlyNeedsAnImageAndALengthInRange() {
    RuleSet r = rules(dir, "body IMG_ONLY eval:html_image_only('0000','0400')\n");
    assertThat(hits(r, html("<img src=\"a.png\">\n"))).containsKey("IMG_ONLY");
    assertThat(hits(r, html("<p>no image</p>\n"))).isEmpty();
    assertThat(hits(r, html("<img src=a.png>" + "x".repeat(400) + "\n"))).isEmpty();
  }

  @Test
  void tagBalanceCountsStartsLessEndsNeverBelowZero() {
    RuleSet r = rules(dir, "body BAL eval:html_tag_balance('body', '!= 0')\n");
    assertThat(hits(r, html("<body><p>x</p></body>\n"))).isEmpty();
    assertThat(hits(r, html("<body><p>x</p>\n"))).containsKey("BAL");
    // An extra end tag is clamped at zero: the start after it leaves one open.
    assertThat(hits(r, html("</body><body>x\n"))).containsKey("BAL");
    assertThat(hits(r, html("<body>x</body></body>\n"))).isEmpty();
    // No body tag at all: {inside}{body} does not exist, so nothing to compare.
    assertThat(hits(r, html("<p>x</p>\n"))).isEmpty();
  }

  @Test
  void commentsAreWhatHtmlParserReports() {
    assertThat(
            HtmlEvals.comments(
                "<p>a<!-- one --> b <!--two <br/> &nbsp;--> -->"
                    + "<script><!-- in a script --></script><STYLE x><!-- css --></style >"
                    + "<!DOCTYPE html PUBLIC \"-//W3C//DTD HTML 4.01//EN\">"
                    + "<!DOCTYPE -//w3c//dtd><!5122qHWL1><!><![CDATA[x]]>"))
        .containsExactly(
            "<!-- one -->", "<!--two <br>  -->", "<!DOCTYPE -//w3c//dtd>", "<!5122qHWL1>", "<!>");
    // A comment that is never closed is a bogus one up to the next '>'.
    assertThat(HtmlEvals.comments("<!-- open <b>x</b>")).containsExactly("<!-- open <b>");
    // A script that is never closed hides nothing.
    assertThat(HtmlEvals.comments("<script>x<!--c-->")).containsExactly("<!--c-->");
  }

  @Test
  void textMatchOnCommentsUsesThePatternAsWritten() {
    RuleSet r =
        rules(
            dir,
            "body SAVED eval:html_text_match('comment', '<!-- saved from url=\\(\\d{4}\\)')\n"
                + "body SHORT eval:html_text_match('comment', '<!(?!-).{0,6}>')\n"
                + "body ANY eval:html_text_match('comment', '<!.*?>')\n");
    assertThat(hits(r, html("<!-- saved from url=(0022)http://x.example/ -->\n")).keySet())
        .containsExactlyInAnyOrder("SAVED", "ANY");
    // <!abc> is a declaration, <!5abc> a bogus comment.
    assertThat(hits(r, html("<p>x</p><!abc>\n"))).isEmpty();
    assertThat(hits(r, html("<p>x</p><!abc><!5abc>\n")).keySet())
        .containsExactlyInAnyOrder("SHORT", "ANY");
    // '.' stops at a line end: a comment whose '>' is on a later line does not match '<!.*?>'.
    assertThat(hits(r, html("<!--\nx\n-->\n"))).isEmpty();
    assertThat(hits(r, html("<script><!-- x --></script>\n"))).isEmpty();
    assertThat(hits(r, "Subject: s\n\n<!-- plain text -->\n")).isEmpty();
  }

  @Test
  void statisticsTheScannerDoesNotKeepStayUnsupported() {
    for (String eval :
        List.of(
            "html_range('max_size', '6', 'inf')",
            "html_test('font_face_bad')",
            "html_eval('title', '< 3')",
            "html_tag_balance('body', '+ 1')",
            "html_text_match('title', '.{120}')")) {
      assertThatThrownBy(() -> NativeEvals.resolve("eval:" + eval))
          .as(eval)
          .isInstanceOf(Unsupported.class);
    }
  }
}
