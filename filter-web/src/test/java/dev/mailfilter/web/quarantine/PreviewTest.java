package dev.mailfilter.web.quarantine;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The preview's sanitiser against known attacks and seeded random mixes of them. */
class PreviewTest {
  private static final List<String> ATTACKS =
      List.of(
          "<script>alert(1)</script>",
          "<img src=x onerror=alert(1)>",
          "<a href=\"javascript:alert(1)\">x</a>",
          "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
          "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
          "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
          "<svg onload=alert(1)><script>alert(1)</script></svg>",
          "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
          "<iframe src=\"https://evil.example\"></iframe>",
          "<object data=\"x.swf\"></object>",
          "<form action=\"https://evil.example\"><input name=p></form>",
          "<div style=\"background:url(javascript:alert(1))\">s</div>",
          "<style>body{background:url(https://evil.example/t.gif)}</style>",
          "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
          "<base href=\"https://evil.example/\">",
          "<link rel=stylesheet href=\"https://evil.example/x.css\">",
          "<img src=\"https://tracker.example/p.gif\" alt=\"logo\">",
          "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
          "<p>plain</p>",
          "<table><tr><td>cell</td></tr></table>");

  private static final java.util.Set<String> NEVER =
      java.util.Set.of(
          "script",
          "iframe",
          "object",
          "embed",
          "form",
          "input",
          "style",
          "meta",
          "base",
          "link",
          "svg",
          "math",
          "frame",
          "frameset",
          "noscript",
          "template");

  /**
   * Checks the markup as a browser would read it (parsed again): no element that runs or fetches,
   * no event handler or style attribute, no script URL, and no remote source unless asked.
   */
  private static void assertSafe(String html, boolean images) {
    for (org.jsoup.nodes.Element e : org.jsoup.Jsoup.parseBodyFragment(html).body().select("*")) {
      assertThat(NEVER).as(html).doesNotContain(e.tagName());
      for (org.jsoup.nodes.Attribute a : e.attributes()) {
        String name = a.getKey().toLowerCase(Locale.ROOT);
        String value = a.getValue().toLowerCase(Locale.ROOT).replaceAll("[\\s\\x00-\\x1f]", "");
        assertThat(name).as(html).doesNotStartWith("on").isNotIn("style", "srcset", "background");
        assertThat(value).as(html).doesNotStartWith("javascript:").doesNotStartWith("data:text");
        if (name.equals("src") && !images) {
          assertThat(value).as(html).doesNotStartWith("http");
        }
      }
    }
  }

  @Test
  void knownAttacksLeaveNothingThatRunsOrFetches() {
    for (String a : ATTACKS) {
      assertSafe(Preview.sanitise(a, false).html(), false);
      assertSafe(Preview.sanitise(a, true).html(), true);
    }
  }

  @Test
  void remoteImagesAreCountedAndKeptOnlyWhenAsked() {
    String html =
        "<p>Hi</p><img src=\"https://tracker.example/p.gif\" alt=\"logo\"><img src=\"data:image/gif;base64,R0lGOD\">";
    Preview.Rendered off = Preview.sanitise(html, false);
    assertThat(off.blockedImages()).isEqualTo(1);
    assertThat(off.html()).contains("[image not loaded: logo]").doesNotContain("tracker.example");
    Preview.Rendered on = Preview.sanitise(html, true);
    assertThat(on.blockedImages()).isZero();
    assertThat(on.html()).contains("https://tracker.example/p.gif");
    assertThat(on.html()).contains("<p>Hi</p>");
  }

  @Test
  void seededMixesOfAttacksStaySafe() {
    long seed = 20261208L;
    Random r = new Random(seed);
    for (int i = 0; i < 2000; i++) {
      StringBuilder b = new StringBuilder();
      int n = 1 + r.nextInt(6);
      for (int j = 0; j < n; j++) {
        String a = ATTACKS.get(r.nextInt(ATTACKS.size()));
        // Cut some at a random point: unclosed tags and attributes are where parsers differ.
        b.append(r.nextInt(4) == 0 ? a.substring(0, r.nextInt(a.length() + 1)) : a);
      }
      String input = b.toString();
      try {
        assertSafe(Preview.sanitise(input, false).html(), false);
      } catch (AssertionError e) {
        throw new AssertionError("seed " + seed + ", case " + i + ": " + input, e);
      }
    }
  }

  @Test
  void aTextOnlyMessageIsEscapedInAPreBlock() {
    byte[] m =
        "Subject: t\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n<script>alert(1)</script> é\r\n"
            .getBytes(UTF_8);
    Preview.Rendered r = Preview.render(m, false);
    assertThat(r.fromHtml()).isFalse();
    assertThat(r.html()).startsWith("<pre class=\"text\">&lt;script&gt;alert(1)&lt;/script&gt; é");
  }

  @Test
  void theHtmlAlternativeIsPreferredOverTheText() {
    byte[] m =
        ("Subject: t\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n"
                + "--b\r\nContent-Type: text/plain\r\n\r\nplain version\r\n"
                + "--b\r\nContent-Type: text/html\r\n\r\n<p>html <b>version</b></p><script>x</script>\r\n"
                + "--b--\r\n")
            .getBytes(UTF_8);
    Preview.Rendered r = Preview.render(m, false);
    assertThat(r.fromHtml()).isTrue();
    assertThat(r.html())
        .contains("<p>html <b>version</b></p>")
        .doesNotContain("script", "plain version");
  }
}
