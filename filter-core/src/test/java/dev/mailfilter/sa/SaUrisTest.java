package dev.mailfilter.sa;

import static dev.mailfilter.sa.SaFixtures.hits;
import static dev.mailfilter.sa.SaFixtures.message;
import static dev.mailfilter.sa.SaFixtures.rules;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The URI list of {@code uri} rules, against what SpamAssassin 4.0.1 gives for the same input
 * ({@code Util::uri_list_canonicalize}, {@code PerMsgStatus::get_uri_list}; the expected values
 * were printed by the Perl functions). Found by the differential test: {@code __URI_MAILTO} missed
 * 215 of 357 messages, {@code NORMAL_HTTP_TO_IP} the hosts behind a user part.
 */
class SaUrisTest {
  @TempDir Path dir;

  @Test
  void canonicalFormsAreThoseOfSpamAssassin() {
    assertThat(SaUris.canonicalize("http://1011@4.47.96.141/msga.html"))
        .containsExactlyInAnyOrder(
            "http://1011@4.47.96.141/msga.html", "http://4.47.96.141/msga.html");
    assertThat(SaUris.canonicalize("mailto:a@example.com?subject=hi"))
        .containsExactlyInAnyOrder("mailto:a@example.com?subject=hi", "mailto:a@example.com");
    assertThat(SaUris.canonicalize("http://%31%30@%34%2E%34%37%2E%39%36%2E%31%34%31/m"))
        .containsExactlyInAnyOrder(
            "http://%31%30@%34%2E%34%37%2E%39%36%2E%31%34%31/m",
            "http://10@4.47.96.141/m", "http://4.47.96.141/m");
    assertThat(SaUris.canonicalize("http://3627732462/a"))
        .containsExactlyInAnyOrder("http://3627732462/a", "http://216.58.205.238/a");
    assertThat(SaUris.canonicalize("http://0x7f.1.017.1/"))
        .containsExactlyInAnyOrder("http://0x7f.1.017.1/", "http://127.1.15.1/");
    assertThat(SaUris.canonicalize("http://example/"))
        .containsExactlyInAnyOrder("http://example/", "http://www.example.com/");
    assertThat(SaUris.canonicalize("http://www.google.com/url?q=http://evil.example.org/x&y"))
        .containsExactlyInAnyOrder(
            "http://www.google.com/url?q=http://evil.example.org/x&y", "http://evil.example.org/x");
    assertThat(SaUris.canonicalize("HTTP://Example.COM:80/a"))
        .containsExactly("HTTP://Example.COM:80/a");
  }

  @Test
  void addressesInTheTextAreMailtoUrisAndBareNamesHttpOnes() {
    SaMessage m =
        message(
            "From: a@example.com\nSubject: s\n\n"
                + "Write to Exmh-workers@redhat.com or see www.example.org/page, or fuchsia.cs.mu.OZ.AU.\n"
                + "Not a name: file.xyzzy, nor mail: x@localhost.\n");
    assertThat(m.uris())
        .contains(
            "mailto:Exmh-workers@redhat.com",
            "http://www.example.org/page",
            "http://fuchsia.cs.mu.OZ.AU")
        .noneMatch(u -> u.contains("xyzzy") || u.contains("localhost"));
  }

  @Test
  void uriRulesSeeTheVariants() {
    RuleSet r =
        rules(
            dir,
            """
            uri URI_MAILTO /^mailto:/i
            uri NORMAL_HTTP_TO_IP m{^https?://\\d+\\.\\d+\\.\\d+\\.\\d+\\b}i
            """);
    assertThat(
            hits(
                    r,
                    "Subject: s\nContent-Type: text/html\n\n"
                        + "<a href=\"http://1011@4.47.96.141/m\">x</a> mail me: me@example.com\n")
                .keySet())
        .containsExactlyInAnyOrder("URI_MAILTO", "NORMAL_HTTP_TO_IP");
    assertThat(SaUris.of(List.of("nothing here\n"), List.of())).isEmpty();
    // hard_ham/00190: no variant of this has a valid domain, so SpamAssassin lists none of them.
    assertThat(
            SaUris.of(List.of("0. http://%7Bsburke%7D%20%7Bat%7D%20%7Bcpan.org%7D\n"), List.of()))
        .isEmpty();
  }
}
