package dev.mailfilter.url;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.message.MessageBodies;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The hand-written scanner against the regex it replaced ({@link ReferenceUrls#TEXT_URL}). */
class TextUrlScannerTest {
  private static final long BASE_SEED = Long.getLong("mailfilter.seed", 20261126L);

  /**
   * The random text is made of these: the prefixes whole (so that matches are common), their
   * letters in both cases, the URL stop characters, word characters, non-ASCII letters (among them
   * the long s that Unicode folds to s), non-spacing marks with and without a base (one
   * supplementary), lone surrogates and non-ASCII spaces the regex's ASCII {@code \s} lets through.
   */
  private static final String[] TOKENS = {
    "http://",
    "https://",
    "ftp://",
    "www.",
    "HTTP://",
    "hTtPs://",
    "FTP://",
    "WwW.",
    "http:/",
    "https:",
    "ftp:",
    "ww.",
    "h",
    "H",
    "t",
    "T",
    "p",
    "P",
    "s",
    "S",
    "f",
    "F",
    "w",
    "W",
    ".",
    ":",
    "/",
    " ",
    "\t",
    "\n",
    "\r",
    "\f",
    "\u000B",
    "<",
    ">",
    "\"",
    "'",
    "{",
    "}",
    "|",
    "\\",
    "^",
    "`",
    "a",
    "Z",
    "x",
    "0",
    "9",
    "_",
    "-",
    "(",
    ")",
    ",",
    "!",
    "?",
    "é",
    "ß",
    "ж",
    "ſ",
    "K",
    "İ",
    "ı",
    "\u0301",
    "\u0301\u0301",
    "\uD834\uDD67",
    "\uD800",
    "\uDC00",
    "\u00A0",
    "\u2028",
    "\u3000",
    "٣",
  };

  private static List<String> scan(String text) {
    List<String> out = new ArrayList<>();
    TextUrlScanner s = new TextUrlScanner(text);
    while (s.find()) {
      assertThat(s.group()).isEqualTo(text.substring(s.start(), s.end()));
      out.add(s.group());
    }
    assertThat(s.find()).as("stays exhausted").isFalse();
    return out;
  }

  @Test
  void findsSchemeAndWwwUrlsUpToTheFirstStopCharacter() {
    assertThat(scan("See http://a.example/x?y=1. and WWW.b.example, ftp://c<d> HTTPS://e\"f"))
        .containsExactly("http://a.example/x?y=1.", "WWW.b.example,", "ftp://c", "HTTPS://e");
    assertThat(scan("http://a\thttp://b\u000Bwww.c"))
        .containsExactly("http://a", "http://b", "www.c");
  }

  @Test
  void needsAWordBoundaryBeforeThePrefix() {
    assertThat(scan("xhttp://a _www.b 9ftp://c")).isEmpty();
    assertThat(scan("(http://a) -www.b é.ftp://c"))
        .containsExactly("http://a)", "www.b", "ftp://c");
    // ASCII word characters only: a non-ASCII letter before the prefix is a boundary.
    assertThat(scan("éhttp://a жwww.b")).containsExactly("http://a", "www.b");
  }

  @Test
  void aNonSpacingMarkWithABaseLetterIsPartOfTheWordBeforeThePrefix() {
    assertThat(scan("e\u0301http://a")).isEmpty();
    assertThat(scan("e\u0301\u0301www.a")).isEmpty();
    assertThat(scan("\u0301http://a")).containsExactly("http://a");
    assertThat(scan(" \u0301http://a")).containsExactly("http://a");
    // A supplementary mark never finds its base (the JDK walks back char by char).
    assertThat(scan("e\uD834\uDD67http://a")).containsExactly("http://a");
  }

  @Test
  void aPrefixWithNothingAfterItIsNoMatchAndTheSearchGoesOn() {
    assertThat(scan("http://")).isEmpty();
    assertThat(scan("http:// www.")).isEmpty();
    assertThat(scan("http://<www.a")).containsExactly("www.a");
    assertThat(scan("https://\"http://a")).containsExactly("http://a");
    assertThat(scan("wwww.a www.www.b")).containsExactly("www.www.b");
  }

  @Test
  void foldsAsciiCaseOnly() {
    assertThat(scan("httpſ://a HTTPſ://b")).isEmpty();
    assertThat(scan("hTTpS://a")).containsExactly("hTTpS://a");
  }

  @Test
  void agreesWithTheRegexOnRandomText() {
    for (int c = 0; c < 30_000; c++) {
      long seed = BASE_SEED + c;
      SplittableRandom r = new SplittableRandom(seed);
      StringBuilder b = new StringBuilder();
      int tokens = r.nextInt(40);
      for (int i = 0; i < tokens; i++) {
        b.append(TOKENS[r.nextInt(TOKENS.length)]);
      }
      String text = b.toString();
      assertThat(scan(text))
          .as("seed %s (rerun with -Dmailfilter.seed=%s), text %s", seed, seed, escape(text))
          .isEqualTo(ReferenceUrls.textUrls(text));
    }
  }

  @Test
  void agreesWithTheRegexOnEveryBodyOfTheSpamAssassinCorpus() {
    int bodies = 0;
    int urls = 0;
    for (SpamAssassinMessages.Message m : SpamAssassinMessages.all()) {
      for (MessageBodies.Body b : MessageBodies.compute(m.parsed())) {
        List<String> expected = ReferenceUrls.textUrls(b.text());
        assertThat(scan(b.text())).as(m.name()).isEqualTo(expected);
        bodies++;
        urls += expected.size();
      }
    }
    // The comparison means something only if the corpus has plenty of URLs.
    assertThat(bodies).isGreaterThan(3000);
    assertThat(urls).isGreaterThan(10_000);
  }

  private static String escape(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
        b.append(c);
      } else {
        b.append(String.format(java.util.Locale.ROOT, "\\u%04X", (int) c));
      }
    }
    return b.append('"').toString();
  }
}
