package dev.mailfilter.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded properties of the DMARC record parser: records built from RFC 9989's grammar parse with
 * the values written; any text at all parses or is no record, never an exception. A failure prints
 * its seed and input.
 */
class DmarcRecordPropertyTest {
  private static final long SEED = 0xD3A4C9989L;
  private static final int CASES = 20_000;

  private static String pick(SplittableRandom r, List<String> xs) {
    return xs.get(r.nextInt(xs.size()));
  }

  private static String sep(SplittableRandom r) {
    return pick(r, List.of(";", "; ", " ;", " ; ", ";\t"));
  }

  record Built(String text, DmarcRecord.Policy p, boolean strictDkim) {}

  static Built valid(SplittableRandom r) {
    DmarcRecord.Policy p = DmarcRecord.Policy.values()[r.nextInt(3)];
    boolean strict = r.nextBoolean();
    StringBuilder b = new StringBuilder("v=DMARC1");
    b.append(sep(r)).append("p=").append(p.keyword());
    b.append(sep(r)).append("adkim=").append(strict ? "s" : "r");
    if (r.nextBoolean()) {
      b.append(sep(r)).append("sp=").append(pick(r, List.of("none", "quarantine", "reject")));
    }
    if (r.nextBoolean()) {
      b.append(sep(r)).append("rua=mailto:r").append(r.nextInt(100)).append("@example.com");
    }
    if (r.nextBoolean()) {
      b.append(sep(r)).append("fo=").append(pick(r, List.of("0", "1", "d", "s", "0:d", "d:s:1")));
    }
    if (r.nextBoolean()) {
      b.append(sep(r)).append("t=").append(pick(r, List.of("y", "n")));
    }
    if (r.nextBoolean()) {
      b.append(sep(r)).append("psd=").append(pick(r, List.of("y", "n", "u")));
    }
    if (r.nextBoolean()) {
      b.append(sep(r));
    }
    return new Built(b.toString(), p, strict);
  }

  private static String mutate(SplittableRandom r, String s) {
    StringBuilder b = new StringBuilder(s);
    int n = 1 + r.nextInt(4);
    for (int i = 0; i < n && b.length() > 0; i++) {
      int at = r.nextInt(b.length());
      switch (r.nextInt(3)) {
        case 0 -> b.deleteCharAt(at);
        case 1 ->
            b.insert(at, pick(r, List.of(";", "=", " ", "!", ",", "\u00e9", "\0", "v=DMARC1")));
        default -> b.setCharAt(at, (char) r.nextInt(0x80));
      }
    }
    return b.toString();
  }

  @Test
  void recordsFromTheGrammarParseWithTheirValues() {
    SplittableRandom r = new SplittableRandom(SEED);
    for (int i = 0; i < CASES; i++) {
      Built b = valid(r);
      Optional<DmarcRecord> got = DmarcRecord.parse(b.text());
      if (got.isEmpty()) {
        fail("seed %x case %d: not parsed: %s", SEED, i, b.text());
      }
      assertThat(got.get().p()).as("seed %x case %d: %s", SEED, i, b.text()).isEqualTo(b.p());
      assertThat(got.get().adkim() == DmarcRecord.Alignment.STRICT)
          .as("seed %x case %d: %s", SEED, i, b.text())
          .isEqualTo(b.strictDkim());
      assertThat(got.get().defects()).as("seed %x case %d: %s", SEED, i, b.text()).isEmpty();
    }
  }

  @Test
  void anyTextParsesOrIsNoRecordNeverAnException() {
    SplittableRandom r = new SplittableRandom(SEED + 1);
    for (int i = 0; i < CASES; i++) {
      String text = r.nextInt(4) == 0 ? randomText(r) : mutate(r, valid(r).text());
      try {
        DmarcRecord.parse(text).ifPresent(rec -> assertThat(rec.p()).isNotNull());
      } catch (RuntimeException e) {
        throw new AssertionError(
            "seed " + Long.toHexString(SEED + 1) + " case " + i + ": " + text, e);
      }
    }
  }

  private static String randomText(SplittableRandom r) {
    StringBuilder b = new StringBuilder(r.nextBoolean() ? "v=DMARC1;" : "");
    int n = r.nextInt(60);
    for (int i = 0; i < n; i++) {
      b.append((char) r.nextInt(0x100));
    }
    return b.toString();
  }
}
