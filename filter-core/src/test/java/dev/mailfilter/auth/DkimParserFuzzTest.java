package dev.mailfilter.auth;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the {@code DKIM-Signature} and key-record parsers (and the tag lists under them): any text
 * parses or is a {@link DkimException}; a signature that parses can have its {@code b=} removed and
 * its covered header octets computed.
 */
class DkimParserFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void anySignatureFieldParsesOrIsADkimException(FuzzedDataProvider data) {
    boolean key = data.consumeBoolean();
    String text = data.consumeRemainingAsString();
    try {
      if (key) {
        DkimKey.parse(text);
      } else {
        DkimSignature s = DkimSignature.parse("DKIM-Signature:" + text);
        DkimVerifier.headerData(java.util.List.of("From: a@b.example", s.rawField()), s);
      }
    } catch (DkimException expected) {
      // the one allowed failure
    }
  }
}
