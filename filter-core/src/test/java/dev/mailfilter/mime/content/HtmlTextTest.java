package dev.mailfilter.mime.content;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class HtmlTextTest {

  @Test
  void stripsTagsAndCollapsesWhitespace() {
    assertThat(HtmlText.toText("<b>Hello</b>   <i>world</i>\n\t!")).isEqualTo("Hello world !");
  }

  @Test
  void blockElementsBecomeLineBreaks() {
    assertThat(HtmlText.toText("<div>one</div><div>two</div>")).isEqualTo("one\ntwo");
    assertThat(HtmlText.toText("<p>one</p><p>two</p>")).isEqualTo("one\n\ntwo");
    assertThat(HtmlText.toText("a<br>b<br><br>c")).isEqualTo("a\nb\n\nc");
    assertThat(HtmlText.toText("<ul><li>x<li>y</ul>")).isEqualTo("x\ny");
    assertThat(HtmlText.toText("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>"))
        .isEqualTo("a b\nc");
  }

  @Test
  void decodesNamedEntitiesFromHtml4AndHtml5() {
    assertThat(HtmlText.toText("caf&eacute; &amp; cr&egrave;me &euro;5 &mdash; &hellip;"))
        .isEqualTo("café & crème €5 — …");
    assertThat(HtmlText.toText("&alpha;&Omega;&rarr;&hearts;&trade;&lang;"))
        .isEqualTo("αΩ→♥™\u27E8");
    assertThat(HtmlText.toText("&lbrack;&commat;&rbrack;&check;")).isEqualTo("[@]✓");
  }

  @Test
  void decodesLegacyEntitiesWithoutSemicolonLikeBrowsers() {
    assertThat(HtmlText.toText("AT&T &copy 2024 &notit; &ampx")).isEqualTo("AT&T © 2024 ¬it; &x");
    assertThat(HtmlText.toText("&unknown; &#; &#x; &")).isEqualTo("&unknown; &#; &#x; &");
  }

  @Test
  void mapsNumericReferencesAsBrowsersDo() {
    assertThat(HtmlText.toText("&#72;&#x69;&#X21;")).isEqualTo("Hi!");
    assertThat(HtmlText.toText("&#128;&#150;&#153;")).isEqualTo("€–™"); // windows-1252 repairs
    assertThat(HtmlText.toText("&#0;&#xD800;&#x110000;&#99999999999999999999;"))
        .isEqualTo("\uFFFD\uFFFD\uFFFD\uFFFD");
    assertThat(HtmlText.toText("&#65&#66")).isEqualTo("AB");
    assertThat(HtmlText.toText("&#x1F600;")).isEqualTo("\uD83D\uDE00");
  }

  @Test
  void dropsScriptStyleTitleCommentsAndCdata() {
    String html =
        "<html><head><title>T</title><style>p{color:red}</style>"
            + "<script>if (a < b) document.write('<b>x</b>')</script></head>"
            + "<body>A<!-- hidden -- comment -->B<![CDATA[ cdata ]]>C<!---->D<!-->E</body></html>";
    assertThat(HtmlText.toText(html)).isEqualTo("ABCDE");
  }

  @Test
  void scriptEndsOnlyAtItsOwnEndTag() {
    assertThat(HtmlText.toText("<script>x='</b>'; y='</scripty>'</SCRIPT >after"))
        .isEqualTo("after");
    assertThat(HtmlText.toText("<script>never closed <b>bold</b>")).isEmpty();
  }

  @Test
  void keepsLessThanInTextAndSurvivesBrokenMarkup() {
    assertThat(HtmlText.toText("1 < 2 and 3 <4 <")).isEqualTo("1 < 2 and 3 <4 <");
    assertThat(HtmlText.toText("a <b unclosed")).isEqualTo("a");
    assertThat(HtmlText.toText("x<a href=\"never closed>y</a>z")).isEqualTo("x");
    assertThat(HtmlText.toText("a</>b</ c>d<?php echo ?>e<!doctype html>f")).isEqualTo("abdef");
  }

  @Test
  void preservesWhitespaceInPre() {
    assertThat(HtmlText.toText("<pre>a  b\nc</pre>")).isEqualTo("a  b\nc");
  }

  @Test
  void removesAndCountsInvisibleCharacters() {
    HtmlScan scan = HtmlText.scan("V&#8203;i&zwnj;a\u200Dg&ZeroWidthSpace;r\u202Ea&shy;");
    assertThat(scan.text()).isEqualTo("Viagra");
    assertThat(scan.invisibleChars()).isEqualTo(6);
  }

  @Test
  void reportsTextHiddenByInlineCss() {
    String html =
        "<p>Buy now</p>"
            + "<div style=\"display:none\">ham words one</div>"
            + "<span style='visibility: hidden'>two</span>"
            + "<span style=\"font-size:0px\">three</span>"
            + "<span style=\"font-size: 1px\">four</span>"
            + "<font size=1 color=#ffffff>five</font>"
            + "<span style=\"color:#fefefe\">six</span>"
            + "<div style=\"background-color:#000\"><span style=\"color:black\">seven</span>"
            + "<span style=\"color:white\">shown</span></div>"
            + "<p hidden>eight</p>"
            + "<span style=\"opacity:0\">nine</span>"
            + "<span style=\"font-size:12px\">visible</span>";
    HtmlScan scan = HtmlText.scan(html);
    assertThat(scan.hiddenText())
        .isEqualTo("ham words one two three four five six seven eight nine");
    assertThat(scan.text()).isEqualTo("Buy now\n\nshown\n\nvisible");
  }

  @Test
  void hiddenStateEndsWithItsElement() {
    HtmlScan scan =
        HtmlText.scan(
            "<table bgcolor=white><tr><td><font color=\"#FFFFFF\">x</font>y</td></tr>"
                + "</table><body bgcolor=#000000><font color=#010101>z</font>");
    assertThat(scan.hiddenText()).isEqualTo("x z");
    assertThat(scan.text()).isEqualTo("y");
  }

  @Test
  void collectsLinksWithAnchorTextAreasAndForms() {
    HtmlScan scan =
        HtmlText.scan(
            "<a href=\" http://evil.example/login?a=1&amp;b=2 \">https://bank.example"
                + " <b>login</b></a> <a name=x>no href</a>"
                + "<map><area href=\"http://x.example/\" alt=\" Click  here \"></map>"
                + "<form action=\"http://collect.example/post\"><input type=password></form>"
                + "<a href=a>one<a href=b>two</a>");
    assertThat(scan.links())
        .containsExactly(
            new HtmlScan.Link("http://evil.example/login?a=1&b=2", "https://bank.example login"),
            new HtmlScan.Link("http://x.example/", "Click here"),
            new HtmlScan.Link("http://collect.example/post", ""),
            new HtmlScan.Link("a", "one"),
            new HtmlScan.Link("b", "two"));
    assertThat(scan.hasForm()).isTrue();
    assertThat(scan.hasPasswordField()).isTrue();
    assertThat(scan.linksCapped()).isFalse();
  }

  @Test
  void quotedAttributesCostWorkLinearInTheText() {
    // A hang guard, not a speed goal: the search for a character reference in a quoted value
    // once ran on to the end of the text, so 600,000 attributes without one took a minute.
    String html = "<b title=\"x\">y</b>".repeat(600_000) + "&amp;";
    HtmlScan scan = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> HtmlText.scan(html));
    assertThat(scan.text()).startsWith("yyy").endsWith("y&");
    assertThat(HtmlText.scan("<a title=\"a&amp;b\" href=\"h?x=1&amp;y=2\">t</a> &amp;").links())
        .singleElement()
        .satisfies(link -> assertThat(link.href()).isEqualTo("h?x=1&y=2"));
  }

  @Test
  void capsLinksAndImagesButCountsAllImages() {
    String html =
        "<a href=x>x</a>".repeat(HtmlText.MAX_LINKS + 5)
            + "<img src=i.gif>".repeat(HtmlText.MAX_IMAGES + 7);
    HtmlScan scan = HtmlText.scan(html);
    assertThat(scan.links()).hasSize(HtmlText.MAX_LINKS);
    assertThat(scan.linksCapped()).isTrue();
    assertThat(scan.imageCount()).isEqualTo(HtmlText.MAX_IMAGES + 7);
    assertThat(scan.imageSources()).hasSize(HtmlText.MAX_IMAGES);
    assertThat(scan.imagesCapped()).isTrue();
  }

  @Test
  void flagsActiveContent() {
    HtmlScan scan =
        HtmlText.scan(
            "<base href=http://x/><iframe src=x>t</iframe><object data=y></object>"
                + "<meta http-equiv=\"Refresh\" content=\"0;url=http://z/\">"
                + "<img src=\"a.png\" onerror=\"alert(1)\">");
    assertThat(scan.hasBase()).isTrue();
    assertThat(scan.hasIframe()).isTrue();
    assertThat(scan.hasObject()).isTrue();
    assertThat(scan.hasMetaRefresh()).isTrue();
    assertThat(scan.hasScript()).isTrue();
    assertThat(scan.imageSources()).containsExactly("a.png");
    assertThat(scan.text()).isEmpty();

    HtmlScan plain = HtmlText.scan("<p>hello</p>");
    assertThat(plain.hasScript()).isFalse();
    assertThat(plain.hasForm()).isFalse();
    assertThat(plain.hasIframe()).isFalse();
    assertThat(plain.hasBase()).isFalse();
    assertThat(plain.tagCount()).isEqualTo(1);
  }

  @Test
  void textareaKeepsTextAndDecodesReferences() {
    assertThat(HtmlText.toText("<textarea><b>&lt;x&gt;</b></textarea>")).isEqualTo("<b><x></b>");
  }
}
