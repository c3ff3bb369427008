package dev.mailfilter.mime.content;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.james.mime4j.dom.Body;
import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.TextBody;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.apache.james.mime4j.stream.MimeConfig;
import org.junit.jupiter.api.Test;

/** Real spam from the SpamAssassin public corpus, HTML bodies extracted with mime4j. */
class HtmlCorpusTest {

  static final Path SPAM =
      Path.of(System.getProperty("mailfilter.shared", "../shared"))
          .resolve("corpora/spamassassin-public-corpus/spam");

  static String html(String file) throws IOException {
    Path path = SPAM.resolve(file);
    assertThat(path).as("corpus message (is ../shared linked?)").exists();
    DefaultMessageBuilder builder = new DefaultMessageBuilder();
    builder.setMimeEntityConfig(MimeConfig.PERMISSIVE);
    try (InputStream in = Files.newInputStream(path)) {
      Message message = builder.parseMessage(in);
      String html = findHtml(message);
      assertThat(html).as("text/html part of " + file).isNotNull();
      return html;
    }
  }

  private static String findHtml(Entity entity) throws IOException {
    Body body = entity.getBody();
    if (body instanceof Multipart multipart) {
      for (Entity part : multipart.getBodyParts()) {
        String html = findHtml(part);
        if (html != null) {
          return html;
        }
      }
      return null;
    }
    if (body instanceof Message inner) {
      return findHtml(inner);
    }
    if (body instanceof TextBody text && "text/html".equalsIgnoreCase(entity.getMimeType())) {
      StringWriter out = new StringWriter();
      try (Reader reader = text.getReader()) {
        reader.transferTo(out);
      }
      return out.toString();
    }
    return null;
  }

  @Test
  void lifeInsuranceSpamReadsAsItsTextWithTwoLinks() throws IOException {
    HtmlScan s = HtmlText.scan(html("00001.7848dde101aa985090474a91ec93fcf0"));
    assertThat(s.text())
        .startsWith("Save up to 70% on Life Insurance.\nWhy Spend More Than You Have To?")
        .contains("Click Here For Your Free Quote!")
        .doesNotContain("<", "Calypso", "MSHTML");
    assertThat(s.links())
        .containsExactly(
            new HtmlScan.Link(
                "http://website.e365.cc/savequote/", "Click Here For Your Free Quote!"),
            new HtmlScan.Link("mailto:coins@btamail.net.cn", "PLEASE CLICK HERE"));
    // Its display:none table holds only rules, no text.
    assertThat(s.hiddenText()).isEmpty();
    assertThat(s.imageCount()).isZero();
    assertThat(s.hasForm()).isFalse();
  }

  @Test
  void quoteFormSpamHasAFormImagesAndTracker() throws IOException {
    HtmlScan s = HtmlText.scan(html("00008.dfd941deb10f5eed78b1594b131c9266"));
    assertThat(s.hasForm()).isTrue();
    assertThat(s.links())
        .contains(
            new HtmlScan.Link(
                "http://www.reliaquote.com/termlife/cgi-bin/banner_quote_resp.asp", ""),
            new HtmlScan.Link(
                "http://theadmanager.com/server/c.asp?ad_key=YUESBHWAKMLK&ext=1",
                "Compare quotes today"));
    assertThat(s.imageCount()).isEqualTo(6);
    assertThat(s.imageSources()).endsWith("http://admanmail.com/server/t.asp?ad_key=YUESBHWAKMLK");
    assertThat(s.text()).startsWith("Life can change in an instant.");
    // White text here stands on dark table cells: it is visible, not hidden.
    assertThat(s.hiddenText()).isEmpty();
  }

  @Test
  void imageSpamIsMostlyImages() throws IOException {
    HtmlScan s = HtmlText.scan(html("00014.7d38c46424f24fc8012ac15a95a2ac14"));
    assertThat(s.imageCount()).isEqualTo(20);
    assertThat(s.links())
        .extracting(HtmlScan.Link::href)
        .contains("http://theadmanager.com/server/c.asp?ad_key=QBFUIEXORXKL&ext=1");
  }

  @Test
  void blackOnBlackUnsubscribeLinkIsHidden() throws IOException {
    // <FONT COLOR="#000000" style="BACKGROUND-COLOR: #000000"> <A HREF=...>Clicking Here</A>.
    HtmlScan s = HtmlText.scan(html("00052.edb775ef7470f35cd593d07e5a0466a8"));
    assertThat(s.hiddenText()).isEqualTo("Clicking Here.");
    assertThat(s.text()).doesNotContain("Clicking Here");
    assertThat(s.links())
        .contains(new HtmlScan.Link("http://202.108.221.18/www425/takemeoff.html", ""));
  }

  @Test
  void everyHtmlSpamScansWithinItsSize() throws IOException {
    int scanned = 0;
    try (var files = Files.list(SPAM)) {
      for (Path f : files.sorted().toList()) {
        String h = findHtmlOrNull(f);
        if (h == null) {
          continue;
        }
        HtmlScan s = HtmlText.scan(h);
        assertThat(s.text().length()).as(f.toString()).isLessThanOrEqualTo(h.length());
        assertThat(s.hiddenText().length()).as(f.toString()).isLessThanOrEqualTo(h.length());
        assertThat(s.text()).as(f.toString()).doesNotContain("<br>", "<BR>", "</p>", "<td");
        scanned++;
      }
    }
    assertThat(scanned).isGreaterThan(100);
  }

  private static String findHtmlOrNull(Path path) throws IOException {
    DefaultMessageBuilder builder = new DefaultMessageBuilder();
    builder.setMimeEntityConfig(MimeConfig.PERMISSIVE);
    try (InputStream in = Files.newInputStream(path)) {
      return findHtml(builder.parseMessage(in));
    }
  }
}
