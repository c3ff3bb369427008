package dev.mailfilter.auth;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Connection;
import dev.mailfilter.api.FilterSession;
import dev.mailfilter.api.HeaderEdit;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.config.ConfigException;
import dev.mailfilter.mime.ByteView;
import dev.mailfilter.testkit.NamedServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code authentication_results} check through a real {@link FilterSession}, with the SPF check
 * against a real named on loopback: our field on top with the SPF results of both identities,
 * forged fields claiming our authserv-id removed and the others kept.
 */
class AuthenticationResultsCheckTest {
  @TempDir static Path dir;
  private static NamedServer server;
  private static final java.security.KeyPair dkimKey = ed25519();

  private static java.security.KeyPair ed25519() {
    try {
      return java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** RFC 8463: {@code p=} is the raw 32-byte key, the end of its X.509 encoding. */
  private static String ed25519PublicKey() {
    byte[] spki = dkimKey.getPublic().getEncoded();
    return java.util.Base64.getEncoder()
        .encodeToString(java.util.Arrays.copyOfRange(spki, spki.length - 32, spki.length));
  }

  @BeforeAll
  static void start() throws Exception {
    String zone =
        """
        $TTL 0
        @ IN SOA ns. host. 1 3600 600 86400 0
        @ IN NS ns.
        ns. IN A 127.0.0.1
        pass.example. IN TXT "v=spf1 ip4:192.0.2.1 -all"
        helo.example. IN TXT "v=spf1 a -all"
        helo.example. IN A 192.0.2.1
        sel._domainkey.pass.example. IN TXT "v=DKIM1; k=ed25519; p=%s"
        """
            .formatted(ed25519PublicKey());
    server = NamedServer.start(dir, Map.of(".", zone), List.of());
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static MailFilter filter(String spf, String authResults) {
    String yaml =
        """
        dns:
          servers: ["127.0.0.1:%d"]
          deadline: 1s
          retries: 0
        checks:
          spf: {%s}
          authentication_results: {%s}
        """
            .formatted(server.address().getPort(), spf, authResults);
    return MailFilter.builder().config(FilterConfig.builder().yaml(yaml).build()).build();
  }

  private static Verdict deliver(MailFilter f, String helo, String sender, String message) {
    try (FilterSession s = f.open(Connection.of(InetAddresses.forString("192.0.2.1")))) {
      s.helo(helo);
      s.mailFrom(sender);
      s.rcptTo("b@example.net");
      return s.endOfData(message.getBytes(US_ASCII));
    }
  }

  private static final String FORGED =
      "Authentication-Results: other.example; spf=fail smtp.mailfrom=pass.example\r\n"
          + "Authentication-Results: (forged) MX.Ours.Example;\r\n\tdkim=pass header.d=bank.example\r\n"
          + "From: a@pass.example\r\n"
          + "Authentication-Results: mx.ours.example.evil; spf=pass\r\n"
          + "authentication-results: \"mx.ours.example\"; garbled (((\r\n"
          + "Subject: hi\r\n"
          + "\r\n"
          + "Authentication-Results: mx.ours.example; in the body, not a field\r\n";

  @Test
  void ourFieldGoesOnTopWithBothSpfIdentitiesAndOnlyForgedFieldsAreRemoved() {
    try (MailFilter f = filter("enabled: true", "enabled: true, authserv_id: mx.ours.example")) {
      Verdict v = deliver(f, "helo.example", "a@pass.example", FORGED);
      assertThat(v.has("R_SPF_ALLOW")).isTrue();
      assertThat(v.has("R_SPF_HELO_ALLOW")).isTrue();
      assertThat(v.has("AUTH_RESULTS_FORGED")).isTrue();
      assertThat(v.headerEdits().subList(0, 3))
          .containsExactly(
              new HeaderEdit.RemoveAt("Authentication-Results", 4),
              new HeaderEdit.RemoveAt("Authentication-Results", 2),
              new HeaderEdit.Prepend(
                  "Authentication-Results",
                  "mx.ours.example;\r\n"
                      + "\tspf=pass reason=\"pass.example: ip4:192.0.2.1 matched\"\r\n"
                      + " smtp.mailfrom=a@pass.example;\r\n"
                      + "\tspf=pass reason=\"helo.example: a matched\" smtp.helo=helo.example;\r\n"
                      + "\tdkim=none reason=\"no signature\";\r\n"
                      + "\tarc=none reason=\"no ARC sets\""));
      assertThat(v.headerEdits()).filteredOn(e -> e instanceof HeaderEdit.RemoveAt).hasSize(2);
    }
  }

  @Test
  void withoutSpfOurFieldHasNoSpfAndNoHeloSymbolWhenHeloIsOff() {
    try (MailFilter f = filter("enabled: false", "enabled: true, authserv_id: mx.ours.example")) {
      Verdict v = deliver(f, "helo.example", "a@pass.example", "Subject: hi\r\n\r\nbody\r\n");
      assertThat(v.headerEdits())
          .contains(
              new HeaderEdit.Prepend(
                  "Authentication-Results",
                  "mx.ours.example;\r\n"
                      + "\tdkim=none reason=\"no signature\";\r\n"
                      + "\tarc=none reason=\"no ARC sets\""));
      assertThat(v.has("AUTH_RESULTS_FORGED")).isFalse();
    }
    try (MailFilter f =
        filter("enabled: true, helo: false", "enabled: true, authserv_id: mx.ours.example")) {
      Verdict v = deliver(f, "helo.example", "a@pass.example", "Subject: hi\r\n\r\nbody\r\n");
      assertThat(v.symbols()).noneMatch(s -> s.name().startsWith("R_SPF_HELO_"));
      assertThat(v.headerEdits())
          .contains(
              new HeaderEdit.Prepend(
                  "Authentication-Results",
                  "mx.ours.example;\r\n"
                      + "\tspf=pass reason=\"pass.example: ip4:192.0.2.1 matched\"\r\n"
                      + " smtp.mailfrom=a@pass.example;\r\n"
                      + "\tdkim=none reason=\"no signature\";\r\n"
                      + "\tarc=none reason=\"no ARC sets\""));
    }
  }

  @Test
  void aDkimSignatureIsReportedPerSignatureWithItsDomainSelectorAndBPrefix() throws Exception {
    byte[] unsigned = "From: a@pass.example\r\nSubject: signed\r\n\r\nhello\r\n".getBytes(US_ASCII);
    byte[] signed =
        DkimTestSupport.sign(
            unsigned,
            DkimAlgorithm.ED25519_SHA256,
            dkimKey.getPrivate(),
            "pass.example",
            "sel",
            Canonicalization.RELAXED,
            Canonicalization.RELAXED,
            List.of("from", "subject"),
            java.util.OptionalLong.empty(),
            "");
    String text = new String(signed, US_ASCII);
    String b = text.substring(text.indexOf("b=") + 2, text.indexOf("b=") + 10);
    try (MailFilter f = filter("enabled: true", "enabled: true, authserv_id: mx.ours.example")) {
      Verdict v = deliver(f, "helo.example", "a@pass.example", text);
      String field = ((HeaderEdit.Prepend) v.headerEdits().getFirst()).value();
      AuthResults ar = AuthResults.parse(field);
      MethodResult dkim = ar.results().get(2);
      assertThat(dkim.method()).isEqualTo("dkim");
      assertThat(dkim.result()).as(field).isEqualTo("pass");
      assertThat(dkim.property("header", "d")).contains("pass.example");
      assertThat(dkim.property("header", "s")).contains("sel");
      assertThat(dkim.property("header", "a")).contains("ed25519-sha256");
      assertThat(dkim.property("header", "b")).contains(b);
      assertThat(ar.results().get(3).method()).isEqualTo("arc");
    }
  }

  @Test
  void theNullSenderGetsOneEvaluationForBothIdentities() {
    try (MailFilter f = filter("enabled: true", "enabled: true, authserv_id: mx.ours.example")) {
      Verdict v = deliver(f, "helo.example", "", "Subject: hi\r\n\r\nbody\r\n");
      assertThat(v.has("R_SPF_ALLOW")).isTrue();
      assertThat(v.has("R_SPF_HELO_ALLOW")).isTrue();
      assertThat(((HeaderEdit.Prepend) v.headerEdits().getFirst()).value())
          .contains("smtp.mailfrom=postmaster@helo.example;")
          .contains("smtp.helo=helo.example");
    }
  }

  @Test
  void enablingTheCheckWithoutAnAuthservIdIsAConfigurationError() {
    assertThatThrownBy(() -> filter("enabled: false", "enabled: true"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("checks.authentication_results.authserv_id")
        .hasMessageContaining("required");
    assertThatThrownBy(() -> filter("enabled: false", "enabled: true, authserv_id: \" \""))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("checks.authentication_results.authserv_id");
    // Off, the key may be missing (the shipped defaults have none).
    filter("enabled: false", "enabled: false").close();
  }

  @Test
  void everyFieldCountsForThePositionEvenPastTheParsersLimits() {
    StringBuilder m = new StringBuilder();
    for (int i = 0; i < 3000; i++) {
      m.append("Authentication-Results: other.example; none\r\n");
    }
    m.append("Authentication-Results: mx.ours.example; spf=pass\r\n\r\nbody\r\n");
    ByteView raw = ByteView.copyOf(m.toString().getBytes(US_ASCII));
    assertThat(AuthenticationResultsCheck.claimingUs(raw, "MX.OURS.EXAMPLE")).containsExactly(3001);
    assertThat(AuthenticationResultsCheck.claimingUs(ByteView.empty(), "x")).isEmpty();
  }
}
