package dev.mailfilter.learn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class FeaturesTest {
  private static Document body(String text) {
    return new Document(
        "", "", List.of(), List.of(text), List.of(), List.of(), List.of(), List.of());
  }

  private static Set<Long> set(long[] features) {
    return Arrays.stream(features).boxed().collect(Collectors.toSet());
  }

  @Test
  void bodyWordsAddOrthogonalSparseBigramsWithinTheWindow() {
    long zone = Features.seed("body");
    Set<Long> f = set(Features.of(body("w0 w1 w2 w3 w4 w5")));
    long[] h = new long[6];
    for (int i = 0; i < 6; i++) {
      h[i] = Features.hash(zone, "w" + i);
      assertThat(f).contains(h[i]);
    }
    // Every pair at distance 1..4 is a feature; distance 5 is outside the window.
    for (int i = 0; i < 6; i++) {
      for (int d = 1; d < Features.OSB_WINDOW && i - d >= 0; d++) {
        assertThat(f).contains(Features.pair(h[i - d], h[i], d));
      }
    }
    assertThat(f).doesNotContain(Features.pair(h[0], h[5], 5));
    // The distance is part of the feature: "w0 _ w2" differs from "w0 w2".
    assertThat(Features.pair(h[0], h[2], 2)).isNotEqualTo(Features.pair(h[0], h[2], 1));
  }

  @Test
  void sameWordInDifferentZonesGivesDifferentFeatures() {
    Document inSubject =
        new Document(
            "viagra", "", List.of(), List.of(), List.of(), List.of(), List.of(), List.of());
    Set<Long> subject = set(Features.of(inSubject));
    Set<Long> inBody = set(Features.of(body("viagra")));
    assertThat(subject).contains(Features.hash(Features.seed("subject"), "viagra"));
    assertThat(inBody).contains(Features.hash(Features.seed("body"), "viagra"));
    assertThat(subject).doesNotContain(Features.hash(Features.seed("body"), "viagra"));
  }

  @Test
  void urlsContributeHostAndRegisteredDomain() {
    Document d =
        new Document(
            "",
            "",
            List.of(),
            List.of(),
            List.of(),
            List.of("http://user@Mail.Example.CO.UK:8080/x?y", "https://192.0.2.7/login"),
            List.of(),
            List.of());
    Set<Long> f = set(Features.of(d));
    long url = Features.seed("url");
    assertThat(f)
        .contains(
            Features.hash(url, "mail.example.co.uk"),
            Features.hash(url, "domain:example.co.uk"),
            Features.hash(url, "192.0.2.7"),
            Features.hash(url, "ip-literal"));
  }

  @Test
  void hostParsing() {
    assertThat(Features.host("www.Example.com/path")).isEqualTo("www.example.com");
    assertThat(Features.host("mailto:someone@example.com")).isEmpty();
    assertThat(Features.host("https://example.com.")).isEqualTo("example.com");
    assertThat(Features.registeredDomain("a.b.example.com")).isEqualTo("example.com");
    assertThat(Features.registeredDomain("example.com")).isEqualTo("example.com");
  }

  @Test
  void datesAreNotTokenizedButRelayPathsAndHeaderNamesAre() {
    Document d =
        new Document(
            "",
            "",
            List.of(
                new Document.Header(
                    "Received", "from relay42 by mx; Tue, 1 Oct 2002 10:00:00 +0000"),
                new Document.Header("Date", "Tue, 1 Oct 2002 10:00:00 +0000"),
                new Document.Header("X-Mailer", "Outlook Express")),
            List.of(),
            List.of(),
            List.of(),
            List.of(),
            List.of());
    Set<Long> f = set(Features.of(d));
    assertThat(f).contains(Features.hash(Features.seed("header-name"), "received"));
    assertThat(f).contains(Features.hash(Features.seed("header:received"), "relay42"));
    assertThat(f).doesNotContain(Features.hash(Features.seed("header:received"), "2002"));
    assertThat(f).doesNotContain(Features.hash(Features.seed("header:date"), "2002"));
    assertThat(f).contains(Features.hash(Features.seed("header:x-mailer"), "outlook"));
  }

  @Test
  void structuralTraitsAreFeatures() {
    Document d =
        new Document(
            "",
            "",
            List.of(),
            List.of(),
            List.of(),
            List.of(),
            List.of("text/html"),
            List.of("html:hidden-text", "defect:BARE_LF"));
    Set<Long> f = set(Features.of(d));
    long structure = Features.seed("structure");
    assertThat(f)
        .contains(
            Features.hash(structure, "html:hidden-text"),
            Features.hash(structure, "defect:BARE_LF"),
            Features.hash(structure, "part:text/html"));
  }

  @Test
  void featuresAreDeterministic() {
    Document d = body("the same text gives the same features");
    assertThat(Features.of(d)).isEqualTo(Features.of(d));
  }

  @Test
  void logBuckets() {
    assertThat(Features.bucket(0)).isZero();
    assertThat(Features.bucket(1)).isEqualTo(1);
    assertThat(Features.bucket(3)).isEqualTo(2);
    assertThat(Features.bucket(4)).isEqualTo(3);
  }
}
