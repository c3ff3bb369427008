package dev.mailfilter.checks;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Connection;
import dev.mailfilter.api.Decision;
import dev.mailfilter.api.FilterSession;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.api.Verdict;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class HeloCheckTest {
  private static final MailFilter FILTER =
      MailFilter.builder()
          .config(
              FilterConfig.builder()
                  .yaml(
                      "checks:\n"
                          + LocalChecks.OFF_YAML
                          + "  gtube: {enabled: false}\n"
                          + "  helo:\n"
                          + "    local_names: [mx1.provider.example]\n"
                          + "    local_addresses: [\"198.51.100.53\", \"2001:db8::53\"]\n")
                  .build())
          .build();

  @AfterAll
  static void close() {
    FILTER.close();
  }

  /** The HELO symbols for a client address and HELO argument. */
  private static List<String> symbols(String client, String helo) {
    try (FilterSession s = FILTER.open(Connection.of(InetAddresses.forString(client)))) {
      Decision d = s.helo(helo);
      assertThat(d.refused()).isFalse();
      s.mailFrom("a@example.org");
      s.rcptTo("b@example.net");
      Verdict v = s.endOfData("Subject: x\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII));
      return v.symbols().stream().map(Symbol::name).toList();
    }
  }

  @Test
  void fullyQualifiedNameIsClean() {
    assertThat(symbols("203.0.113.4", "mail.example.org")).isEmpty();
    assertThat(symbols("203.0.113.4", "MAIL.Example.ORG.")).isEmpty();
  }

  @Test
  void bareIpIsFlagged() {
    assertThat(symbols("203.0.113.4", "203.0.113.4")).containsExactly("HELO_BARE_IP");
  }

  @Test
  void addressLiteralOfTheClientIsFineButAnotherAddressIsNot() {
    assertThat(symbols("203.0.113.4", "[203.0.113.4]")).isEmpty();
    assertThat(symbols("2001:db8::1", "[IPv6:2001:db8::1]")).isEmpty();
    assertThat(symbols("203.0.113.4", "[192.0.2.1]")).containsExactly("HELO_IP_MISMATCH");
  }

  @Test
  void singleLabelsAndPublicSuffixesAreNotFqdns() {
    assertThat(symbols("203.0.113.4", "desktop-7q2")).containsExactly("HELO_NOT_FQDN");
    assertThat(symbols("203.0.113.4", "co.uk")).containsExactly("HELO_NOT_FQDN");
    assertThat(symbols("203.0.113.4", "bad_name!.example.com")).containsExactly("HELO_NOT_FQDN");
    assertThat(symbols("203.0.113.4", "[not-an-ip]")).containsExactly("HELO_NOT_FQDN");
  }

  @Test
  void repeatedAndManyDistinctNamesKeepTheirAnswers() {
    // The FQDN answers are cached per check; a repeat and a cache that started over must agree.
    for (int round = 0; round < 2; round++) {
      assertThat(symbols("203.0.113.4", "co.uk")).containsExactly("HELO_NOT_FQDN");
      assertThat(symbols("203.0.113.4", "mx.example.co.uk")).isEmpty();
    }
    for (int i = 0; i <= HeloCheck.FQDN_CACHE_SIZE + 1; i++) {
      String name = i % 2 == 0 ? "host" + i : "h" + i + ".example.net";
      assertThat(symbols("203.0.113.4", name))
          .as(name)
          .isEqualTo(i % 2 == 0 ? List.of("HELO_NOT_FQDN") : List.of());
    }
    assertThat(symbols("203.0.113.4", "co.uk")).containsExactly("HELO_NOT_FQDN");
  }

  @Test
  void claimingToBeUsIsFlagged() {
    assertThat(symbols("203.0.113.4", "mx1.provider.example")).containsExactly("HELO_CLAIMS_US");
    assertThat(symbols("203.0.113.4", "localhost")).containsExactly("HELO_CLAIMS_US");
    assertThat(symbols("203.0.113.4", "[198.51.100.53]")).containsExactly("HELO_CLAIMS_US");
    assertThat(symbols("203.0.113.4", "[IPv6:2001:db8::53]")).containsExactly("HELO_CLAIMS_US");
    assertThat(symbols("203.0.113.4", "198.51.100.53"))
        .containsExactlyInAnyOrder("HELO_BARE_IP", "HELO_CLAIMS_US");
  }

  @Test
  void loopbackClientMayCallItselfLocalhost() {
    assertThat(symbols("127.0.0.1", "[127.0.0.1]")).isEmpty();
    assertThat(symbols("127.0.0.1", "localhost")).containsExactly("HELO_NOT_FQDN");
  }
}
