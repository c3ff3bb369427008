package dev.mailfilter.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailfilter.dns.Deadline;
import dev.mailfilter.mime.ByteView;
import dev.mailfilter.mime.MessageParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The DKIM building blocks: tag lists, canonicalisation, header selection, keys, algorithms. */
class DkimPrimitivesTest {
  static final Path DKIMPY = DkimCorpus.dkim("dkimpy/dkim/tests/data");

  static String read(String file) throws Exception {
    return Files.readString(DKIMPY.resolve(file), StandardCharsets.ISO_8859_1).strip();
  }

  static ByteView bytes(String s) {
    return ByteView.copyOf(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  static String b64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }

  @Test
  void tagListKeepsOrderAndStripsFoldingWhiteSpace() {
    Map<String, String> t = TagList.parse(" v = 1 ;\r\n\ta=rsa-sha256; b=ab\r\n cd ;");
    assertThat(t.keySet()).containsExactly("v", "a", "b");
    assertThat(t).containsEntry("v", "1").containsEntry("b", "ab\r\n cd");
    assertThat(TagList.parse("x=")).containsEntry("x", "");
    assertThat(TagList.parse("p=a=b")).containsEntry("p", "a=b");
  }

  @Test
  void tagListRefusesDuplicatesAndBadSyntax() {
    assertThatThrownBy(() -> TagList.parse("a=1; a=2"))
        .isInstanceOf(DkimException.class)
        .hasMessageContaining("duplicate tag a=");
    assertThatThrownBy(() -> TagList.parse("a=1;;b=2")).hasMessageContaining("empty tag-spec");
    assertThatThrownBy(() -> TagList.parse("novalue")).hasMessageContaining("novalue");
    assertThatThrownBy(() -> TagList.parse("1a=x")).hasMessageContaining("bad tag name");
    assertThatThrownBy(() -> TagList.parse("")).isInstanceOf(DkimException.class);
    assertThatThrownBy(() -> TagList.parse("a=\u0001")).hasMessageContaining("control");
  }

  // RFC 6376 section 3.4.6, the canonicalisation examples.
  @Test
  void rfcExampleHeadersCanonicalise() {
    String a = "A: X";
    String b = "B : Y\t\r\n\tZ  ";
    assertThat(Canonicalization.RELAXED.header(a)).isEqualTo("a:X\r\n");
    assertThat(Canonicalization.RELAXED.header(b)).isEqualTo("b:Y Z\r\n");
    assertThat(Canonicalization.SIMPLE.header(b)).isEqualTo(b + "\r\n");
  }

  @Test
  void rfcExampleBodyCanonicalises() {
    ByteView body = bytes(" C \r\nD \t E\r\n\r\n\r\n");
    assertThat(Canonicalization.RELAXED.hashBody(body, -1).hash()).isEqualTo(sha(" C\r\nD E\r\n"));
    assertThat(Canonicalization.SIMPLE.hashBody(body, -1).hash())
        .isEqualTo(sha(" C \r\nD \t E\r\n"));
    Canonicalization.BodyHash h = Canonicalization.RELAXED.hashBody(body, -1);
    assertThat(h.canonicalLength()).isEqualTo(9);
    assertThat(h.partial()).isFalse();
  }

  @Test
  void emptyBodyIsCrlfForSimpleAndNothingForRelaxed() {
    assertThat(b64(Canonicalization.SIMPLE.bodyHash(ByteView.empty(), -1)))
        .isEqualTo("frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
    assertThat(b64(Canonicalization.RELAXED.bodyHash(bytes("\r\n \r\n"), -1)))
        .isEqualTo("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
  }

  @Test
  void bodyWithoutFinalLineBreakGetsOne() {
    assertThat(Canonicalization.SIMPLE.bodyHash(bytes("abc"), -1)).isEqualTo(sha("abc\r\n"));
    assertThat(Canonicalization.RELAXED.bodyHash(bytes("a  b \t"), -1)).isEqualTo(sha("a b\r\n"));
  }

  @Test
  void lengthLimitHashesAPrefixAndReportsTheRest() {
    Canonicalization.BodyHash h = Canonicalization.SIMPLE.hashBody(bytes("hello\r\nworld\r\n"), 5);
    assertThat(h.hash()).isEqualTo(sha("hello"));
    assertThat(h.hashedLength()).isEqualTo(5);
    assertThat(h.canonicalLength()).isEqualTo(14);
    assertThat(h.partial()).isTrue();
  }

  @Test
  void headerSelectionTakesInstancesFromTheBottom() {
    List<String> fields = List.of("From: a", "Subject: one", "To: x", "subject: two", "X: y");
    assertThat(DkimHeaders.select(fields, List.of("from", "Subject", "subject", "subject", "to")))
        .containsExactly("From: a", "subject: two", "Subject: one", "To: x");
  }

  @Test
  void rawFieldsKeepTheReceivedFolding() {
    byte[] m = "From: a\r\nSubject: x\r\n\ty \r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
    assertThat(DkimHeaders.rawFields(MessageParser.create().parse(m)))
        .containsExactly("From: a", "Subject: x\r\n\ty ");
  }

  @Test
  void rsaKeyDecodesFromSubjectPublicKeyInfoAndBarePkcs1() throws Exception {
    DkimKey spki = DkimKey.parse(read("1024_testkey_wo_markers.pub.txt"));
    DkimKey pkcs1 = DkimKey.parse(read("1024_testkey_wo_markers.pub.rsa.txt"));
    assertThat(pkcs1.publicKey()).isEqualTo(spki.publicKey()).isPresent();
    assertThat(DkimKey.parse(read("2048_testkey_wo_markers.pub.rsa.txt")).publicKey())
        .isEqualTo(DkimKey.parse(read("2048_testkey_wo_markers.pub.txt")).publicKey());
    DkimKey test = DkimKey.parse(read("test.txt"));
    assertThat(test.keyType()).isEqualTo("rsa");
    assertThat(test.allowsEmail()).isTrue();
    assertThat(DkimKey.parse(read("test2.txt")).keyType()).isEqualTo("rsa");
  }

  @Test
  void badKeyRecordsAreRefused() throws Exception {
    assertThatThrownBy(() -> DkimKey.parse(read("badversion.txt")))
        .hasMessageContaining("not DKIM1");
    assertThatThrownBy(() -> DkimKey.parse(read("badk.txt")))
        .hasMessageContaining("unknown key type");
    assertThatThrownBy(() -> DkimKey.parse(read("test_bad.txt"))).isInstanceOf(DkimException.class);
    assertThatThrownBy(() -> DkimKey.parse("k=rsa; v=DKIM1; p=")).hasMessageContaining("first");
    assertThatThrownBy(() -> DkimKey.parse("v=DKIM1; k=rsa")).hasMessageContaining("without p=");
    assertThat(DkimKey.parse(read("test_tlsrpt.txt")).allowsEmail()).isFalse();
  }

  @Test
  void emptyPublicKeyMeansRevokedAndFlagsAreRead() {
    DkimKey k = DkimKey.parse("v=DKIM1; p=; t=y:s; h=sha1:SHA256; s=email");
    assertThat(k.revoked()).isTrue();
    assertThat(k.testing()).isTrue();
    assertThat(k.strict()).isTrue();
    assertThat(k.allowsHash("sha256")).isTrue();
    assertThat(k.allowsEmail()).isTrue();
    assertThat(DkimKey.parse("h=sha1; p=").allowsHash("sha256")).isFalse();
  }

  // RFC 8463 A.1/A.2: the RFC 8032 7.1 TEST 1 seed gives the published p=, and a signature made
  // with it verifies under the record's key.
  @Test
  void ed25519KeyIsTheRawPublicKey() throws Exception {
    DkimKey k = DkimKey.parse("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
    byte[] seed = Base64.getDecoder().decode(read("rfc8032_7_1.key"));
    PrivateKey priv =
        KeyFactory.getInstance("Ed25519")
            .generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed));
    byte[] data = "a:b\r\n".getBytes(StandardCharsets.US_ASCII);
    byte[] sig = DkimAlgorithm.ED25519_SHA256.sign(priv, data);
    PublicKey pub = k.publicKey().orElseThrow();
    assertThat(DkimAlgorithm.ED25519_SHA256.verify(pub, data, sig)).isTrue();
    data[0] = 'x';
    assertThat(DkimAlgorithm.ED25519_SHA256.verify(pub, data, sig)).isFalse();
    assertThatThrownBy(() -> DkimKey.parse("k=ed25519; p=AAAA")).hasMessageContaining("not 32");
  }

  @Test
  void rsaSignsAndVerifiesAndShortKeysAreRefused() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(1024);
    KeyPair kp = g.generateKeyPair();
    byte[] data = "x".getBytes(StandardCharsets.US_ASCII);
    byte[] sig = DkimAlgorithm.RSA_SHA256.sign(kp.getPrivate(), data);
    assertThat(DkimAlgorithm.RSA_SHA256.verify(kp.getPublic(), data, sig)).isTrue();
    assertThat(DkimAlgorithm.RSA_SHA256.verify(kp.getPublic(), data, new byte[3])).isFalse();
    assertThatThrownBy(() -> DkimAlgorithm.ED25519_SHA256.verify(kp.getPublic(), data, sig))
        .isInstanceOf(DkimException.class);
    g.initialize(512);
    KeyPair small = g.generateKeyPair();
    assertThatThrownBy(() -> DkimAlgorithm.RSA_SHA256.verify(small.getPublic(), data, sig))
        .hasMessageContaining("512 bits");
  }

  @Test
  void algorithmNamesAndRsaSha1() {
    assertThat(DkimAlgorithm.of("RSA-SHA256")).isEqualTo(DkimAlgorithm.RSA_SHA256);
    assertThat(DkimAlgorithm.of("ed25519-sha256")).isEqualTo(DkimAlgorithm.ED25519_SHA256);
    assertThatThrownBy(() -> DkimAlgorithm.of("rsa-sha1")).hasMessageContaining("RFC 8301");
    assertThatThrownBy(() -> DkimAlgorithm.of("foo")).hasMessageContaining("unknown");
  }

  @Test
  void keyLookupFromRecordsGivesFoundNoneAndPermerror() throws Exception {
    DkimKeyLookup l =
        DkimKeyLookup.fromRecords(
            Map.of(
                "test._domainkey.example.com", List.of(read("test.txt")),
                "bad._domainkey.example.com", List.of("v=DKIM1; p=!!"),
                "empty._domainkey.example.com", List.of()));
    Deadline d = Deadline.after(Duration.ofSeconds(1));
    assertThat(l.find("test", "Example.COM", d)).isInstanceOf(DkimKeyLookup.Result.Found.class);
    assertThat(l.find("bad", "example.com", d)).isInstanceOf(DkimKeyLookup.Result.PermError.class);
    assertThat(l.find("empty", "example.com", d)).isInstanceOf(DkimKeyLookup.Result.None.class);
    assertThat(l.find("gone", "example.com", d)).isInstanceOf(DkimKeyLookup.Result.None.class);
  }

  static byte[] sha(String s) {
    return Canonicalization.sha256().digest(s.getBytes(StandardCharsets.ISO_8859_1));
  }
}
