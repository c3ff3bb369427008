package dev.mailfilter.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import dev.mailfilter.BuiltIns;
import dev.mailfilter.FilterConfig;
import dev.mailfilter.MailFilter;
import dev.mailfilter.api.Connection;
import dev.mailfilter.api.FilterSession;
import dev.mailfilter.api.HeaderEdit;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.dns.Deadline;
import dev.mailfilter.mime.MessageParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DKIM signing through a real {@link FilterSession}: which mail is signed, key rotation by date,
 * the signature verified by our DKIM verifier with both key types, and the configuration errors.
 */
class DkimSignCheckTest {
  @TempDir static Path dir;
  static KeyPair rsaOld;
  static KeyPair rsaNew;
  static KeyPair ed;
  static Path rsaOldFile;
  static Path rsaNewFile;
  static Path edFile;

  static final byte[] MESSAGE =
      ("From: Alice <alice@example.com>\r\n"
              + "To: bob@example.net\r\n"
              + "Subject: signed\r\n"
              + "Date: Mon, 07 Dec 2026 10:00:00 +0000\r\n"
              + "Message-ID: <2@example.com>\r\n"
              + "\r\n"
              + "Body  with   spaces \r\n\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII);

  @BeforeAll
  static void keys() throws Exception {
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    rsaOld = rsa.generateKeyPair();
    rsaNew = rsa.generateKeyPair();
    ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    rsaOldFile = ArcCheckTest.writePem(dir.resolve("old.pem"), rsaOld);
    rsaNewFile = ArcCheckTest.writePem(dir.resolve("new.pem"), rsaNew);
    edFile = ArcCheckTest.writePem(dir.resolve("ed.pem"), ed);
  }

  static DkimKeyLookup lookup() {
    return DkimKeyLookup.fromRecords(
        Map.of(
            "old._domainkey.example.com", List.of(ArcCheckTest.rsaRecord(rsaOld)),
            "new._domainkey.example.com", List.of(ArcCheckTest.rsaRecord(rsaNew)),
            "ed._domainkey.example.org",
                List.of("v=DKIM1; k=ed25519; p=" + ArcCheckTest.ed25519Raw(ed))));
  }

  static MailFilter filter(String options) {
    String yaml =
        """
        checks:
          dkim_sign:
            enabled: true
        %s
        """
            .formatted(options.indent(4));
    return MailFilter.builder()
        .config(FilterConfig.builder().registry(BuiltIns.checks()).yaml(yaml).build())
        .build();
  }

  static String rotatingKeys() {
    return """
        keys:
          - {domain: example.com, selector: old, key: "%s", from: 2000-01-01}
          - {domain: example.com, selector: new, key: "%s", from: 2020-06-01}
          - {domain: example.com, selector: future, key: "%s", from: 2999-01-01}
          - {domain: example.org, selector: ed, key: "%s"}
        networks: [10.0.0.0/8]
        """
        .formatted(rsaOldFile, rsaNewFile, rsaOldFile, edFile);
  }

  static Verdict send(MailFilter f, Connection c, byte[] message) {
    try (FilterSession s = f.open(c)) {
      s.helo("client.example.com");
      s.mailFrom("alice@example.com");
      s.rcptTo("bob@example.net");
      return s.endOfData(message);
    }
  }

  static Connection authenticated() {
    return Connection.of(InetAddresses.forString("198.51.100.9")).withAuthenticatedUser("alice");
  }

  static List<HeaderEdit.Prepend> signatures(Verdict v) {
    return v.headerEdits().stream()
        .filter(e -> e instanceof HeaderEdit.Prepend p && p.name().equals("DKIM-Signature"))
        .map(e -> (HeaderEdit.Prepend) e)
        .toList();
  }

  static List<DkimResult> verify(byte[] delivered) {
    return DkimVerifier.create(lookup(), Clock.systemUTC(), 10)
        .verify(MessageParser.create().parse(delivered), Deadline.after(Duration.ofSeconds(5)));
  }

  @Test
  void anAuthenticatedClientsMailIsSignedWithTheNewestActiveKeyAndVerifies() {
    try (MailFilter f = filter(rotatingKeys())) {
      Verdict v = send(f, authenticated(), MESSAGE);
      assertThat(v.has("DKIM_SIGNED")).isTrue();
      List<HeaderEdit.Prepend> sigs = signatures(v);
      assertThat(sigs).hasSize(1);
      assertThat(sigs.getFirst().value())
          .contains("d=example.com", "s=new", "a=rsa-sha256", "c=relaxed/relaxed")
          .contains("h=from:from:reply-to:subject:date:to:cc");
      List<DkimResult> r = verify(ArcCheckTest.delivered(MESSAGE, v.headerEdits()));
      assertThat(r).hasSize(1);
      assertThat(r.getFirst().code()).as(r.getFirst().reason()).isEqualTo(DkimResult.Code.PASS);
    }
  }

  @Test
  void anEd25519KeySignsEd25519Sha256() {
    byte[] message =
        new String(MESSAGE, StandardCharsets.US_ASCII)
            .replace("alice@example.com", "alice@example.org")
            .getBytes(StandardCharsets.US_ASCII);
    try (MailFilter f = filter(rotatingKeys())) {
      Verdict v = send(f, authenticated(), message);
      assertThat(signatures(v).getFirst().value()).contains("a=ed25519-sha256", "d=example.org");
      List<DkimResult> r = verify(ArcCheckTest.delivered(message, v.headerEdits()));
      assertThat(r.getFirst().code()).as(r.getFirst().reason()).isEqualTo(DkimResult.Code.PASS);
    }
  }

  @Test
  void aClientInTheConfiguredNetworksIsSignedWithoutAuthentication() {
    try (MailFilter f = filter(rotatingKeys())) {
      Verdict v = send(f, Connection.of(InetAddresses.forString("10.1.2.3")), MESSAGE);
      assertThat(signatures(v)).hasSize(1);
    }
  }

  @Test
  void anUnauthenticatedClientOutsideTheNetworksIsNotSigned() {
    try (MailFilter f = filter(rotatingKeys())) {
      Verdict v = send(f, Connection.of(InetAddresses.forString("203.0.113.5")), MESSAGE);
      assertThat(signatures(v)).isEmpty();
      assertThat(v.has("DKIM_SIGNED")).isFalse();
    }
  }

  @Test
  void aFromDomainWithoutAKeyIsNotSigned() {
    byte[] message =
        new String(MESSAGE, StandardCharsets.US_ASCII)
            .replace("alice@example.com", "alice@elsewhere.example")
            .getBytes(StandardCharsets.US_ASCII);
    try (MailFilter f = filter(rotatingKeys())) {
      assertThat(signatures(send(f, authenticated(), message))).isEmpty();
    }
  }

  @Test
  void aMissingKeyFileIsRefusedAtLoadNamingTheKey() {
    String options = "keys: [{domain: example.com, selector: s, key: \"/nonexistent/k.pem\"}]";
    assertThatThrownBy(() -> filter(options))
        .hasMessageContaining("checks.dkim_sign.keys[0].key")
        .hasMessageContaining("/nonexistent/k.pem");
  }

  @Test
  void aShortRsaKeyIsRefusedAtLoad() throws Exception {
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(512);
    Path small = ArcCheckTest.writePem(dir.resolve("small.pem"), rsa.generateKeyPair());
    String options = "keys: [{domain: example.com, selector: s, key: \"%s\"}]".formatted(small);
    assertThatThrownBy(() -> filter(options))
        .hasMessageContaining("checks.dkim_sign.keys[0].key")
        .hasMessageContaining("512 bits");
  }

  @Test
  void signedHeadersWithoutFromAreRefusedAtLoad() {
    String options =
        "headers: [subject]\nkeys: [{domain: example.com, selector: s, key: \"%s\"}]"
            .formatted(rsaNewFile);
    assertThatThrownBy(() -> filter(options)).hasMessageContaining("checks.dkim_sign.headers");
  }

  @Test
  void aBadFromDateIsRefusedAtLoad() {
    String options =
        "keys: [{domain: example.com, selector: s, key: \"%s\", from: soon}]".formatted(rsaNewFile);
    assertThatThrownBy(() -> filter(options)).hasMessageContaining("checks.dkim_sign.keys[0].from");
  }
}
