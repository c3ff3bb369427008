package dev.mailfilter.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.smtp.Path.Form;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Paths through RCPT TO, where every form is allowed (in an SMTPUTF8 transaction). */
class PathTest {
  private static Path rcpt(String path) {
    Command c = Command.parse("RCPT TO:" + path, Capabilities.all(0), true);
    assertThat(c).as(path).isInstanceOf(Command.Rcpt.class);
    return ((Command.Rcpt) c).to();
  }

  private static String refusal(String path) {
    Command c = Command.parse("RCPT TO:" + path, Capabilities.all(0), true);
    assertThat(c).as(path).isInstanceOf(Command.Invalid.class);
    return ((Command.Invalid) c).reply().toWire().strip();
  }

  @Test
  void plainAddressHasNoForms() {
    Path p = rcpt("<user.name+tag@Mail.Example.COM>");
    assertThat(p.localPart()).isEqualTo("user.name+tag");
    assertThat(p.domain()).isEqualTo("Mail.Example.COM");
    assertThat(p.normalizedDomain()).isEqualTo("mail.example.com");
    assertThat(p.forms()).isEmpty();
    assertThat(p.sourceRoute()).isEmpty();
    assertThat(p).hasToString("<user.name+tag@Mail.Example.COM>");
  }

  @Test
  void sourceRouteIsAcceptedAndIgnored() {
    Path p = rcpt("<@relay.example,@other.example:bob@Example.com>");
    assertThat(p.sourceRoute()).containsExactly("relay.example", "other.example");
    assertThat(p.mailbox()).isEqualTo("bob@Example.com");
    assertThat(p.forms()).containsExactly(Form.SOURCE_ROUTE);
    assertThat(p).hasToString("<bob@Example.com>");
  }

  @Test
  void routingFormsAreMarkedForTheRelayControl() {
    assertThat(rcpt("<user%other.example@ours.example>").forms())
        .containsExactly(Form.PERCENT_HACK);
    assertThat(rcpt("<other.example!user@ours.example>").forms()).containsExactly(Form.BANG_PATH);
    Path quoted = rcpt("<\"user@other.example\"@ours.example>");
    assertThat(quoted.forms())
        .containsExactlyInAnyOrder(Form.QUOTED_LOCAL_PART, Form.AT_IN_LOCAL_PART);
    assertThat(quoted.localPart()).isEqualTo("\"user@other.example\"");
    Path dot = rcpt("<user@ours.example.>");
    assertThat(dot.forms()).containsExactly(Form.TRAILING_DOT);
    assertThat(dot.domain()).isEqualTo("ours.example.");
    assertThat(dot.normalizedDomain()).isEqualTo("ours.example");
    assertThat(rcpt("<\"a\\\"b c\"@ours.example>").forms()).containsExactly(Form.QUOTED_LOCAL_PART);
    assertThat(rcpt("<\"a\\%b\"@ours.example>").forms())
        .containsExactlyInAnyOrder(Form.QUOTED_LOCAL_PART, Form.PERCENT_HACK);
  }

  @Test
  void addressLiteralsAreCanonicalised() {
    Path v4 = rcpt("<postmaster@[192.000.2.1]>");
    assertThat(v4.forms()).containsExactly(Form.ADDRESS_LITERAL);
    assertThat(v4.domain()).isEqualTo("[192.000.2.1]");
    assertThat(v4.normalizedDomain()).isEqualTo("[192.0.2.1]");
    Path v6 = rcpt("<u@[ipv6:2001:DB8:0:0:0:0:0:1]>");
    assertThat(v6.normalizedDomain()).isEqualTo("[IPv6:2001:db8::1]");
    assertThat(rcpt("<u@[IPv6:::ffff:192.0.2.1]>").normalizedDomain())
        .isEqualTo("[IPv6:192.0.2.1]");
  }

  @Test
  void internationalisedAddressesAreNormalisedToALabels() {
    Path p = rcpt("<Jörg@Bücher.Example>");
    assertThat(p.forms()).containsExactly(Form.UTF8);
    assertThat(p.domain()).isEqualTo("Bücher.Example");
    assertThat(p.normalizedDomain()).isEqualTo("xn--bcher-kva.example");
    assertThat(rcpt("<\"名 前\"@example.com>").forms())
        .containsExactlyInAnyOrder(Form.UTF8, Form.QUOTED_LOCAL_PART);
    // An A-label sent as such is kept, only lower-cased.
    assertThat(rcpt("<a@XN--BCHER-KVA.example>").normalizedDomain())
        .isEqualTo("xn--bcher-kva.example");
  }

  @Test
  void longestLegalPartsPass() {
    String local = "l".repeat(64);
    String label = "d".repeat(63);
    String domain = label + "." + label + "." + label + "." + "d".repeat(57);
    assertThat(domain).hasSize(249);
    assertThat(rcpt("<" + local + "@" + label + ".example>").localPart()).hasSize(64);
    assertThat(refusal("<" + local + "@" + domain + ">"))
        .isEqualTo("501 5.1.3 Bad recipient address syntax: the path is longer than 256 octets");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "<a@b.example|unexpected character after the domain",
        "a@b.example>|the address must be in angle brackets, as <user@example.com>",
        "<.a@b.example>|empty atom in the local part (leading or double dot)",
        "<a.@b.example>|empty local part or trailing dot in it",
        "<@b.example>|malformed source route",
        "<@a.example@b.example>|malformed source route",
        "<@a.example,b.example:u@c.example>|malformed source route",
        "<a(b)@b.example>|unexpected character in the local part",
        "<(a)@b.example>|character not allowed in the local part",
        "<\"a@b.example>|unterminated quoted local part",
        "<a@b..example>|unexpected character after the domain",
        "<a@b.example..>|unexpected character after the domain",
        "<a@.b.example>|malformed domain",
        "<a@b-.example>|malformed domain",
        "<a@b_c.example>|unexpected character after the domain",
        "<a@>|malformed domain",
        "<a@[1.2.3]>|malformed address literal",
        "<a@[1.2.3.256]>|malformed address literal",
        "<a@[1.2.3.4>|unterminated address literal",
        "<a@[IPv6:1.2.3.4]>|malformed address literal",
        "<a@[IPv6:fe80::1%eth0]>|malformed address literal",
        "<a@[x-tag:whatever]>|malformed address literal",
        "<a@[1.2.3.4]x>|unexpected character after the domain",
      })
  void malformedPathsSayWhy(String path, String why) {
    assertThat(refusal(path)).isEqualTo("501 5.1.3 Bad recipient address syntax: " + why);
  }

  @Test
  void junkAfterThePathIsAParameterErrorNotAPathError() {
    assertThat(refusal("<a@b.example> x>")).isEqualTo("501 5.5.4 Bad parameter: malformed keyword");
  }

  @Test
  void tooLongLocalPartAndLabelAreRefused() {
    assertThat(refusal("<" + "l".repeat(65) + "@b.example>"))
        .endsWith("the local part is longer than 64 octets");
    // 64 octets of UTF-8 are fewer characters.
    assertThat(refusal("<" + "ö".repeat(33) + "@b.example>"))
        .endsWith("the local part is longer than 64 octets");
    assertThat(refusal("<a@" + "d".repeat(64) + ".example>")).endsWith("malformed domain");
  }

  @Test
  void theNullPathIsItsOwnValue() {
    assertThat(Path.NULL.isNull()).isTrue();
    assertThat(Path.NULL.isPostmaster()).isFalse();
    assertThat(Path.NULL.mailbox()).isEmpty();
    assertThat(Path.NULL).hasToString("<>");
    assertThat(Path.NULL.forms()).isEqualTo(Set.of());
  }
}
