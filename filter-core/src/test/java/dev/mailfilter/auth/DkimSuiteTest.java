package dev.mailfilter.auth;

import static dev.mailfilter.auth.DkimTestSupport.crlf;
import static dev.mailfilter.auth.DkimTestSupport.parse;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailfilter.dns.Deadline;
import dev.mailfilter.dns.DnsAnswer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * The DKIM vectors of the shared corpora (dkimpy, Stalwart mail-auth, postalsys mailauth) with the
 * expectations of their EXPECTED.md files, keys served from maps; {@link DkimNamedTest} runs them
 * through a real named.
 */
class DkimSuiteTest {
  static final Path DKIMPY = DkimCorpus.dkim("dkimpy/dkim/tests/data");
  static final Path STALWART = DkimCorpus.dkim("stalwartlabs-mail-auth/resources/dkim");
  static final Path MAILAUTH = DkimCorpus.dkim("postalsys-mailauth/test/dkim/ec/fixtures");
  static final Clock STALWART_TIME = at(1667843664);
  static final Clock MAILAUTH_TIME = at(1528637909);

  static Clock at(long epochSecond) {
    return Clock.fixed(Instant.ofEpochSecond(epochSecond), ZoneOffset.UTC);
  }

  static Deadline deadline() {
    return Deadline.after(Duration.ofSeconds(5));
  }

  static List<DkimResult> verify(byte[] message, DkimKeyLookup keys, Clock clock) {
    return DkimVerifier.create(keys, clock, DkimVerifier.DEFAULT_MAX_SIGNATURES)
        .verify(parse(message), deadline());
  }

  static String data(String file) throws Exception {
    return Files.readString(DKIMPY.resolve(file), StandardCharsets.ISO_8859_1).strip();
  }

  static byte[] message(String file) throws Exception {
    return crlf(Files.readAllBytes(DKIMPY.resolve(file)));
  }

  static List<DkimResult.Code> codes(List<DkimResult> results) {
    return results.stream().map(DkimResult::code).toList();
  }

  static final List<String> STALWART_FILES =
      List.of("001.txt", "002.txt", "003.txt", "004.txt", "005.txt", "006.txt");

  // Stalwart's 6 files hold 8 signatures; every one must pass at the fixed time.
  @Test
  void stalwartVectorsAllPassAtTheirTime() throws Exception {
    int signatures = 0;
    for (String f : STALWART_FILES) {
      DkimTestSupport.Vector v = DkimTestSupport.stalwart(STALWART.resolve(f));
      List<DkimResult> r = verify(v.message(), DkimKeyLookup.fromRecords(v.dns()), STALWART_TIME);
      assertThat(r).as(f).isNotEmpty();
      assertThat(r).as(f + ": " + r).allMatch(x -> x.code() == DkimResult.Code.PASS);
      signatures += r.size();
    }
    assertThat(signatures).isEqualTo(8);
  }

  @Test
  void stalwartRfc8463ExampleHasBothAlgorithms() throws Exception {
    DkimTestSupport.Vector v = DkimTestSupport.stalwart(STALWART.resolve("001.txt"));
    List<DkimResult> r = verify(v.message(), DkimKeyLookup.fromRecords(v.dns()), STALWART_TIME);
    assertThat(r).extracting(DkimResult::algorithm).containsExactly("ed25519-sha256", "rsa-sha256");
  }

  @Test
  void stalwartTopicboxSignatureIsExpiredByTodaysClock() throws Exception {
    DkimTestSupport.Vector v = DkimTestSupport.stalwart(STALWART.resolve("005.txt"));
    List<DkimResult> r = verify(v.message(), DkimKeyLookup.fromRecords(v.dns()), Clock.systemUTC());
    assertThat(codes(r)).containsExactly(DkimResult.Code.PERMERROR);
    assertThat(r.get(0).reason()).contains("expired");
  }

  @Test
  void stalwartVectorsFailWhenTheBodyChanges() throws Exception {
    for (String f : STALWART_FILES) {
      DkimTestSupport.Vector v = DkimTestSupport.stalwart(STALWART.resolve(f));
      byte[] m = v.message();
      byte[] changed = new byte[m.length + 4];
      System.arraycopy(m, 0, changed, 0, m.length);
      System.arraycopy("xyz\n".getBytes(StandardCharsets.US_ASCII), 0, changed, m.length, 4);
      changed = crlf(changed);
      List<DkimResult> r = verify(changed, DkimKeyLookup.fromRecords(v.dns()), STALWART_TIME);
      assertThat(codes(r)).as(f).containsOnly(DkimResult.Code.FAIL);
      assertThat(r).allMatch(x -> x.reason().contains("body hash"));
    }
  }

  /** mailauth's dns.json: each TXT record an array of strings joined with nothing between. */
  static Map<String, List<String>> mailauthDns() throws Exception {
    JsonNode root = new ObjectMapper().readTree(MAILAUTH.resolve("dns.json").toFile());
    Map<String, List<String>> dns = new HashMap<>();
    root.properties()
        .forEach(
            e -> {
              List<String> records = new ArrayList<>();
              for (JsonNode rr : e.getValue().path("TXT")) {
                StringBuilder b = new StringBuilder();
                rr.forEach(s -> b.append(s.asText()));
                records.add(b.toString());
              }
              dns.put(e.getKey(), records);
            });
    return dns;
  }

  static byte[] mailauthMessage() throws Exception {
    return crlf(Files.readAllBytes(MAILAUTH.resolve("signed.eml")));
  }

  // mailauth: the RFC 8463 A.3 message, 2 signatures, both pass at 1528637909.
  @Test
  void mailauthRfc8463ExampleBothPass() throws Exception {
    List<DkimResult> r =
        verify(mailauthMessage(), DkimKeyLookup.fromRecords(mailauthDns()), MAILAUTH_TIME);
    assertThat(codes(r)).containsExactly(DkimResult.Code.PASS, DkimResult.Code.PASS);
    assertThat(r).extracting(DkimResult::selector).containsExactly("brisbane", "test");
    assertThat(r).extracting(DkimResult::domain).containsOnly("football.example.com");
  }

  static Map<String, List<String>> dkimpyDns() throws Exception {
    Map<String, List<String>> dns = new HashMap<>();
    for (String line :
        Files.readAllLines(DkimCorpus.dkim("dkimpy/dns-records-from-test-code.txt"))) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int sp = line.indexOf(' ');
      dns.put(line.substring(0, sp), List.of(line.substring(sp + 1)));
    }
    dns.put("test._domainkey.football.example.com", List.of(data("test.txt")));
    dns.put("sed._domainkey.test.ex", List.of(data("eximtest.dns")));
    return dns;
  }

  // dkimpy's 4 pre-signed messages that must pass (5 signatures).
  @Test
  void dkimpyPresignedMessagesPass() throws Exception {
    DkimKeyLookup keys = DkimKeyLookup.fromRecords(dkimpyDns());
    Clock now = Clock.systemUTC();
    assertThat(codes(verify(message("rfc6376.signed.msg"), keys, now)))
        .containsExactly(DkimResult.Code.PASS, DkimResult.Code.PASS);
    assertThat(codes(verify(message("rfc6376.signed.rsa.msg"), keys, now)))
        .containsExactly(DkimResult.Code.PASS);
    assertThat(codes(verify(message("test2.message"), keys, now)))
        .containsExactly(DkimResult.Code.PASS);
    assertThat(codes(verify(message("ed25519test2.msg"), keys, now)))
        .containsExactly(DkimResult.Code.PASS);
  }

  // dkimpy test_catch_bad_key: a record whose base64 lost a character fails without a crash.
  @Test
  void dkimpyDamagedKeyRecordIsPermerror() throws Exception {
    DkimKeyLookup keys =
        DkimKeyLookup.fromRecords(
            Map.of(
                "test._domainkey.football.example.com",
                List.of(
                    "k=rsa; p=MFwwDQYJKoZIhvNAQEBBQADSwAwSAJBANmBe10IgY+u7h3enWTukkqtUD5PR52Tb/mPfjC0QJTocVBq6Za/PlzfV+Py92VaCak19F4WrbVTK5Gg5tW220MCAwEAAQ==")));
    List<DkimResult> r = verify(message("rfc6376.signed.rsa.msg"), keys, Clock.systemUTC());
    assertThat(codes(r)).containsExactly(DkimResult.Code.PERMERROR);
    assertThat(r.get(0).reason()).contains("bad key record");
  }

  // dkimpy: d=legitimate.com(.attacker.com is refused on syntax, before any key lookup.
  @Test
  void dkimpyInvalidDomainFailsWithoutALookup() throws Exception {
    List<String> asked = new ArrayList<>();
    Map<String, List<String>> dns =
        Map.of("test._domainkey.legitimate.com(.attacker.com", List.of(data("test.txt")));
    DkimKeyLookup served = DkimKeyLookup.fromRecords(dns);
    DkimKeyLookup keys =
        (name, d) -> {
          asked.add(name);
          return served.txt(name, d);
        };
    List<DkimResult> r = verify(message("test.message.baddomain"), keys, Clock.systemUTC());
    assertThat(codes(r)).containsExactly(DkimResult.Code.PERMERROR);
    assertThat(r.get(0).reason()).contains("not a valid domain name");
    assertThat(asked).isEmpty();
  }

  static PrivateKey testPrivate() throws Exception {
    return DkimTestSupport.pemPrivateKey(data("test.private"));
  }

  static byte[] signTest(byte[] msg, PrivateKey key, String selector) {
    return DkimTestSupport.sign(
        msg,
        DkimAlgorithm.RSA_SHA256,
        key,
        "example.com",
        selector,
        Canonicalization.RELAXED,
        Canonicalization.SIMPLE,
        List.of("from", "from", "to", "subject", "date"),
        OptionalLong.empty(),
        "");
  }

  static DkimResult.Code verifyWith(byte[] signed, String selector, String record) {
    DkimKeyLookup keys =
        DkimKeyLookup.fromRecords(Map.of(selector + "._domainkey.example.com", List.of(record)));
    List<DkimResult> r = verify(signed, keys, Clock.systemUTC());
    assertThat(r).isNotEmpty();
    return r.get(0).code(); // the signature just added is the top one
  }

  // dkimpy's key-record files against a signature by test.private: 5 records.
  @Test
  void dkimpyKeyRecordsDecideAsDkimpyDoes() throws Exception {
    byte[] signed = signTest(message("test.message"), testPrivate(), "test");
    assertThat(verifyWith(signed, "test", data("test.txt"))).isEqualTo(DkimResult.Code.PASS);
    assertThat(verifyWith(signed, "test", data("test2.txt"))).isEqualTo(DkimResult.Code.PASS);
    assertThat(verifyWith(signed, "test", data("badversion.txt")))
        .isEqualTo(DkimResult.Code.PERMERROR);
    assertThat(verifyWith(signed, "test", data("badk.txt"))).isEqualTo(DkimResult.Code.PERMERROR);
    assertThat(verifyWith(signed, "test", data("test_tlsrpt.txt")))
        .isEqualTo(DkimResult.Code.POLICY);
  }

  // dkimpy test_dkim_rsavariants: SubjectPublicKeyInfo and bare PKCS#1 p= both verify (1024,
  // 2048), and the PKCS#8 private key signs.
  @Test
  void dkimpyRsaKeyEncodingsAllVerify() throws Exception {
    byte[] msg = message("test.message");
    for (String[] pair :
        new String[][] {
          {"1024_testkey.key", "1024_testkey_wo_markers.pub.txt"},
          {"1024_testkey.key", "1024_testkey_wo_markers.pub.rsa.txt"},
          {"2048_testkey.key", "2048_testkey_wo_markers.pub.txt"},
          {"2048_testkey.key", "2048_testkey_wo_markers.pub.rsa.txt"},
          {"2048_testkey_PKCS8.key", "2048_testkey_PKCS8.key.pub.txt"}
        }) {
      byte[] signed = signTest(msg, DkimTestSupport.pemPrivateKey(data(pair[0])), "test");
      assertThat(verifyWith(signed, "test", data(pair[1])))
          .as(pair[1])
          .isEqualTo(DkimResult.Code.PASS);
    }
  }

  @Test
  void dkimpyEd25519KeyRoundTrips() throws Exception {
    byte[] seed = Base64.getDecoder().decode(data("ed25519test.key"));
    PrivateKey key =
        KeyFactory.getInstance("Ed25519")
            .generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed));
    byte[] signed =
        DkimTestSupport.sign(
            message("test.message"),
            DkimAlgorithm.ED25519_SHA256,
            key,
            "example.com",
            "test",
            Canonicalization.RELAXED,
            Canonicalization.RELAXED,
            List.of("from", "to", "subject"),
            OptionalLong.empty(),
            "");
    assertThat(verifyWith(signed, "test", data("ed25519test.dns"))).isEqualTo(DkimResult.Code.PASS);
    // The RSA record under the same name: the key type does not suit a=ed25519-sha256.
    assertThat(verifyWith(signed, "test", data("test.txt"))).isEqualTo(DkimResult.Code.PERMERROR);
  }

  // dkimpy's round trips on test.message: the four c= combinations pass; l= passes with the
  // rest reported; a changed body fails; a From added above or below fails (From is signed
  // twice, so a second instance changes what h= selects); an unrelated header still passes.
  @Test
  void dkimpyRoundTripsOnTestMessage() throws Exception {
    byte[] msg = message("test.message");
    PrivateKey key = testPrivate();
    String record = data("test.txt");
    for (Canonicalization hc : Canonicalization.values()) {
      for (Canonicalization bc : Canonicalization.values()) {
        byte[] signed =
            DkimTestSupport.sign(
                msg,
                DkimAlgorithm.RSA_SHA256,
                key,
                "example.com",
                "test",
                hc,
                bc,
                List.of("from", "from", "subject"),
                OptionalLong.empty(),
                "");
        assertThat(verifyWith(signed, "test", record))
            .as(hc + "/" + bc)
            .isEqualTo(DkimResult.Code.PASS);
      }
    }
    byte[] signed = signTest(msg, key, "test");
    String s = new String(signed, StandardCharsets.ISO_8859_1);
    assertThat(verifyWith(bytes(s + "tail\r\n"), "test", record)).isEqualTo(DkimResult.Code.FAIL);
    int body = s.indexOf("\r\n\r\n");
    assertThat(verifyWith(bytes("From: evil@example.org\r\n" + s), "test", record))
        .isEqualTo(DkimResult.Code.FAIL);
    assertThat(
            verifyWith(
                bytes(s.substring(0, body) + "\r\nFrom: evil@example.org" + s.substring(body)),
                "test",
                record))
        .isEqualTo(DkimResult.Code.FAIL);
    assertThat(verifyWith(bytes("X-Added: 1\r\n" + s), "test", record))
        .isEqualTo(DkimResult.Code.PASS);

    byte[] limited =
        DkimTestSupport.sign(
            msg,
            DkimAlgorithm.RSA_SHA256,
            key,
            "example.com",
            "test",
            Canonicalization.RELAXED,
            Canonicalization.RELAXED,
            List.of("from"),
            OptionalLong.of(20),
            "");
    DkimKeyLookup keys =
        DkimKeyLookup.fromRecords(Map.of("test._domainkey.example.com", List.of(record)));
    List<DkimResult> r =
        verify(
            bytes(new String(limited, StandardCharsets.ISO_8859_1) + "appended\r\n"),
            keys,
            Clock.systemUTC());
    assertThat(codes(r)).containsExactly(DkimResult.Code.PASS);
    assertThat(r.get(0).partialBody()).isTrue();
    assertThat(r.get(0).length()).hasValue(20);
  }

  // message.mbox (Received fields above From, signed too), rfc6376.w1258.msg (an 8-bit
  // Windows-1258 octet in From, must not crash) round trip; test_nofrom.message: a signature
  // that does not sign From is refused.
  @Test
  void dkimpyOtherSignerInputs() throws Exception {
    PrivateKey key = testPrivate();
    String record = data("test.txt");
    byte[] mbox = message("message.mbox");
    List<String> all = DkimHeaders.rawFields(parse(mbox)).stream().map(DkimHeaders::name).toList();
    byte[] signed =
        DkimTestSupport.sign(
            mbox,
            DkimAlgorithm.RSA_SHA256,
            key,
            "example.com",
            "test",
            Canonicalization.SIMPLE,
            Canonicalization.SIMPLE,
            all,
            OptionalLong.empty(),
            "");
    assertThat(verifyWith(signed, "test", record)).isEqualTo(DkimResult.Code.PASS);
    assertThat(verifyWith(signTest(message("rfc6376.w1258.msg"), key, "test"), "test", record))
        .isEqualTo(DkimResult.Code.PASS);
    byte[] noFrom =
        DkimTestSupport.sign(
            message("test_nofrom.message"),
            DkimAlgorithm.RSA_SHA256,
            key,
            "example.com",
            "test",
            Canonicalization.RELAXED,
            Canonicalization.RELAXED,
            List.of("to", "subject"),
            OptionalLong.empty(),
            "");
    assertThat(verifyWith(noFrom, "test", record)).isEqualTo(DkimResult.Code.PERMERROR);
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  @Test
  void keyLookupErrorsGiveTemperrorAndPermerror() throws Exception {
    byte[] signed = signTest(message("test.message"), testPrivate(), "test");
    DkimKeyLookup timeout =
        (name, d) ->
            new DnsAnswer(
                name,
                dev.mailfilter.dns.QueryType.TXT,
                DnsAnswer.Status.TIMEOUT,
                List.of(),
                List.of(),
                List.of(),
                Duration.ZERO,
                false,
                Duration.ZERO);
    assertThat(codes(verify(signed, timeout, Clock.systemUTC())))
        .containsExactly(DkimResult.Code.TEMPERROR);
    assertThat(codes(verify(signed, DkimKeyLookup.fromRecords(Map.of()), Clock.systemUTC())))
        .containsExactly(DkimResult.Code.PERMERROR);
    assertThat(verifyWith(signed, "test", "v=DKIM1; p=")).isEqualTo(DkimResult.Code.PERMERROR);
    assertThat(
            verifyWith(
                signed, "test", "v=DKIM1; h=sha1; p=" + data("test.txt").replaceAll(".*p=", "")))
        .isEqualTo(DkimResult.Code.PERMERROR);
  }

  @Test
  void failureUnderATestingKeyIsNeutral() throws Exception {
    byte[] signed = signTest(message("test.message"), testPrivate(), "test");
    String s = new String(signed, StandardCharsets.ISO_8859_1) + "changed\r\n";
    assertThat(verifyWith(bytes(s), "test", "t=y; " + data("test.txt").replace("v=DKIM1; ", "")))
        .isEqualTo(DkimResult.Code.NEUTRAL);
  }

  @Test
  void strictKeyRefusesASubdomainIdentity() throws Exception {
    byte[] signed =
        DkimTestSupport.sign(
            message("test.message"),
            DkimAlgorithm.RSA_SHA256,
            testPrivate(),
            "example.com",
            "test",
            Canonicalization.RELAXED,
            Canonicalization.RELAXED,
            List.of("from"),
            OptionalLong.empty(),
            "; i=@sub.example.com");
    String record = data("test.txt");
    assertThat(verifyWith(signed, "test", record)).isEqualTo(DkimResult.Code.PASS);
    assertThat(verifyWith(signed, "test", record + "; t=s")).isEqualTo(DkimResult.Code.POLICY);
  }

  @Test
  void signaturesBeyondTheLimitAreNotVerified() throws Exception {
    byte[] m = message("test.message");
    PrivateKey key = testPrivate();
    for (int i = 0; i < 3; i++) {
      m = signTest(m, key, "test");
    }
    DkimKeyLookup keys =
        DkimKeyLookup.fromRecords(Map.of("test._domainkey.example.com", List.of(data("test.txt"))));
    List<DkimResult> r =
        DkimVerifier.create(keys, Clock.systemUTC(), 2).verify(parse(m), deadline());
    assertThat(codes(r))
        .containsExactly(DkimResult.Code.PASS, DkimResult.Code.PASS, DkimResult.Code.POLICY);
    assertThat(r.get(2).reason()).contains("more than 2");
  }

  // h= may name DKIM-Signature to protect other signatures; the field being verified did not
  // exist when it was made, so it never selects itself.
  @Test
  void aSignatureNamingDkimSignatureDoesNotCoverItself() throws Exception {
    byte[] signed =
        DkimTestSupport.sign(
            message("test.message"),
            DkimAlgorithm.RSA_SHA256,
            testPrivate(),
            "example.com",
            "test",
            Canonicalization.RELAXED,
            Canonicalization.RELAXED,
            List.of("from", "dkim-signature"),
            OptionalLong.empty(),
            "");
    assertThat(verifyWith(signed, "test", data("test.txt"))).isEqualTo(DkimResult.Code.PASS);
  }

  // The body comes from the whole message even when the parser's size limit cut the parse.
  @Test
  void bodyBeyondTheParseLimitIsStillHashed() throws Exception {
    byte[] signed = signTest(message("test.message"), testPrivate(), "test");
    dev.mailfilter.mime.ParsedMessage cut =
        dev.mailfilter.mime.MessageParser.create(
                dev.mailfilter.mime.MimeLimits.STRICT.toBuilder()
                    .maxMessageSize(signed.length - 10)
                    .build())
            .parse(signed);
    DkimKeyLookup keys =
        DkimKeyLookup.fromRecords(Map.of("test._domainkey.example.com", List.of(data("test.txt"))));
    DkimVerifier v = DkimVerifier.create(keys, Clock.systemUTC(), 10);
    assertThat(codes(v.verify(cut, dev.mailfilter.mime.ByteView.copyOf(signed), deadline())))
        .containsExactly(DkimResult.Code.PASS);
    assertThat(codes(v.verify(cut, deadline()))).containsExactly(DkimResult.Code.FAIL);
  }

  // A selector and domain each valid but together longer than any DNS name: permerror, not the
  // temperror a resolver's failure would give.
  @Test
  void aKeyNameLongerThanDnsAllowsIsPermerror() throws Exception {
    String label = "a".repeat(60);
    String selector = label + "." + label + "." + label + "." + label;
    byte[] signed = signTest(message("test.message"), testPrivate(), selector);
    DkimKeyLookup failing =
        (name, d) -> {
          throw new AssertionError("asked DNS for " + name);
        };
    List<DkimResult> r = verify(signed, failing, Clock.systemUTC());
    assertThat(codes(r)).containsExactly(DkimResult.Code.PERMERROR);
    assertThat(r.get(0).reason()).contains("longer than 253");
  }

  // RFC 8301: rsa-sha1 is refused as a permerror, reported with the algorithm named.
  @Test
  void rsaSha1SignatureIsPermerror() throws Exception {
    String signed =
        new String(
            signTest(message("test.message"), testPrivate(), "test"), StandardCharsets.ISO_8859_1);
    byte[] sha1 = bytes(signed.replaceFirst("a=rsa-sha256", "a=rsa-sha1"));
    List<DkimResult> r =
        verify(
            sha1,
            DkimKeyLookup.fromRecords(
                Map.of("test._domainkey.example.com", List.of(data("test.txt")))),
            Clock.systemUTC());
    assertThat(codes(r)).containsExactly(DkimResult.Code.PERMERROR);
    assertThat(r.get(0).reason()).contains("RFC 8301");
    assertThat(r.get(0).algorithm()).isEqualTo("rsa-sha1");
    assertThat(r.get(0).domain()).isEqualTo("example.com");
  }
}
