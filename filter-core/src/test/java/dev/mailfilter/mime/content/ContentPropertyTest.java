package dev.mailfilter.mime.content;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Seeded generators; a failure names its seed so it can be replayed. */
class ContentPropertyTest {

  private static final String[] FRAGMENTS = {
    "<b>",
    "</b>",
    "<div style=\"display:none\">",
    "</div>",
    "<p>",
    "<br/>",
    "<a href='x'>",
    "</a>",
    "<span style=\"color:#fff\">",
    "</span>",
    "<!-- c -->",
    "<!--",
    "-->",
    "<script>",
    "</script>",
    "<style>",
    "</style>",
    "<img src=x>",
    "<td>",
    "<table>",
    "<font color=white>",
    "<a href=\"",
    "\"",
    "'",
    "=",
    "&amp;",
    "&nbsp;",
    "&#x41;",
    "&#8203;",
    "&copy",
    "&",
    ">",
    "word",
    " ",
    "\n",
    "text",
    "é",
    "\u202E",
    "<![CDATA[",
    "]]>",
    "<!doctype html>",
    "<?",
    "<pre>",
    "</pre>",
    "<title>",
    "</title>",
    "<li>",
    "<h1 class=a>",
    "<x y z>",
    "<a",
    "<b\n"
  };

  /** Random HTML-ish text in which every '<' starts a tag, comment or declaration. */
  static String html(SplittableRandom r, int pieces) {
    StringBuilder sb = new StringBuilder();
    for (int k = 0; k < pieces; k++) {
      sb.append(FRAGMENTS[r.nextInt(FRAGMENTS.length)]);
    }
    return sb.toString();
  }

  @Test
  void textNeverContainsMarkupFromTagsAndStaysWithinTheInputSize() {
    for (int seed = 0; seed < 3_000; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      String html = html(r, r.nextInt(1, 60));
      HtmlScan scan = HtmlText.scan(html);
      assertThat(scan.text()).as("seed %d: %s", seed, html).doesNotContain("<");
      assertThat(scan.text().length()).as("seed %d", seed).isLessThanOrEqualTo(html.length());
      assertThat(scan.hiddenText()).as("seed %d", seed).doesNotContain("<");
      assertThat(scan.text()).as("seed %d", seed).doesNotStartWith(" ").doesNotEndWith(" ");
      assertThat(scan.text()).as("seed %d", seed).doesNotContain("\n\n\n", "\u200B");
      if (!html.contains("<pre>")) {
        assertThat(scan.text()).as("seed %d", seed).doesNotContain("  ");
      }
    }
  }

  @Test
  void scanningIsStableUnderRandomSlicesOfMarkup() {
    for (int seed = 0; seed < 500; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      String html = html(r, 40);
      int from = r.nextInt(html.length() + 1);
      int to = from + r.nextInt(html.length() - from + 1);
      // Any substring of markup, cut mid-tag or mid-reference, is still accepted.
      HtmlScan scan = HtmlText.scan(html.substring(from, to));
      assertThat(scan.text().length()).as("seed %d", seed).isLessThanOrEqualTo(to - from);
    }
  }

  @Test
  void randomBytesNeverBreakTheBinaryReaders() {
    for (int seed = 0; seed < 2_000; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      byte[] b = new byte[r.nextInt(0, 2_000)];
      r.nextBytes(b);
      // Start half of them with a real signature so the format readers go deep.
      String[] magic = {
        "PK\u0003\u0004",
        "Rar!\u001A\u0007\u0000",
        "Rar!\u001A\u0007\u0001\u0000",
        "7z\u00BC\u00AF\u0027\u001C",
        "\u00D0\u00CF\u0011\u00E0\u00A1\u00B1\u001A\u00E1",
        "{\\rtf",
        "MZ"
      };
      if (seed % 2 == 0) {
        byte[] m =
            magic[r.nextInt(magic.length)].getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        System.arraycopy(m, 0, b, 0, Math.min(m.length, b.length));
      }
      assertThat(TypeSniffer.sniff(b, 0, b.length)).as("seed %d", seed).contains("/");
      ArchiveListing listing = Archives.list(b, 0, b.length, ArchiveLimits.DEFAULT);
      assertThat(listing.entries().size()).as("seed %d", seed).isLessThanOrEqualTo(10_000);
      OfficeMacros.detect(b, 0, b.length);
    }
  }

  @Test
  void corruptedZipsNeverBreakTheListing() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(out)) {
      for (int k = 0; k < 5; k++) {
        z.putNextEntry(new ZipEntry("dir/file" + k + ".txt"));
        z.write(("content " + k).repeat(50).getBytes(UTF_8));
        z.closeEntry();
      }
    }
    byte[] good = out.toByteArray();
    for (int seed = 0; seed < 3_000; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      byte[] b = good.clone();
      for (int k = r.nextInt(1, 8); k > 0; k--) {
        b[r.nextInt(b.length)] = (byte) r.nextInt(256);
      }
      int len = r.nextInt(4) == 0 ? r.nextInt(b.length + 1) : b.length;
      ArchiveListing listing = Archives.list(b, 0, len, ArchiveLimits.DEFAULT);
      assertThat(listing.inflatedBytes()).as("seed %d", seed).isLessThanOrEqualTo(32L << 20);
      OfficeMacros.detect(b, 0, len);
      TypeSniffer.sniff(b, 0, len);
    }
  }

  @Test
  void corruptedOle2FilesNeverBreakTheDirectoryWalk() {
    byte[] good = Ole2Files.compound("WordDocument", "Macros", "1Table");
    for (int seed = 0; seed < 3_000; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      byte[] b = good.clone();
      for (int k = r.nextInt(1, 6); k > 0; k--) {
        b[r.nextInt(b.length)] = (byte) r.nextInt(256);
      }
      OfficeMacros.Result result = OfficeMacros.detect(b, 0, b.length);
      assertThat(result.evidence().size()).as("seed %d", seed).isLessThanOrEqualTo(20);
      TypeSniffer.sniff(b, 0, b.length);
    }
  }

  /** Only a guard against hangs and quadratic blow-ups; speed itself is measured in JMH. */
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void pathologicalHtmlFinishes() {
    int n = 400_000;
    String[] attacks = {
      "<!--".repeat(n / 4),
      "<a ".repeat(n / 3),
      "<div>".repeat(n / 5),
      "</zz>".repeat(n / 5),
      "<script>" + "</scrip".repeat(n / 7),
      "<!-- -- - ".repeat(n / 10) + "-->",
      "&".repeat(n),
      "&" + "a".repeat(n),
      "&#" + "9".repeat(n),
      "<p style=\"" + "color:red;".repeat(n / 10) + "\">x",
      "<x " + "a=b ".repeat(n / 4) + ">",
      "<".repeat(n),
      "<div>".repeat(300) + "</b>".repeat(n / 4),
    };
    for (String attack : attacks) {
      HtmlScan scan = HtmlText.scan(attack);
      assertThat(scan.text().length()).isLessThanOrEqualTo(attack.length());
    }
  }
}
