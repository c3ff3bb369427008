package dev.mailfilter.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.FilterConfig;
import dev.mailfilter.config.ConfigException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A domain's {@code verify_recipients} key: a list or a callout, and the errors naming the key. */
class RecipientVerificationConfigTest {
  private static TenantDirectory load(String yaml) {
    return FilterConfig.builder().yaml(yaml).build().tenants();
  }

  @Test
  void aListHoldsLocalPartsAddressesOfTheDomainAndTheDomainsUsers() {
    TenantDirectory d =
        load(
            """
            tenants:
              customers:
                bakery:
                  domains:
                    bakery.example:
                      route: {host: 127.0.0.1}
                      verify_recipients:
                        list: [Bob, "sales@BAKERY.example."]
                      users:
                        boss: {actions: {reject: 30}}
            domains:
              flat.example: {route: {host: 127.0.0.1}}
            """);
    RecipientVerification v = d.verification("bakery.example").orElseThrow();
    assertThat(v).isEqualTo(new RecipientVerification.ValidList(Set.of("bob", "sales", "boss")));
    RecipientVerification.ValidList list = (RecipientVerification.ValidList) v;
    assertThat(list.accepts("BOB")).isTrue();
    assertThat(list.accepts("bob+news")).isTrue();
    assertThat(list.accepts("bobby")).isFalse();
    assertThat(list.accepts("+bob")).isFalse();
    assertThat(d.verification("flat.example")).isEmpty();
    assertThat(d.verification("other.example")).isEmpty();
  }

  @Test
  void aCalloutHasItsCacheTimesWithPostfixDefaults() {
    TenantDirectory d =
        load(
            """
            domains:
              a.example:
                route: {host: 127.0.0.1, port: 2526}
                verify_recipients: {callout: true, positive_ttl: 1h, negative_ttl: 5m}
              b.example:
                route: {host: 127.0.0.1, port: 2526}
                verify_recipients: {callout: true}
            """);
    assertThat(d.verification("a.example"))
        .contains(new RecipientVerification.Callout(Duration.ofHours(1), Duration.ofMinutes(5)));
    assertThat(d.verification("b.example"))
        .contains(new RecipientVerification.Callout(Duration.ofDays(7), Duration.ofHours(3)));
  }

  @Test
  void aCalloutUsesARouteInheritedFromTheCustomer() {
    TenantDirectory d =
        load(
            """
            tenants:
              customers:
                c:
                  route: {host: 127.0.0.1}
                  domains:
                    c.example:
                      verify_recipients: {callout: true}
            """);
    assertThat(d.verification("c.example")).isPresent();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{list: [bob], callout: true}|domains.x.example.verify_recipients|exclude each other",
        "{}|domains.x.example.verify_recipients|list: [...]) or callout: true",
        "{list: []}|domains.x.example.verify_recipients.list|would refuse every recipient",
        "{list: [bob, bob@other.example]}|domains.x.example.verify_recipients.list[1]|"
            + "not an address of x.example",
        "{list: ['a b']}|domains.x.example.verify_recipients.list[0]|not a local part",
        "{list: [bob], negative_ttl: 1h}|domains.x.example.verify_recipients.negative_ttl|"
            + "callout only",
        "{callout: true, positive_ttl: soon}|domains.x.example.verify_recipients.positive_ttl|",
        "{callout: true, negative_ttl: -1h}|domains.x.example.verify_recipients|",
        "{calout: true}|domains.x.example.verify_recipients.calout|unknown key",
      })
  void badSettingsNameTheirKey(String value, String path, String message) {
    assertThatThrownBy(
            () ->
                load(
                    "domains:\n  x.example:\n    route: {host: 127.0.0.1}\n"
                        + "    verify_recipients: "
                        + value
                        + "\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(path)
        .hasMessageContaining(Optional.ofNullable(message).orElse(""));
  }

  @Test
  void aCalloutWithoutARouteIsAnError() {
    assertThatThrownBy(
            () ->
                load(
                    """
                    domains:
                      x.example:
                        quarantine: true
                        verify_recipients: {callout: true}
                    """))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("domains.x.example.verify_recipients.callout")
        .hasMessageContaining("has no route");
  }
}
