package dev.mailfilter.url;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The whole extraction against the regex-based one it replaced ({@link ReferenceUrls}): the same
 * URLs in the same order, the same hosts, domains and cap, on every message of the SpamAssassin
 * corpus.
 */
class MessageUrlsCorpusTest {
  private static final long BASE_SEED = Long.getLong("mailfilter.seed", 20261126L);

  @Test
  void extractsWhatTheReferenceExtractsFromEveryCorpusMessage() {
    int urls = 0;
    for (SpamAssassinMessages.Message m : SpamAssassinMessages.all()) {
      ReferenceUrls.Result expected = ReferenceUrls.extract(m.parsed());
      MessageUrls actual = MessageUrls.extract(m.parsed());
      assertThat(actual.urls()).as(m.name()).isEqualTo(expected.urls());
      assertThat(actual.hosts()).as(m.name()).containsExactlyElementsOf(expected.hosts());
      assertThat(actual.domains()).as(m.name()).containsExactlyElementsOf(expected.domains());
      assertThat(actual.capped()).as(m.name()).isEqualTo(expected.capped());
      urls += expected.urls().size();
    }
    assertThat(urls).isGreaterThan(10_000);
  }

  @Test
  void parsesLinksAsTheReferenceDoes() {
    for (String s :
        List.of(
            "http://a.example/",
            "HTTPS://A.Example:443/x",
            "Ftp://user@b.example",
            "httpſ://c.example/",
            "https:/d.example",
            "www.e.example/x",
            "http://[2001:db8::1]:80/",
            "http://0x7f.1/",
            "http://%65xample.com/",
            "http://\u00E9xample.com/",
            "http://\u00AD/")) {
      assertThat(MessageUrls.parse(s, Url.Source.TEXT, ""))
          .as(s)
          .isEqualTo(ReferenceUrls.parse(s, Url.Source.TEXT, ""));
    }
  }

  @Test
  void cachedRegistrableDomainsStayRightUnderCollisionsAndRepeats() {
    // Strings built from "Aa" and "BB" share their hash codes, so they share cache slots.
    List<String> hosts = new ArrayList<>();
    for (String suffix : List.of(".example.co.uk", ".github.io", ".com", "", ".localhost")) {
      for (String a : List.of("Aa", "BB")) {
        for (String b : List.of("Aa", "BB")) {
          hosts.add(a + b + suffix);
          hosts.add("www." + a + b + suffix);
        }
      }
    }
    hosts.add("x".repeat(300) + ".com");
    hosts.add("not a host");
    long seed = BASE_SEED;
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < 20_000; i++) {
      String h = hosts.get(r.nextInt(hosts.size()));
      assertThat(MessageUrls.registrableDomain(h))
          .as("seed %s (rerun with -Dmailfilter.seed=%s), call %s, host %s", seed, seed, i, h)
          .isEqualTo(ReferenceUrls.registrableDomain(h));
    }
  }
}
