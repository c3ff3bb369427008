package dev.mailfilter.sa;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RelayEval's tests over the trust path, on crafted trace fields. */
class RelayEvalsTest {
  @TempDir Path dir;

  private static final String RULES =
      """
      loadplugin Mail::SpamAssassin::Plugin::RelayEval
      header T_ALL_TRUSTED eval:check_all_trusted()
      header T_NO_RELAYS eval:check_no_relays()
      header T_UNPARSEABLE eval:check_relays_unparseable()
      header T_HELO_IP eval:helo_ip_mismatch()
      header T_NUMERIC_HELO eval:check_for_numeric_helo()
      header T_DOTCOM eval:check_for_no_rdns_dotcom_helo()
      header T_TRAIL eval:check_for_forged_received_trail()
      header T_SENDER_NO_REV eval:check_for_sender_no_reverse()
      """;

  private Map<String, Integer> hits(String headers) {
    return SaFixtures.hits(
        SaFixtures.rules(dir, RULES), headers + "From: a@example.com\nSubject: s\n\nbody\n");
  }

  @Test
  void noRelaysAndAllTrusted() {
    assertThat(hits("")).containsKey("T_NO_RELAYS").doesNotContainKey("T_ALL_TRUSTED");
    assertThat(hits("Received: from pc (pc.lan [192.168.1.2]) by gw (Postfix) with ESMTP id 1\n"))
        .containsKey("T_ALL_TRUSTED")
        .doesNotContainKey("T_NO_RELAYS");
    assertThat(hits("Received: from nowhere with no address at all\n"))
        .containsKey("T_UNPARSEABLE")
        .doesNotContainKeys("T_NO_RELAYS", "T_ALL_TRUSTED");
  }

  @Test
  void heloAndRdnsMismatches() {
    assertThat(
            hits(
                "Received: from 203.0.113.9 (unknown [198.51.100.4]) by mx.example.net (Postfix)"
                    + " with SMTP id 1\n"))
        .containsKeys("T_HELO_IP", "T_NUMERIC_HELO");
    assertThat(
            hits(
                "Received: from 198.51.100.9 (unknown [198.51.100.4]) by mx.example.net (Postfix)"
                    + " with SMTP id 1\n"))
        .containsKey("T_NUMERIC_HELO")
        .doesNotContainKey("T_HELO_IP"); // the same /24
    assertThat(
            hits(
                "Received: from mx02.hotmail.com (unknown [198.51.100.4]) by mx.example.net"
                    + " (Postfix) with SMTP id 1\n"))
        .containsKey("T_DOTCOM");
    assertThat(
            hits(
                "Received: from mx02.hotmail.com (smtp.hotmail.com [198.51.100.4]) by"
                    + " mx.example.net (Postfix) with SMTP id 1\n"))
        .doesNotContainKey("T_DOTCOM")
        .containsKey("T_SENDER_NO_REV");
  }

  @Test
  void aForgedTrailIsTwoHandoversThatDoNotChain() {
    String trail =
        "Received: from a.example.org (a.example.org [198.51.100.1]) by mx.example.net (Postfix)"
            + " with SMTP id 1\n"
            + "Received: from b.example.com (b.example.com [198.51.100.2]) by c.other.org (Postfix)"
            + " with SMTP id 2\n"
            + "Received: from d.example.info (d.example.info [198.51.100.3]) by e.third.net"
            + " (Postfix) with SMTP id 3\n";
    assertThat(hits(trail)).containsKey("T_TRAIL");
    assertThat(RelayEvals.hostnameToDomain("mail.example.co.uk")).isEqualTo("example.co.uk");
    assertThat(RelayEvals.hostnameToDomain("mx.example.com")).isEqualTo("example.com");
    assertThat(RelayEvals.hostnameToDomain("192.0.2.1")).isEqualTo("192.0.2.1");
  }
}
