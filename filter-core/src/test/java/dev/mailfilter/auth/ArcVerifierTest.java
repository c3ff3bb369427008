package dev.mailfilter.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailfilter.auth.ArcResult.Cv;
import dev.mailfilter.auth.ArcSealer.ArcFields;
import dev.mailfilter.mime.ByteView;
import dev.mailfilter.mime.MessageParser;
import dev.mailfilter.mime.MimeLimits;
import dev.mailfilter.mime.ParsedMessage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** ARC validation and sealing cases that the suites do not reach. */
class ArcVerifierTest {
  static final Instant T = Instant.ofEpochSecond(1_800_000_000L);

  @BeforeAll
  static void keys() throws Exception {
    ArcSealPropertyTest.keys();
  }

  static SigningKey rsa() {
    return new SigningKey(
        DkimAlgorithm.RSA_SHA256, ArcSealPropertyTest.rsa.getPrivate(), "test rsa");
  }

  static ArcSealer sealer(List<String> headers) {
    return ArcSealer.create("rsa.example", "r", rsa(), headers);
  }

  static byte[] seal(ArcSealer sealer, byte[] message) {
    ParsedMessage m = MessageParser.create().parse(message);
    ArcResult chain = ArcSealPropertyTest.verify(message);
    ArcFields f =
        sealer.seal(m, chain, "rsa.example; arc=" + chain.cv().keyword(), T).orElseThrow();
    return SigningDifferentialTest.prepend(f.fields(), message);
  }

  static final byte[] MESSAGE =
      ("From: a@example.com\r\nTo: b@example.net\r\nSubject: s\r\n\r\n"
              + "body line\r\n".repeat(20))
          .getBytes(StandardCharsets.US_ASCII);

  // An AMS that lists ARC fields more often than the message had them when it was made: at
  // validation the AMS itself and the sets added later must not be selected, as a DKIM signature
  // never selects itself.
  @Test
  void anAmsOversigningArcFieldsVerifiesAgainstTheFieldsThatExistedWhenItWasMade() {
    ArcSealer s =
        sealer(
            List.of(
                "from",
                "arc-authentication-results",
                "arc-authentication-results",
                "arc-message-signature",
                "arc-message-signature",
                "subject"));
    byte[] twice = seal(s, seal(s, MESSAGE));
    ArcResult r = ArcSealPropertyTest.verify(twice);
    assertThat(r.cv()).as(r.reason()).isEqualTo(Cv.PASS);
    assertThat(r.instances()).hasSize(2);
    assertThat(r.oldestPass()).isEqualTo(1);
  }

  // The body is taken from the whole message even when the parser's size limit cut the parse.
  @Test
  void theBodyBeyondTheParseLimitIsStillHashedWhenSigningAndValidating() {
    byte[] raw = MESSAGE;
    ParsedMessage cut = cut(raw);
    ArcFields f =
        sealer(List.of("from", "subject"))
            .seal(cut, ByteView.copyOf(raw), ArcResult.none(), "rsa.example; arc=none", T)
            .orElseThrow();
    byte[] sealed = SigningDifferentialTest.prepend(f.fields(), raw);
    assertThat(ArcSealPropertyTest.verify(sealed).cv()).isEqualTo(Cv.PASS);

    ArcVerifier v = ArcVerifier.create(ArcSealPropertyTest.lookup());
    ParsedMessage sealedCut = cut(sealed);
    assertThat(v.verify(sealedCut, ByteView.copyOf(sealed), ArcSuiteTest.NO_DNS).cv())
        .isEqualTo(Cv.PASS);
    assertThat(v.verify(sealedCut, ArcSuiteTest.NO_DNS).cv()).isEqualTo(Cv.FAIL);
  }

  static ParsedMessage cut(byte[] raw) {
    return MessageParser.create(
            MimeLimits.STRICT.toBuilder().maxMessageSize(raw.length - 30).build())
        .parse(raw);
  }
}
