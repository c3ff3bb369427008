package dev.mailfilter.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.auth.ArcResult.Cv;
import dev.mailfilter.auth.ArcSealer.ArcFields;
import dev.mailfilter.mime.MessageParser;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Seeded properties of sealing: a message sealed over one to four hops (RSA and ed25519 sealers
 * mixed) validates with cv=pass; and any change that is more than white space to the body or to a
 * signed header field after the last seal makes the chain fail at the newest AMS. A failure prints
 * the seed of its case.
 */
class ArcSealPropertyTest {
  static final long SEED = 20261207L;
  static final int CASES = 150;
  static final String[] SIGNED = {"From", "To", "Subject", "Date", "Message-ID"};

  static KeyPair rsa;
  static KeyPair ed;

  @BeforeAll
  static void keys() throws Exception {
    // Key generation seeded too, so that a failing case replays with the same signatures.
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
    random.setSeed(SEED);
    g.initialize(1024, random);
    rsa = g.generateKeyPair();
    ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
  }

  static DkimKeyLookup lookup() {
    return DkimKeyLookup.fromRecords(
        Map.of(
            "r._domainkey.rsa.example",
            List.of(ArcCheckTest.rsaRecord(rsa)),
            "e._domainkey.ed.example",
            List.of("v=DKIM1; k=ed25519; p=" + ArcCheckTest.ed25519Raw(ed))));
  }

  static byte[] seal(byte[] message, int hops, Random r) {
    ArcResult chain = ArcResult.none();
    for (int hop = 0; hop < hops; hop++) {
      boolean useEd = r.nextBoolean();
      SigningKey key =
          useEd
              ? new SigningKey(DkimAlgorithm.ED25519_SHA256, ed.getPrivate(), "ed")
              : new SigningKey(DkimAlgorithm.RSA_SHA256, rsa.getPrivate(), "rsa");
      ArcFields f =
          ArcSealer.create(
                  useEd ? "ed.example" : "rsa.example",
                  useEd ? "e" : "r",
                  key,
                  ArcCheck.DEFAULT_SEAL_HEADERS)
              .seal(
                  MessageParser.create().parse(message),
                  chain,
                  "hop" + hop + ".example; arc=" + chain.cv().keyword(),
                  Instant.ofEpochSecond(1_800_000_000L + hop))
              .orElseThrow();
      message = SigningDifferentialTest.prepend(f.fields(), message);
      chain = verify(message);
    }
    return message;
  }

  static ArcResult verify(byte[] message) {
    return ArcVerifier.create(lookup())
        .verify(MessageParser.create().parse(message), ArcSuiteTest.NO_DNS);
  }

  @Test
  void aSealedMessageValidatesAndAnyRealChangeAfterwardsBreaksTheNewestAms() {
    Random seeds = new Random(SEED);
    for (int i = 0; i < CASES; i++) {
      long seed = seeds.nextLong();
      Random r = new Random(seed);
      int hops = 1 + r.nextInt(4);
      byte[] sealed =
          seal(
              SigningDifferentialTest.randomMessage(r).getBytes(StandardCharsets.ISO_8859_1),
              hops,
              r);
      ArcResult ok = verify(sealed);
      assertThat(ok.cv()).as("seed %s: %s", seed, ok.reason()).isEqualTo(Cv.PASS);
      assertThat(ok.instances()).as("seed %s", seed).hasSize(hops);

      String text = new String(sealed, StandardCharsets.ISO_8859_1);
      String changed = r.nextBoolean() ? changeBody(text, r) : changeSignedHeader(text, r);
      ArcResult broken = verify(changed.getBytes(StandardCharsets.ISO_8859_1));
      assertThat(broken.cv()).as("seed %s: %s", seed, changed).isEqualTo(Cv.FAIL);
      assertThat(broken.reason()).as("seed %s", seed).startsWith("AMS i=" + hops + ":");
    }
  }

  /** Inserts a visible character somewhere in the body (appending one to an empty body). */
  private static String changeBody(String text, Random r) {
    int body = text.indexOf("\r\n\r\n") + 4;
    int at = body + r.nextInt(text.length() - body + 1);
    return text.substring(0, at) + (char) ('a' + r.nextInt(26)) + text.substring(at);
  }

  /** Adds a visible character to the value of one signed field, or drops the field. */
  private static String changeSignedHeader(String text, Random r) {
    String name = SIGNED[r.nextInt(SIGNED.length)];
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(?im)^" + name + "[ \\t]*:[ \\t]*").matcher(text);
    assertThat(m.find()).as("%s in %s", name, text).isTrue();
    if (r.nextInt(4) == 0) {
      int end = text.indexOf("\r\n", m.end());
      while (text.startsWith(" ", end + 2) || text.startsWith("\t", end + 2)) {
        end = text.indexOf("\r\n", end + 2);
      }
      return text.substring(0, m.start()) + text.substring(end + 2);
    }
    return text.substring(0, m.end()) + "Z" + text.substring(m.end());
  }
}
