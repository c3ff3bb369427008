package dev.mailfilter.auth;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Optional;

/**
 * Fuzzes the DMARC record parser and the public suffix lookup: any text parses or is no record, and
 * a parsed record keeps its invariants (a usable policy, lists without nulls).
 */
class DmarcRecordFuzzTest {
  private static final PublicSuffixList PSL = PublicSuffixList.guava();

  @FuzzTest(maxDuration = "30s")
  void anyRecordParsesOrIsNoRecord(FuzzedDataProvider data) {
    String domain = data.consumeString(80);
    String text = data.consumeRemainingAsString();
    Optional<DmarcRecord> r = DmarcRecord.parse(text);
    if (r.isPresent()) {
      DmarcRecord rec = r.get();
      if (!text.matches("(?s)v[ \t]*=[ \t]*DMARC1([ \t;].*)?")) {
        throw new AssertionError("parsed without v=DMARC1 first: " + text);
      }
      if (rec.pct().isPresent() && (rec.pct().getAsInt() < 0 || rec.pct().getAsInt() > 100)) {
        throw new AssertionError("pct out of range: " + text);
      }
      rec.rua().forEach(u -> u.getScheme().length());
    }
    PSL.organizationalDomain(domain)
        .ifPresent(
            o -> {
              if (!DmarcEvaluator.normalize(domain).orElse("").endsWith(o)) {
                throw new AssertionError(o + " is not a suffix of " + domain);
              }
            });
  }
}
