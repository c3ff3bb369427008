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
        DkimVerifier.headerData(java.util.List.of("From: a@b.example"), s);
      }
    } catch (DkimException expected) {
      // the one allowed failure
    }
  }

  private static final String[] SIGNATURE_TAGS = {
    "v", "a", "b", "bh", "c", "d", "h", "i", "l", "q", "s", "t", "x"
  };
  private static final String[] SIGNATURE_VALUES = {
    "1",
    "rsa-sha256",
    "dGVzdA==",
    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
    "relaxed/simple",
    "example.com",
    "from:to:subject",
    "@mail.example.com",
    "100",
    "dns/txt",
    "sel",
    "1600000000",
    "1700000000"
  };
  private static final String[] KEY_TAGS = {"v", "k", "p", "h", "s", "t", "n"};
  private static final String[] KEY_VALUES = {
    "DKIM1",
    "ed25519",
    "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
    "sha256",
    "email",
    "y:s",
    "x"
  };

  /** Valid fields and records with one tag value replaced: reaches the checks behind the syntax. */
  @FuzzTest(maxDuration = "30s")
  void wellFormedFieldsWithOneFuzzedValue(FuzzedDataProvider data) {
    boolean key = data.consumeBoolean();
    String[] tags = key ? KEY_TAGS : SIGNATURE_TAGS;
    String[] values = key ? KEY_VALUES : SIGNATURE_VALUES;
    int fuzzed = data.consumeInt(0, tags.length - 1);
    String value = data.consumeRemainingAsString();
    StringBuilder b = new StringBuilder(key ? "" : "DKIM-Signature: ");
    for (int i = 0; i < tags.length; i++) {
      b.append(tags[i]).append('=').append(i == fuzzed ? value : values[i]).append("; ");
    }
    try {
      if (key) {
        DkimKey.parse(b.toString());
      } else {
        DkimSignature s = DkimSignature.parse(b.toString());
        DkimVerifier.headerData(java.util.List.of("From: a@b.example"), s);
      }
    } catch (DkimException expected) {
      // the one allowed failure
    }
  }
}
