package dev.mailfilter.auth;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.mailfilter.auth.ArcResult.Cv;
import dev.mailfilter.auth.ArcResult.Failure;
import dev.mailfilter.dns.Deadline;
import dev.mailfilter.mime.MessageParser;
import dev.mailfilter.mime.ParsedMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes the ARC header parsers (the AAR's {@code i=} prefix, the AMS and seal tag lists, the
 * grouping into sets) and the verifier behind them: ARC fields with fuzzed names and values, over a
 * fixed message, give a result and never an exception, and the result keeps its invariants: none
 * exactly when there is no ARC field, a reason for every failure, at most 50 sets.
 */
class ArcHeaderFuzzTest {
  private static final String[] NAMES = {
    "ARC-Authentication-Results", "ARC-Message-Signature", "ARC-Seal", "arc-seal", "Subject"
  };

  // The ValiMail suite's example.org key, so fuzzed signatures reach the crypto.
  private static final DkimKeyLookup KEYS =
      DkimKeyLookup.fromRecords(
          Map.of(
              "dummy._domainkey.example.org",
              List.of(
                  "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB")));

  @FuzzTest(maxDuration = "30s")
  void anyArcHeadersGiveAResultNeverAnException(FuzzedDataProvider data) {
    StringBuilder m = new StringBuilder();
    int fields = data.consumeInt(0, 8);
    boolean anyArc = false;
    for (int i = 0; i < fields; i++) {
      String name = NAMES[data.consumeInt(0, NAMES.length - 1)];
      anyArc |= !name.equals("Subject");
      // A value on one line (folds kept as written); CR and LF alone would end the field early.
      String value = data.consumeString(300).replace("\r", "").replace("\n", "\r\n ");
      m.append(name).append(": ").append(value).append("\r\n");
    }
    m.append("From: a@example.org\r\n\r\n").append(data.consumeRemainingAsString());
    ParsedMessage message =
        MessageParser.create().parse(m.toString().getBytes(StandardCharsets.UTF_8));
    ArcResult r = ArcVerifier.create(KEYS).verify(message, Deadline.after(Duration.ofSeconds(10)));
    if ((r.cv() == Cv.NONE) == anyArc) {
      throw new AssertionError("cv=" + r.cv() + " with ARC fields present: " + anyArc);
    }
    if (r.cv() == Cv.FAIL && (r.failure() == Failure.NONE || r.reason().isBlank())) {
      throw new AssertionError("a fail without its kind or reason: " + r);
    }
    if (r.instances().size() > ArcChain.MAX_INSTANCES) {
      throw new AssertionError("more than 50 sets: " + r.instances().size());
    }
  }
}
