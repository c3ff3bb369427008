package dev.mailfilter.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import dev.mailfilter.dns.Deadline;
import dev.mailfilter.dns.DnsResolver;
import dev.mailfilter.dns.DnsSettings;
import dev.mailfilter.testkit.NamedServer;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The processing limits of RFC 7208 section 4.6.4 at their boundaries, against a real named: 10
 * DNS-querying terms pass and 11 are a permerror, as are a third void lookup and an 11th MX name;
 * the limits follow {@link SpfSettings}; a resolver that gets no answer is a temperror by the
 * deadline.
 */
class SpfLimitsTest {
  @TempDir static Path dir;
  private static NamedServer server;
  private static final InetAddress CLIENT = InetAddresses.forString("192.0.2.10");

  private static String includes(int n, String last) {
    return IntStream.range(0, n)
            .mapToObj(i -> "include:e" + i + ".example")
            .collect(Collectors.joining(" ", "\"v=spf1 ", " "))
        + last
        + "\"";
  }

  @BeforeAll
  static void start() throws Exception {
    StringBuilder z =
        new StringBuilder(
            "$TTL 0\n@ IN SOA ns. host. 1 3600 600 86400 0\n@ IN NS ns.\nns. IN A 127.0.0.1\n");
    for (int i = 0; i < 12; i++) {
      z.append("e").append(i).append(".example. IN TXT \"v=spf1 ?ip4:203.0.113.0/24\"\n");
    }
    // Nine includes and an a: ten terms; ten includes and an a: eleven.
    z.append("ten.example. IN TXT ").append(includes(9, "a:host.example -all")).append('\n');
    z.append("eleven.example. IN TXT ").append(includes(10, "a:host.example -all")).append('\n');
    z.append("host.example. IN A 192.0.2.10\n");
    z.append("host.example. IN TXT \"v=spf1 a -all\"\n");
    z.append("twovoid.example. IN TXT \"v=spf1 a:nx1.example a:nx2.example -all\"\n");
    z.append(
        "threevoid.example. IN TXT \"v=spf1 a:nx1.example a:nx2.example a:nx3.example -all\"\n");
    z.append("mx10.example. IN TXT \"v=spf1 mx -all\"\n");
    z.append("mx11.example. IN TXT \"v=spf1 mx -all\"\n");
    for (int i = 0; i < 11; i++) {
      if (i < 10) {
        z.append("mx10.example. IN MX ").append(i).append(" m").append(i).append(".example.\n");
      }
      z.append("mx11.example. IN MX ").append(i).append(" m").append(i).append(".example.\n");
      z.append("m").append(i).append(".example. IN A 198.51.100.").append(i).append('\n');
    }
    z.append("m9.example. IN A 192.0.2.10\n");
    z.append("dead.example. IN TXT \"v=spf1 include:gone.example -all\"\n");
    server = NamedServer.start(dir, Map.of(".", z.toString()), List.of("gone.example"));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static SpfResult check(String domain, SpfSettings settings) {
    DnsResolver resolver =
        DnsResolver.create(
            DnsSettings.builder()
                .addServer(server.address())
                .deadline(Duration.ofMillis(800))
                .retries(0)
                .build());
    return SpfVerifier.create(resolver, settings)
        .checkMailFrom(
            CLIENT, "mx.example.org", "x@" + domain, Deadline.after(Duration.ofSeconds(1)));
  }

  private static SpfResult check(String domain) {
    return check(domain, SpfSettings.DEFAULTS);
  }

  @Test
  void tenLookupTermsAreAllowedAndAnEleventhIsAPermError() {
    assertThat(check("ten.example").code()).isEqualTo(SpfResult.Code.PASS);
    SpfResult eleven = check("eleven.example");
    assertThat(eleven.code()).isEqualTo(SpfResult.Code.PERMERROR);
    assertThat(eleven.reason()).contains("more than 10");
  }

  @Test
  void theLookupLimitFollowsTheSettings() {
    SpfSettings twenty = new SpfSettings("unknown", "x", 20, 2);
    assertThat(check("eleven.example", twenty).code()).isEqualTo(SpfResult.Code.PASS);
  }

  @Test
  void twoVoidLookupsAreAllowedAndAThirdIsAPermError() {
    assertThat(check("twovoid.example").code()).isEqualTo(SpfResult.Code.FAIL);
    SpfResult three = check("threevoid.example");
    assertThat(three.code()).isEqualTo(SpfResult.Code.PERMERROR);
    assertThat(three.reason()).contains("void");
  }

  @Test
  void tenMxNamesAreLookedUpAndAnEleventhIsAPermError() {
    assertThat(check("mx10.example").code()).isEqualTo(SpfResult.Code.PASS);
    assertThat(check("mx11.example").code()).isEqualTo(SpfResult.Code.PERMERROR);
  }

  @Test
  void theHeloIdentityIsCheckedAsPostmasterAtTheName() {
    DnsResolver resolver =
        DnsResolver.create(DnsSettings.builder().addServer(server.address()).build());
    SpfVerifier v = SpfVerifier.create(resolver, SpfSettings.DEFAULTS);
    Deadline d = Deadline.after(Duration.ofSeconds(1));
    SpfResult pass = v.checkHelo(CLIENT, "host.example", d);
    assertThat(pass.code()).isEqualTo(SpfResult.Code.PASS);
    assertThat(pass.identity()).isEqualTo(SpfResult.Identity.HELO);
    assertThat(pass.sender()).isEqualTo("postmaster@host.example");
    SpfResult fail = v.checkHelo(InetAddresses.forString("192.0.2.99"), "host.example", d);
    assertThat(fail.code()).isEqualTo(SpfResult.Code.FAIL);
    assertThat(fail.explanation())
        .contains(
            "host.example does not authorize 192.0.2.99 to send mail as postmaster@host.example");
    // A HELO that is not a domain (an address literal, a single label) is none (4.3).
    assertThat(v.checkHelo(CLIENT, "[192.0.2.10]", d).code()).isEqualTo(SpfResult.Code.NONE);
    assertThat(v.checkHelo(CLIENT, "localhost", d).code()).isEqualTo(SpfResult.Code.NONE);
  }

  @Test
  void aNameWhoseServerNeverAnswersIsATempErrorByTheDeadline() {
    SpfResult r = check("dead.example");
    assertThat(r.code()).isEqualTo(SpfResult.Code.TEMPERROR);
    assertThat(r.reason()).contains("gone.example").contains("timeout");
  }
}
