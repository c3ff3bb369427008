package dev.mailfilter.sa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Connection;
import dev.mailfilter.api.Envelope;
import dev.mailfilter.api.Verdict;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trust path on crafted trace fields: the MTA formats, where trust ends, the configured
 * networks, the pseudo-headers rules read, and the handover to a live server. The corpus-wide
 * comparison with SpamAssassin is {@link TrustPathDifferentialTest}.
 */
class TrustPathTest {
  @TempDir Path dir;

  private static Received.Relay relay(String value) {
    return (Received.Relay) Received.parse(value);
  }

  @Test
  void readsPostfixSendmailEximAndQmailHandovers() {
    Received.Relay postfix =
        relay(
            "from mail.example.org (mail.example.org [192.0.2.7])\n\tby mx.example.net (Postfix)"
                + " with ESMTPS id 4F2A1; Tue, 8 Dec 2026 01:02:03 +0000 (UTC)");
    assertThat(postfix.asString(false, false))
        .isEqualTo(
            "[ ip=192.0.2.7 rdns=mail.example.org helo=mail.example.org by=mx.example.net ident="
                + " envfrom= intl=0 id=4F2A1 auth= msa=0 ]");
    Received.Relay unknown =
        relay(
            "from helo.test (unknown [198.51.100.4]) by mx.example.net (Postfix) with SMTP id X1");
    assertThat(unknown.rdns()).isEmpty();
    assertThat(unknown.noReverseDns()).isTrue();
    Received.Relay exim =
        relay(
            "from [203.0.113.9] (helo=hotmail.com ident=yiuhyotp) by yzordderrex with smtp (Exim"
                + " 3.35 #1 (Debian)) id 194BE5-0005Zh-00; Sat, 12 Apr 2003 03:58:53 +0100");
    assertThat(exim.ip()).isEqualTo("203.0.113.9");
    assertThat(exim.helo()).isEqualTo("hotmail.com");
    assertThat(exim.ident()).isEqualTo("yiuhyotp");
    assertThat(exim.rdnsNotInHeaders()).isTrue();
    Received.Relay qmail =
        relay(
            "from unknown (HELO terpsichore.farfalle.com) (jdavid@[216.254.40.70]) by"
                + " mail13.speakeasy.net (qmail-ldap-1.03) with SMTP for <jm@jmason.org>;"
                + " 12 Feb 2003 18:23:19 -0000");
    assertThat(qmail.ip()).isEqualTo("216.254.40.70");
    assertThat(qmail.helo()).isEqualTo("terpsichore.farfalle.com");
    assertThat(qmail.ident()).isEqualTo("jdavid");
    assertThat(qmail.rdns()).isEmpty();
    Received.Relay authenticated =
        relay(
            "from [10.1.2.3] (p5.example.com [198.51.100.8]) by smtp.example.com (Postfix) with"
                + " ESMTPSA id 77; Tue, 8 Dec 2026 01:02:03 +0000");
    assertThat(authenticated.auth()).isEqualTo("ESMTPSA");
    Received.Relay v6 =
        relay(
            "from mail.example.org (mail.example.org [IPv6:2001:db8::25]) by mx.example.net"
                + " (Postfix) with ESMTP id 9");
    assertThat(v6.ip()).isEqualTo("2001:db8::25");
  }

  @Test
  void skipsLocalHandoversAndKeepsUnreadableOnesApart() {
    assertThat(Received.parse("by mx.example.net (Postfix, from userid 1000) id 1; Tue"))
        .isInstanceOf(Received.Skipped.class);
    assertThat(
            Received.parse(
                "from andrew by trinity.supernews.net with local (Exim 4.12) id 18xeL6-000Dn1-00"))
        .isInstanceOf(Received.Skipped.class);
    assertThat(Received.parse("from nowhere with no address at all"))
        .isInstanceOf(Received.Unparseable.class);
    assertThat(
            Received.parse(
                "from cabbage.jmason.org [127.0.0.1] by localhost with IMAP (fetchmail-5.9.0) for"
                    + " jm@localhost (single-drop)"))
        .isEqualTo(new Received.Skipped(true, null));
  }

  @Test
  void inferredTrustEndsAtTheFirstPublicUnauthenticatedRelay() {
    TrustPath p =
        TrustPath.of(
            List.of(
                "from gw.internal (gw.internal [10.0.0.5]) by mx.example.net (Postfix) with ESMTP"
                    + " id A",
                "from bad.example (dsl-1-2-3-4.example [198.51.100.4]) by gw.internal (Postfix)"
                    + " with SMTP id B",
                "from pc (pc.lan [192.168.1.20]) by bad.example (Postfix) with SMTP id C"),
            List.of(),
            TrustPath.Networks.INFERRED);
    assertThat(p.trusted()).extracting(r -> r.relay().ip()).containsExactly("10.0.0.5");
    assertThat(p.untrusted())
        .extracting(r -> r.relay().ip())
        .containsExactly("198.51.100.4", "192.168.1.20");
    assertThat(p.internal()).hasSize(1);
    assertThat(p.external()).hasSize(2);
    assertThat(p.pseudoHeader("X-Spam-Relays-External").orElseThrow())
        .startsWith("[ ip=198.51.100.4 rdns=dsl-1-2-3-4.example helo=bad.example by=gw.internal");
    assertThat(p.pseudoHeader("X-Spam-Relays-Trusted").orElseThrow()).contains(" intl=1 ");
  }

  @Test
  void configuredNetworksDecideTrustAndMsaExtendsIt() throws Exception {
    TrustPath.Networks nets =
        new TrustPath.Networks(
            Optional.of(
                TrustPath.NetSet.parse(List.of("!198.51.100.9", "198.51.100.", "10/8"), true)),
            Optional.of(TrustPath.NetSet.parse(List.of("10/8"), true)),
            TrustPath.NetSet.parse(List.of("198.51.100.4"), false),
            List.of());
    TrustPath p =
        TrustPath.of(
            List.of(
                "from a (a [10.9.9.9]) by mx (Postfix) with ESMTP id A",
                "from b (b [198.51.100.4]) by a (Postfix) with ESMTP id B",
                "from c (c [203.0.113.1]) by b (Postfix) with ESMTP id C"),
            List.of(),
            nets);
    // 198.51.100.4 is trusted (and an MSA: everything before it counts as trusted too), not
    // internal.
    assertThat(p.trusted()).hasSize(3);
    assertThat(p.internal()).extracting(r -> r.relay().ip()).containsExactly("10.9.9.9");
    assertThat(p.trusted().get(1).msa()).isTrue();
    assertThat(nets.trusted().orElseThrow().contains("198.51.100.9")).isFalse();
    assertThat(nets.trusted().orElseThrow().contains("127.0.0.1")).isTrue();
    assertThatThrownBy(() -> TrustPath.NetSet.parse(List.of("10.0.0.0/99"), true))
        .isInstanceOf(Unsupported.class)
        .hasMessageContaining("10.0.0.0/99");
  }

  @Test
  void originatingIpHeadersCountAsTheOldestHandover() {
    TrustPath p =
        TrustPath.of(
            List.of("from a (a [10.9.9.9]) by mx (Postfix) with ESMTP id A"),
            List.of("[203.0.113.77]"),
            TrustPath.Networks.INFERRED);
    assertThat(p.external()).extracting(r -> r.relay().ip()).containsExactly("203.0.113.77");
  }

  @Test
  void rulesReadTheRelaysAndTheNetworksOfTheirFiles() {
    RuleSet rules =
        SaFixtures.rules(
            dir,
            """
            trusted_networks 192.0.2.0/24
            header T_EXT_NO_RDNS X-Spam-Relays-External =~ /^\\[ ip=\\S+ rdns= /
            header T_TRUSTED_ANY X-Spam-Relays-Trusted =~ /\\S/
            header T_UNTRUSTED_EMPTY X-Spam-Relays-Untrusted =~ /^$/
            """);
    assertThat(rules.errors()).isEmpty();
    var hits =
        SaFixtures.hits(
            rules,
            """
            Received: from x (unknown [198.51.100.4]) by gw (Postfix) with SMTP id B
            Received: from gw (gw [192.0.2.1]) by mx (Postfix) with ESMTP id A
            From: a@example.com
            Subject: hi

            body
            """);
    assertThat(hits).containsKeys("T_EXT_NO_RDNS").doesNotContainKey("T_TRUSTED_ANY");
    var trustedHits =
        SaFixtures.hits(
            rules,
            """
            Received: from gw (gw [192.0.2.1]) by mx (Postfix) with ESMTP id A
            From: a@example.com

            body
            """);
    assertThat(trustedHits).containsKeys("T_TRUSTED_ANY", "T_UNTRUSTED_EMPTY");
  }

  @Test
  void aBadTrustedNetworkIsAnErrorNotASilentDefault() {
    RuleSet rules = SaFixtures.rules(dir, "trusted_networks 10.0.0.0/abc\n");
    assertThat(rules.errors())
        .singleElement()
        .satisfies(e -> assertThat(e.reason()).contains("10.0.0.0/abc"));
  }

  @Test
  void aLiveServersHandoverIsTheNewestRelay() {
    Connection c =
        new Connection(
            InetAddresses.forString("198.51.100.4"),
            40000,
            Optional.empty(),
            Optional.empty(),
            Optional.of("alice"),
            Optional.empty());
    Received.Relay r = relay(SpamAssassinCheck.currentHop(c, "my pc", "TX1"));
    assertThat(r.ip()).isEqualTo("198.51.100.4");
    assertThat(r.helo()).isEqualTo("my_pc");
    assertThat(r.rdns()).isEmpty();
    assertThat(r.noReverseDns()).isTrue();
    assertThat(r.auth()).isEqualTo("ESMTPA");
    assertThat(r.id()).isEqualTo("TX1");

    SaFixtures.write(
        dir,
        "50_test.cf",
        "header T_DYN X-Spam-Relays-External =~ /^\\[ ip=198\\.51\\.100\\.4 rdns=dsl-4\\.isp\\.example /\n"
            + "score T_DYN 2.5\n");
    SaFixtures.write(dir, "v320.pre", SaFixtures.PLUGINS);
    FilterConfig config =
        FilterConfig.builder().yaml("spamassassin:\n  paths: [\"" + dir + "\"]\n").build();
    byte[] raw =
        "From: a@example.com\r\nSubject: hi\r\n\r\nhello\r\n".getBytes(StandardCharsets.UTF_8);
    Connection live =
        new Connection(
            InetAddresses.forString("198.51.100.4"),
            40000,
            Optional.of("dsl-4.isp.example"),
            false);
    Envelope env = new Envelope(live, "pc", "a@example.com", java.util.Map.of(), List.of("r@x"));
    try (MailFilter f = MailFilter.builder().config(config).build()) {
      Verdict v = f.classify(raw, env);
      assertThat(v.symbols()).anyMatch(s -> s.name().equals("T_DYN"));
      // Stored mail (port 0): no handover is made up, the message has no relays.
      Verdict stored =
          f.classify(
              raw,
              Envelope.of(
                  InetAddresses.forString("198.51.100.4"), "pc", "a@example.com", List.of("r@x")));
      assertThat(stored.symbols()).noneMatch(s -> s.name().equals("T_DYN"));
    }
  }
}
