package dev.mailfilter.checks;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.mailfilter.api.Symbol;
import dev.mailfilter.api.Verdict;
import dev.mailfilter.url.MessageUrls;
import dev.mailfilter.url.Url;
import java.util.ArrayList;

/**
 * Fuzzes the local checks end to end (any bytes are a message: every check runs, none fails) and
 * the hand-written parsers underneath (URL hosts and IPv4 notations, RFC 5322 dates).
 */
class LocalChecksFuzzTest {
  private static final LocalChecks CHECKS = new LocalChecks();

  @FuzzTest(maxDuration = "30s")
  void everyCheckCopesWithAnyMessage(FuzzedDataProvider data) {
    String url = data.consumeString(300);
    String date = data.consumeString(100);
    byte[] raw = data.consumeRemainingAsBytes();
    MessageUrls.parse(url, Url.Source.TEXT, "")
        .ifPresent(
            u -> {
              if (u.host().isEmpty() || u.registrableDomain().isEmpty()) {
                throw new AssertionError("empty host from " + url);
              }
            });
    MailDates.parse(date);
    ObfuscationCheck.mixedWords(date, new ArrayList<>());
    Verdict v = CHECKS.classify(raw);
    for (Symbol s : v.symbols()) {
      if (s.name().startsWith("CHECK_")) {
        throw new AssertionError(s + " on " + LocalChecks.describe(v));
      }
    }
  }
}
