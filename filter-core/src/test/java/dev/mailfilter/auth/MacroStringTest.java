package dev.mailfilter.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Macro expansion: the examples of RFC 7208 section 7.4, and the syntax errors of section 7.1. */
class MacroStringTest {
  private static MacroString.Values values(InetAddress ip) {
    return letter ->
        switch (letter) {
          case 's' -> "strong-bad@email.example.com";
          case 'l' -> "strong-bad";
          case 'o', 'd' -> "email.example.com";
          case 'i' -> SpfVerifier.macroAddress(ip);
          case 'v' -> ip.getAddress().length == 4 ? "in-addr" : "ip6";
          case 'h' -> "mx.example.org";
          default -> throw new AssertionError("letter " + letter);
        };
  }

  private static String expand(String macro, String ip) throws SpfException {
    return MacroString.parse(macro, false).expand(values(InetAddresses.forString(ip)));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "%{s}|strong-bad@email.example.com",
        "%{o}|email.example.com",
        "%{d}|email.example.com",
        "%{d4}|email.example.com",
        "%{d3}|email.example.com",
        "%{d2}|example.com",
        "%{d1}|com",
        "%{dr}|com.example.email",
        "%{d2r}|example.email",
        "%{l}|strong-bad",
        "%{l-}|strong.bad",
        "%{lr}|strong-bad",
        "%{lr-}|bad.strong",
        "%{l1r-}|strong",
        "%{ir}.%{v}._spf.%{d2}|3.2.0.192.in-addr._spf.example.com",
        "%{lr-}.lp._spf.%{d2}|bad.strong.lp._spf.example.com",
        "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}|bad.strong.lp.3.2.0.192.in-addr._spf.example.com",
        "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}|3.2.0.192.in-addr.strong.lp._spf.example.com",
        "%{d2}.trusted-domains.example.net|example.com.trusted-domains.example.net"
      })
  void expandsTheRfcExamplesForIpv4(String macro, String expected) throws SpfException {
    assertThat(expand(macro, "192.0.2.3")).isEqualTo(expected);
  }

  @Test
  void expandsTheRfcExampleForIpv6() throws SpfException {
    assertThat(expand("%{ir}.%{v}._spf.%{d2}", "2001:db8::cb01"))
        .isEqualTo(
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
  }

  @Test
  void upperCaseLettersAreUrlEscapedAndTheEscapesExpand() throws SpfException {
    assertThat(expand("%{S}", "192.0.2.3")).isEqualTo("strong-bad%40email.example.com");
    assertThat(expand("a%%b%_c%-d", "192.0.2.3")).isEqualTo("a%b c%20d");
  }

  @Test
  void aHugeDigitCountKeepsEveryPartInsteadOfOverflowing() throws SpfException {
    assertThat(expand("%{d99999999999999999999}", "192.0.2.3")).isEqualTo("email.example.com");
  }

  @Test
  void explanationOnlyLettersAndSpacesAreAllowedInExplanations() throws SpfException {
    assertThat(MacroString.parse("see %{c} at %{r} %{t}", true).parts()).hasSize(6);
    assertThatThrownBy(() -> MacroString.parse("%{c}.example.com", false))
        .isInstanceOf(SpfException.class)
        .hasMessageContaining("only allowed in explanations");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "%{d0}",
        "%{x}",
        "%{}",
        "%{d",
        "%a",
        "trailing%",
        "%{d2q}",
        "tab\there",
        "caf\u00e9"
      })
  void malformedMacroStringsArePermErrors(String bad) {
    assertThatThrownBy(() -> MacroString.parse(bad, false))
        .isInstanceOfSatisfying(
            SpfException.class, e -> assertThat(e.code()).isEqualTo(SpfResult.Code.PERMERROR));
  }

  @ParameterizedTest
  @ValueSource(strings = {"example.com", "example.com.", "%{d}", "x.%{d}.xn--p1ai", "a.b-c"})
  void domainSpecsEndInATopLabelOrAMacro(String good) throws SpfException {
    assertThat(MacroString.domainSpec(good).text()).isEqualTo(good);
  }

  @ParameterizedTest
  @ValueSource(strings = {"museum", "museum.", "example.123", "example.-com", "%{d}com", ""})
  void otherDomainSpecsArePermErrors(String bad) {
    assertThatThrownBy(() -> MacroString.domainSpec(bad)).isInstanceOf(SpfException.class);
  }
}
