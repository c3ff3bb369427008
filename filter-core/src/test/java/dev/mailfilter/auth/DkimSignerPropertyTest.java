package dev.mailfilter.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.mime.MessageParser;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Seeded round trip of DKIM signing through our DKIM verifier: every random message signed with RSA
 * or ed25519 verifies, and with a visible change to its body or to a signed field it fails. A
 * failure prints the seed of its case.
 */
class DkimSignerPropertyTest {
  static final long SEED = 0xD41AL;
  static final int CASES = 200;

  @BeforeAll
  static void keys() throws Exception {
    ArcSealPropertyTest.keys();
  }

  static DkimKeyLookup lookup() {
    return DkimKeyLookup.fromRecords(
        Map.of(
            "r._domainkey.hop0.example",
            List.of(ArcCheckTest.rsaRecord(ArcSealPropertyTest.rsa)),
            "e._domainkey.hop0.example",
            List.of("v=DKIM1; k=ed25519; p=" + ArcCheckTest.ed25519Raw(ArcSealPropertyTest.ed))));
  }

  static DkimResult.Code verify(String message) {
    List<DkimResult> r =
        DkimVerifier.create(lookup(), Clock.systemUTC(), 10)
            .verify(
                MessageParser.create().parse(message.getBytes(StandardCharsets.ISO_8859_1)),
                ArcSuiteTest.NO_DNS);
    assertThat(r).hasSize(1);
    return r.getFirst().code();
  }

  @Test
  void aSignedMessageVerifiesAndAVisibleChangeFailsIt() {
    Random seeds = new Random(SEED);
    for (int i = 0; i < CASES; i++) {
      long seed = seeds.nextLong();
      Random r = new Random(seed);
      String text = SigningDifferentialTest.randomMessage(r);
      boolean ed = r.nextBoolean();
      SigningKey key =
          ed
              ? new SigningKey(
                  DkimAlgorithm.ED25519_SHA256, ArcSealPropertyTest.ed.getPrivate(), "ed")
              : new SigningKey(
                  DkimAlgorithm.RSA_SHA256, ArcSealPropertyTest.rsa.getPrivate(), "rsa");
      String sig =
          DkimSigner.create("hop0.example", ed ? "e" : "r", key, DkimSigner.DEFAULT_HEADERS)
              .sign(
                  MessageParser.create().parse(text.getBytes(StandardCharsets.ISO_8859_1)),
                  Instant.ofEpochSecond(1_800_000_000L));
      String signed = "DKIM-Signature: " + sig + "\r\n" + text;
      assertThat(verify(signed)).as("seed %s", seed).isEqualTo(DkimResult.Code.PASS);

      String changed;
      if (r.nextBoolean()) {
        int body = signed.indexOf("\r\n\r\n") + 4;
        int at = body + r.nextInt(signed.length() - body + 1);
        changed = signed.substring(0, at) + "x" + signed.substring(at);
      } else {
        // A second From above the first: oversigning makes the signature cover its absence.
        changed = "From: mallory@evil.example\r\n" + signed;
      }
      assertThat(verify(changed)).as("seed %s: %s", seed, changed).isEqualTo(DkimResult.Code.FAIL);
    }
  }
}
