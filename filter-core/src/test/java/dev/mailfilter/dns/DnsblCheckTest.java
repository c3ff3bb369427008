package dev.mailfilter.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.testkit.RbldnsdServer;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DNSBL checks registered on the engine, configured from YAML, against a real rbldnsd. */
class DnsblCheckTest {
  @TempDir static Path dir;
  private static RbldnsdServer server;

  private static final byte[] MESSAGE =
      ("From: Spammer <x@spam.example>\r\nTo: b@example.net\r\nSubject: hi\r\n"
              + "Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
              + "Buy now: http://www.lin=\r\nk.spam.co.uk/offer and https://clean.example/\r\n")
          .getBytes(StandardCharsets.US_ASCII);

  @BeforeAll
  static void start() throws Exception {
    String soa = "$SOA 3600 ns.%1$s. hostmaster.%1$s. 1 3600 600 86400 60\n";
    Files.writeString(
        dir.resolve("bl.zone"), soa.formatted("bl.test") + "127.0.0.2\n192.0.2.0/24 :4:\n");
    Files.writeString(
        dir.resolve("dbl.zone"),
        soa.formatted("dbl.test") + ":127.0.1.2:\ntest\nspam.example\n.spam.co.uk\n");
    server =
        RbldnsdServer.start(dir, Map.of("bl.test", "ip4set:bl.zone", "dbl.test", "dnset:dbl.zone"));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static String yaml(InetSocketAddress dns, String extra) {
    return """
        dns:
          servers: ["127.0.0.1:%d"]
          deadline: 2s
        dnsbl:
          self_test: false
          lists:
            - symbol: BL_TEST
              zone: bl.test
              weight: 3
              return_codes: {"127.0.0.2": BL_TEST_SBL, "127.0.0.4": BL_TEST_XBL}
            - symbol: DBL_TEST
              zone: dbl.test
              kind: domain
              weight: 2
            - symbol: URI_TEST
              zone: dbl.test
              kind: uri
              weight: 5
        checks:
          dnsbl_connect: {enabled: true}
          dnsbl_mail_from: {enabled: true}
          dnsbl_data: {enabled: true}
        """
            .formatted(dns.getPort())
        + extra;
  }

  private static Verdict classify(String yaml, String client, String sender) {
    FilterConfig cfg = FilterConfig.builder().yaml(yaml).build();
    try (MailFilter f = MailFilter.builder().config(cfg).build()) {
      return f.classify(
          MESSAGE,
          Envelope.of(
              InetAddresses.forString(client), "mx.example.org", sender, List.of("b@example.net")));
    }
  }

  private static Symbol symbol(Verdict v, String name) {
    return v.symbols().stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " missing in " + v.symbols()));
  }

  @Test
  void listedClientSenderAndUrlDomainsScoreTheirListsWeights() {
    Verdict v = classify(yaml(server.address(), ""), "192.0.2.9", "bounce@spam.example");
    assertThat(symbol(v, "BL_TEST_XBL").score()).isEqualTo(3.0);
    assertThat(symbol(v, "DBL_TEST").score()).isEqualTo(2.0);
    assertThat(symbol(v, "URI_TEST").score()).isEqualTo(5.0);
    assertThat(symbol(v, "URI_TEST").options()).anyMatch(o -> o.contains("spam.co.uk"));
    assertThat(v.has("BL_TEST_SBL")).isFalse();
  }

  @Test
  void unlistedMessageGetsNoBlocklistSymbol() {
    Verdict v = classify(yaml(server.address(), ""), "198.51.100.7", "a@example.org");
    assertThat(v.symbols())
        .noneMatch(s -> s.name().startsWith("BL_TEST") || s.name().startsWith("RBL_"));
  }

  @Test
  void aMirrorAnswersWithoutTheServer() throws Exception {
    try (DatagramSocket silent = TestResponders.silent()) {
      String mirrors =
          """
          mirrors:
            files:
              - zone: bl.test
                path: %s
                kind: ip4set
          """
              .formatted(dir.resolve("bl.zone"));
      Verdict v =
          classify(
              yaml((InetSocketAddress) silent.getLocalSocketAddress(), mirrors)
                  .replace("deadline: 2s", "deadline: 300ms"),
              "127.0.0.2",
              "a@example.org");
      assertThat(symbol(v, "BL_TEST_SBL").score()).isEqualTo(3.0);
      // The domain lists have no mirror: their server never answers.
      assertThat(symbol(v, "RBL_TIMEOUT").score()).isZero();
    }
  }

  @Test
  void badSettingsAreRefusedWithTheirKeyPath() {
    assertThatThrownBy(
            () ->
                FilterConfig.builder()
                    .yaml("dnsbl:\n  lists:\n    - {symbol: X, zone: 'bad zone'}\n")
                    .build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("dnsbl.lists[0]")
        .hasMessageContaining("'bad zone'");
    assertThatThrownBy(
            () ->
                FilterConfig.builder()
                    .yaml("dnsbl:\n  lists:\n    - {symbol: X, zone: a.test, kind: ipv4}\n")
                    .build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("dnsbl.lists[0].kind");
    assertThatThrownBy(
            () ->
                FilterConfig.builder()
                    .yaml("dnsbl:\n  lists:\n    - {preset: spamhaus_zne}\n")
                    .build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("dnsbl.lists[0].preset");
    assertThatThrownBy(
            () -> FilterConfig.builder().yaml("dns:\n  servers: [dns.example]\n").build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("dns.servers[0]");
    assertThatThrownBy(() -> FilterConfig.builder().yaml("dns:\n  retries: 99\n").build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("dns.retries");
    assertThatThrownBy(
            () ->
                FilterConfig.builder()
                    .yaml(
                        "mirrors:\n  files:\n    - {zone: a.test, path: /nonexistent/z, kind: ip4set}\n")
                    .build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("mirrors.files[0].path");
    assertThatThrownBy(
            () ->
                FilterConfig.builder()
                    .yaml(
                        "dnsbl:\n  lists:\n    - {preset: spamhaus_zen, stage: data, wieght: 2}\n")
                    .build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("wieght");
    // No dnsbl check runs at the end-of-headers stage: a list there would never be asked.
    assertThatThrownBy(
            () ->
                FilterConfig.builder()
                    .yaml("dnsbl:\n  lists:\n    - {preset: spamhaus_zen, stage: headers}\n")
                    .build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("not headers");
  }

  @Test
  void defaultsHaveNoListsAndPresetsExpand() {
    assertThat(FilterConfig.defaults().section(DnsblSettings.SECTION).lists()).isEmpty();
    assertThat(FilterConfig.defaults().section(DnsSettings.SECTION))
        .isEqualTo(DnsSettings.defaults());
    DnsblSettings s =
        FilterConfig.builder()
            .yaml(
                "dnsbl:\n  lists:\n    - {preset: spamhaus_zen, weight: 6}\n    - {preset: spamhaus_dbl_uri}\n")
            .build()
            .section(DnsblSettings.SECTION);
    assertThat(s.lists().get(0).zone()).isEqualTo("zen.spamhaus.org");
    assertThat(s.lists().get(0).weight()).isEqualTo(6);
    assertThat(s.lists().get(0).returnCodes()).hasSize(9);
    assertThat(s.lists().get(1).kind()).isEqualTo(ListKind.URI);
  }
}
