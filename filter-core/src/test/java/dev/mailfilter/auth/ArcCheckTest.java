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
import dev.mailfilter.api.Symbol;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.auth.ArcResult.Cv;
import dev.mailfilter.auth.ArcSealer.ArcFields;
import dev.mailfilter.dns.Deadline;
import dev.mailfilter.mime.MessageParser;
import dev.mailfilter.mime.ParsedMessage;
import dev.mailfilter.testkit.NamedServer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ARC check through a real {@link FilterSession}, its keys served by a real named on loopback:
 * each symbol, sealing as a forwarder (the new set validated again by the verifier), and the
 * configuration errors at load.
 */
class ArcCheckTest {
  @TempDir static Path dir;
  private static NamedServer server;
  private static KeyPair origin;
  private static KeyPair gateway;
  private static Path gatewayKey;

  static final String MESSAGE =
      "From: Alice <alice@origin.example>\r\n"
          + "To: list@lists.example\r\n"
          + "Subject: the plan\r\n"
          + "Date: Mon, 07 Dec 2026 10:00:00 +0000\r\n"
          + "Message-ID: <1@origin.example>\r\n"
          + "\r\n"
          + "Hello,\r\nthe plan is on.\r\n";

  @BeforeAll
  static void start() throws Exception {
    origin = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    gateway = rsa.generateKeyPair();
    gatewayKey = writePem(dir.resolve("gateway.pem"), gateway);
    String zone =
        """
        $TTL 0
        @ IN SOA ns. host. 1 3600 600 86400 0
        @ IN NS ns.
        ns. IN A 127.0.0.1
        ed._domainkey.origin.example. IN TXT "v=DKIM1; k=ed25519; p=%s"
        gw._domainkey.gw.example. IN TXT %s
        """
            .formatted(ed25519Raw(origin), txtStrings(rsaRecord(gateway)));
    server = NamedServer.start(dir, Map.of(".", zone), List.of("slow._domainkey.origin.example"));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  static Path writePem(Path file, KeyPair pair) throws Exception {
    String pem =
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder(64, new byte[] {'\n'})
                .encodeToString(pair.getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n";
    Files.writeString(file, pem, StandardCharsets.US_ASCII);
    return file;
  }

  static String ed25519Raw(KeyPair pair) {
    byte[] spki = pair.getPublic().getEncoded();
    return Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(spki, 12, 44));
  }

  static String rsaRecord(KeyPair pair) {
    return "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(pair.getPublic().getEncoded());
  }

  /** A TXT value cut into quoted strings of at most 255 octets, as DNS requires. */
  static String txtStrings(String value) {
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < value.length(); i += 200) {
      parts.add("\"" + value.substring(i, Math.min(value.length(), i + 200)) + "\"");
    }
    return String.join(" ", parts);
  }

  /** The message sealed once by origin.example (i=1, ed25519), as a first hop would. */
  static byte[] sealedByOrigin(String selector) {
    ParsedMessage m = MessageParser.create().parse(MESSAGE.getBytes(StandardCharsets.US_ASCII));
    SigningKey key = new SigningKey(DkimAlgorithm.ED25519_SHA256, origin.getPrivate(), "origin");
    ArcFields f =
        ArcSealer.create("origin.example", selector, key, List.of("from", "to", "subject"))
            .seal(
                m,
                ArcResult.none(),
                "origin.example; spf=pass smtp.mailfrom=alice@origin.example",
                Instant.ofEpochSecond(1_800_000_000L))
            .orElseThrow();
    return ArcSealSuiteTest.prepend(f, m);
  }

  private static MailFilter filter(String arcOptions) {
    String yaml =
        """
        dns:
          servers: ["127.0.0.1:%d"]
          deadline: 1s
          retries: 0
        checks:
          arc: {enabled: true%s}
        """
            .formatted(server.address().getPort(), arcOptions);
    return MailFilter.builder()
        .config(FilterConfig.builder().registry(BuiltIns.checks()).yaml(yaml).build())
        .build();
  }

  private static String sealOptions(Path key) {
    return ", seal: {domain: gw.example, selector: gw, key: \"%s\", authserv_id: mx.gw.example}"
        .formatted(key);
  }

  private static Verdict deliver(MailFilter f, byte[] message) {
    try (FilterSession s = f.open(Connection.of(InetAddresses.forString("192.0.2.1")))) {
      s.helo("mx.lists.example");
      s.mailFrom("list-bounces@lists.example");
      s.rcptTo("bob@gw.example");
      return s.endOfData(message);
    }
  }

  private static Symbol symbol(Verdict v, String name) {
    return v.symbols().stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " missing in " + v.symbols()));
  }

  /** The message as delivered: each prepend goes on top in list order, as the adapters do. */
  static byte[] delivered(byte[] message, List<HeaderEdit> edits) {
    List<String> top = new ArrayList<>();
    for (HeaderEdit e : edits) {
      if (e instanceof HeaderEdit.Prepend p) {
        top.addFirst(p.name() + ": " + p.value() + "\r\n");
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    top.forEach(t -> out.writeBytes(t.getBytes(StandardCharsets.ISO_8859_1)));
    out.writeBytes(message);
    return out.toByteArray();
  }

  private static ArcResult verifyWithBothKeys(byte[] message) {
    DkimKeyLookup keys =
        DkimKeyLookup.fromRecords(
            Map.of(
                "ed._domainkey.origin.example",
                List.of("v=DKIM1; k=ed25519; p=" + ed25519Raw(origin)),
                "gw._domainkey.gw.example",
                List.of(rsaRecord(gateway))));
    return ArcVerifier.create(keys)
        .verify(MessageParser.create().parse(message), Deadline.after(Duration.ofSeconds(5)));
  }

  @Test
  void aValidChainIsAllowedAndResealedWithCvPassAsInstance2() {
    try (MailFilter f = filter(sealOptions(gatewayKey))) {
      byte[] in = sealedByOrigin("ed");
      Verdict v = deliver(f, in);
      assertThat(symbol(v, "ARC_ALLOW").score()).isEqualTo(-1.0);
      assertThat(symbol(v, "ARC_ALLOW").options()).contains("origin.example:i=1");
      List<String> names =
          v.headerEdits().stream()
              .filter(e -> e instanceof HeaderEdit.Prepend)
              .map(HeaderEdit::name)
              .filter(n -> n.startsWith("ARC-"))
              .toList();
      assertThat(names).hasSize(3);
      ArcResult again = verifyWithBothKeys(delivered(in, v.headerEdits()));
      assertThat(again.cv()).as(again.reason()).isEqualTo(Cv.PASS);
      assertThat(again.instances())
          .extracting(ArcResult.ArcInstance::sealerDomain)
          .containsExactly("origin.example", "gw.example");
      assertThat(again.instances().getLast().sealCv()).isEqualTo(Cv.PASS);
      assertThat(again.instances().getLast().authResults())
          .startsWith("mx.gw.example;")
          .contains("arc=pass");
      assertThat(again.oldestPass()).isEqualTo(1);
    }
  }

  @Test
  void aMessageWithoutArcIsNaAndGetsAFirstSetWithCvNone() {
    try (MailFilter f = filter(sealOptions(gatewayKey))) {
      byte[] in = MESSAGE.getBytes(StandardCharsets.US_ASCII);
      Verdict v = deliver(f, in);
      assertThat(v.has("ARC_NA")).isTrue();
      ArcResult again = verifyWithBothKeys(delivered(in, v.headerEdits()));
      assertThat(again.cv()).as(again.reason()).isEqualTo(Cv.PASS);
      assertThat(again.instances()).hasSize(1);
      assertThat(again.instances().getFirst().sealCv()).isEqualTo(Cv.NONE);
    }
  }

  @Test
  void aBodyChangedAfterSealingIsRejectedAndSealedWithCvFail() {
    try (MailFilter f = filter(sealOptions(gatewayKey))) {
      byte[] in =
          new String(sealedByOrigin("ed"), StandardCharsets.ISO_8859_1)
              .replace("the plan is on.", "the plan is off.")
              .getBytes(StandardCharsets.ISO_8859_1);
      Verdict v = deliver(f, in);
      assertThat(symbol(v, "ARC_REJECT").score()).isEqualTo(1.0);
      assertThat(symbol(v, "ARC_REJECT").options().toString()).contains("body hash");
      ArcResult again = verifyWithBothKeys(delivered(in, v.headerEdits()));
      assertThat(again.cv()).isEqualTo(Cv.FAIL);
      assertThat(again.instances().getLast().sealCv()).isEqualTo(Cv.FAIL);
    }
  }

  @Test
  void aChainMissingItsMessageSignatureIsInvalid() {
    try (MailFilter f = filter("")) {
      String sealed = new String(sealedByOrigin("ed"), StandardCharsets.ISO_8859_1);
      String broken = sealed.replaceFirst("ARC-Message-Signature: [^\r]*\r\n", "");
      assertThat(broken).isNotEqualTo(sealed);
      Verdict v = deliver(f, broken.getBytes(StandardCharsets.ISO_8859_1));
      assertThat(symbol(v, "ARC_INVALID").score()).isEqualTo(0.5);
      assertThat(v.headerEdits()).noneMatch(e -> e.name().startsWith("ARC-"));
    }
  }

  @Test
  void aKeyServerThatNeverAnswersIsDnsFailNotAHang() {
    try (MailFilter f = filter("")) {
      Verdict v = deliver(f, sealedByOrigin("slow"));
      assertThat(symbol(v, "ARC_DNSFAIL").score()).isZero();
    }
  }

  @Test
  void aMissingKeyFileIsRefusedAtLoadNamingTheKey() {
    assertThatThrownBy(() -> filter(sealOptions(dir.resolve("nope.pem"))))
        .hasMessageContaining("checks.arc.seal.key")
        .hasMessageContaining("nope.pem");
  }

  @Test
  void anUnreadableKeyIsRefusedAtLoadNamingTheKey() throws Exception {
    Path junk = Files.writeString(dir.resolve("junk.pem"), "not a key\n");
    assertThatThrownBy(() -> filter(sealOptions(junk)))
        .hasMessageContaining("checks.arc.seal.key")
        .hasMessageContaining("no PEM private key");
  }

  @Test
  void aKeyThatDoesNotFitTheAlgorithmIsRefusedAtLoad() {
    String options =
        ", seal: {domain: gw.example, selector: gw, key: \"%s\", authserv_id: mx.gw.example,"
                .formatted(gatewayKey)
            + " algorithm: ed25519-sha256}";
    assertThatThrownBy(() -> filter(options))
        .hasMessageContaining("checks.arc.seal.key")
        .hasMessageContaining("rsa key, but algorithm is ed25519-sha256");
  }

  @Test
  void sealingWithoutAnAuthservIdIsRefusedAtLoad() {
    String options =
        ", seal: {domain: gw.example, selector: gw, key: \"%s\"}".formatted(gatewayKey);
    assertThatThrownBy(() -> filter(options)).hasMessageContaining("checks.arc.seal.authserv_id");
  }
}
