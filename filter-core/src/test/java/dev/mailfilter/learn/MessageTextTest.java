package dev.mailfilter.learn;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class MessageTextTest {
  private static Document parse(String raw) {
    return Document.fromMessage(raw.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void decodesHeadersAndAPlainBody() {
    Document d =
        parse(
            "From: =?UTF-8?B?SsO8cmdlbg==?= <j@example.org>\r\n"
                + "Subject: =?ISO-8859-1?Q?Gr=FC=DFe?=\r\n  aus Berlin\r\n"
                + "\r\n"
                + "Hello there\r\n");
    assertThat(d.from()).isEqualTo("Jürgen <j@example.org>");
    assertThat(d.subject()).isEqualTo("Grüße  aus Berlin"); // unfolding keeps the white space
    assertThat(d.texts()).containsExactly("Hello there\r\n");
    assertThat(d.partTypes()).containsExactly("text/plain");
  }

  @Test
  void splitsMultipartAndUndoesTransferEncodings() {
    Document d =
        parse(
            "Content-Type: multipart/alternative; boundary=\"b1\"\n"
                + "\n"
                + "preamble\n"
                + "--b1\n"
                + "Content-Type: text/plain; charset=utf-8\n"
                + "Content-Transfer-Encoding: quoted-printable\n"
                + "\n"
                + "caf=C3=A9 soft=\n"
                + "break\n"
                + "--b1\n"
                + "Content-Type: text/html\n"
                + "Content-Transfer-Encoding: base64\n"
                + "\n"
                + "PGh0bWw+PGhlYWQ+PHRpdGxlPnQ8L3RpdGxlPjwvaGVhZD48Ym9keT48YSBocmVmPSJodHRw\n"
                + "Oi8vZXhhbXBsZS5jb20vIj5CdXk8L2E+ICZhbXA7IHNhdmU8c2NyaXB0PngoKTwvc2NyaXB0\n"
                + "PjwvYm9keT48L2h0bWw+\n"
                + "--b1--\n"
                + "epilogue\n");
    assertThat(d.texts()).containsExactly("café softbreak");
    assertThat(d.htmlTexts()).hasSize(1);
    assertThat(d.htmlTexts().get(0).strip().replaceAll("\\s+", " ")).isEqualTo("Buy & save");
    assertThat(d.traits()).contains("html:script");
    assertThat(d.urls()).containsExactly("http://example.com/");
    assertThat(d.partTypes()).containsExactly("text/plain", "text/html");
  }

  @Test
  void survivesBrokenStructureWithoutThrowing() {
    Document d =
        parse(
            "Content-Type: multipart/mixed; boundary=zz\n\n--zz\nContent-Type: text/html\n\n<b>open"
                + " <script>never closed");
    assertThat(d.htmlTexts()).hasSize(1);
    assertThat(d.htmlTexts().get(0)).contains("open").doesNotContain("never");
    assertThat(parse("").headers()).isEmpty();
    assertThat(parse("no header separator at all").subject()).isEmpty();
    assertThat(parse("Subject: x\n\nline\rwith bare CR\n").traits()).contains("defect:BARE_CR");
  }

  @Test
  void boundsNestingDepth() {
    StringBuilder raw = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      raw.append("Content-Type: multipart/mixed; boundary=b")
          .append(i)
          .append("\n\n--b")
          .append(i)
          .append('\n');
    }
    raw.append("\ndeep\n");
    Document d = parse(raw.toString());
    assertThat(d.partTypes().size()).isLessThanOrEqualTo(64);
  }

  private static final Pattern BARE_URL =
      Pattern.compile("(?i)\\b(?:https?://|www\\.)[^\\s<>\"']+");

  private static final String[] PIECES = {
    "http://",
    "https://",
    "HTTP://",
    "www.",
    "WwW.",
    "x",
    "_",
    "a",
    " ",
    "\t",
    "<",
    ">",
    "\"",
    "'",
    "/",
    ".",
    "\u00e9",
    "\u212a",
    "\u0131",
    "h",
    "w",
    "ttp",
    "://",
    "\u000b",
    "\u00a0",
    "7"
  };

  @Test
  void bareUrlScanMatchesTheRegex() {
    long seed = System.nanoTime();
    SplittableRandom random = new SplittableRandom(seed);
    for (int round = 0; round < 5000; round++) {
      StringBuilder b = new StringBuilder();
      int n = random.nextInt(12);
      for (int i = 0; i < n; i++) {
        b.append(PIECES[random.nextInt(PIECES.length)]);
      }
      String text = b.toString();
      List<String> expected = new ArrayList<>();
      Matcher m = BARE_URL.matcher(text);
      while (m.find()) {
        expected.add(m.group());
      }
      List<String> actual = new ArrayList<>();
      MessageText.bareUrls(text, actual);
      assertThat(actual).as("seed %d, text [%s]", seed, text).isEqualTo(expected);
    }
  }
}
