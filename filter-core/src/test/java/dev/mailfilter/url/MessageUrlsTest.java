package dev.mailfilter.url;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.mime.MessageParser;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MessageUrlsTest {
  private static MessageUrls extract(String headers, String body) {
    String m = "From: a@example.org\r\nSubject: s\r\n" + headers + "\r\n" + body;
    return MessageUrls.extract(MessageParser.create().parse(m.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void findsTextUrlsWithoutTrailingPunctuation() {
    MessageUrls u =
        extract("", "See http://www.Example.co.uk/a?b=1. Or (www.other.example.com/x), ok\r\n");
    assertThat(u.hosts()).containsExactly("www.example.co.uk", "www.other.example.com");
    assertThat(u.domains()).containsExactly("example.co.uk", "example.com");
    assertThat(u.urls().get(0).url()).isEqualTo("http://www.Example.co.uk/a?b=1");
  }

  @Test
  void findsHtmlLinksWithAnchorTextAndDecodedTransferEncoding() {
    MessageUrls u =
        extract(
            "Content-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n",
            "<a href=3D\"https://login.evil.example/p\">www.bank.example.com</a>\r\n");
    assertThat(u.urls())
        .anySatisfy(
            x -> {
              assertThat(x.source()).isEqualTo(Url.Source.HTML_LINK);
              assertThat(x.host()).isEqualTo("login.evil.example");
              assertThat(x.anchorText()).isEqualTo("www.bank.example.com");
            });
  }

  @Test
  void userInfoDecoyPortAndPercentEncodingDoNotHideTheHost() {
    assertThat(parse("http://www.paypal.com@evil.example:8080/x").host()).isEqualTo("evil.example");
    assertThat(parse("http://%65vil.example/").host()).isEqualTo("evil.example");
    assertThat(parse("http://[2001:db8::1]/").host()).isEqualTo("2001:db8::1");
    assertThat(parse("http://[2001:db8::1]/").isIpLiteral()).isTrue();
  }

  @Test
  void ipv4InEveryNotationBrowsersAccept() {
    for (String h :
        new String[] {
          "3232235777", "0xC0A80101", "0300.0250.01.01", "192.168.257", "0xc0.0xa8.1.1"
        }) {
      Url u = parse("http://" + h + "/");
      assertThat(u.host()).as(h).isEqualTo("192.168.1.1");
      assertThat(u.obfuscatedAddress()).as(h).isTrue();
    }
    assertThat(parse("http://192.168.1.1/").obfuscatedAddress()).isFalse();
    assertThat(parse("http://1.2.3.4.5/").isIpLiteral()).isFalse();
    assertThat(parse("http://256.1.1.1/").isIpLiteral()).isFalse();
    assertThat(parse("http://4294967296/").isIpLiteral()).isFalse();
  }

  @Test
  void registrableDomainFollowsThePublicSuffixList() {
    assertThat(MessageUrls.registrableDomain("a.b.example.co.uk")).isEqualTo("example.co.uk");
    assertThat(MessageUrls.registrableDomain("user.github.io")).isEqualTo("user.github.io");
    assertThat(MessageUrls.registrableDomain("localhost")).isEqualTo("localhost");
  }

  @Test
  void boundedOnHugeInputAndNeverThrows() {
    long seed = new SplittableRandom().nextLong();
    SplittableRandom r = new SplittableRandom(seed);
    StringBuilder b = new StringBuilder();
    String alphabet = "http://www.[]@%:/.0x9aZ<>\"' \r\n";
    for (int i = 0; i < 200_000; i++) {
      b.append(alphabet.charAt(r.nextInt(alphabet.length())));
    }
    for (int i = 0; i < 3000; i++) {
      b.append(" http://h").append(i).append(".example/");
    }
    MessageUrls u = extract("", b.toString());
    assertThat(u.urls()).as("seed %s", seed).hasSizeLessThanOrEqualTo(MessageUrls.MAX_URLS);
    assertThat(u.capped()).as("seed %s", seed).isTrue();
  }

  private static Url parse(String s) {
    return MessageUrls.parse(s, Url.Source.TEXT, "").orElseThrow();
  }
}
