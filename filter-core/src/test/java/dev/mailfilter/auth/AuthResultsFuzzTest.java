package dev.mailfilter.auth;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the Authentication-Results parser: any text parses or is an {@link
 * IllegalArgumentException}; whatever parses formats to a field that parses back to the same value;
 * the authserv-id alone is read without an exception.
 */
class AuthResultsFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void anyFieldParsesOrIsRefusedAndWhatParsesRoundTrips(FuzzedDataProvider data) {
    String text = data.consumeRemainingAsString();
    AuthResults.authservId(text);
    AuthResults parsed;
    try {
      parsed = AuthResults.parse(text);
    } catch (IllegalArgumentException e) {
      if (!e.getMessage().startsWith("Authentication-Results: expected ")) {
        throw new AssertionError("unexpected refusal of " + text, e);
      }
      return;
    }
    String again = parsed.format();
    AuthResults reparsed = AuthResults.parse(again);
    if (!reparsed.equals(parsed)) {
      throw new AssertionError(text + " parsed as " + parsed + " but its format reads " + reparsed);
    }
  }
}
