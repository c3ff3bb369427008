package dev.mailfilter.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded properties of the record parser: every record built from RFC 7208's grammar parses, and
 * any text at all (those records mutated, or random noise) either parses or is a permerror, never
 * another exception. A failure prints its seed and input.
 */
class SpfRecordPropertyTest {
  private static final long SEED = 0x5bf7208L;
  private static final int CASES = 20_000;

  private static final List<String> DOMAINS =
      List.of(
          "example.com",
          "%{d}",
          "%{ir}.%{v}._spf.%{d2}",
          "_spf.example.net.",
          "%{l1r-}.lp.%{d}",
          "a-b.c%%d.example.org",
          "%{o}.%{h}");

  private static String pick(SplittableRandom r, List<String> xs) {
    return xs.get(r.nextInt(xs.size()));
  }

  private static String qualifier(SplittableRandom r) {
    return pick(r, List.of("", "+", "-", "~", "?"));
  }

  private static String cidr(SplittableRandom r) {
    return switch (r.nextInt(4)) {
      case 0 -> "";
      case 1 -> "/" + r.nextInt(33);
      case 2 -> "//" + r.nextInt(129);
      default -> "/" + r.nextInt(33) + "//" + r.nextInt(129);
    };
  }

  /** A record the grammar allows (at most one redirect and one exp). */
  static String validRecord(SplittableRandom r) {
    StringBuilder b = new StringBuilder(r.nextBoolean() ? "v=spf1" : "V=SPF1");
    int terms = r.nextInt(8);
    for (int i = 0; i < terms; i++) {
      b.append(" ".repeat(1 + r.nextInt(2)));
      int kind = r.nextInt(9);
      if (kind < 8) {
        b.append(qualifier(r)); // modifiers take no qualifier
      }
      switch (kind) {
        case 0 -> b.append("all");
        case 1 -> b.append("include:").append(pick(r, DOMAINS));
        case 2 ->
            b.append("a").append(r.nextBoolean() ? ":" + pick(r, DOMAINS) : "").append(cidr(r));
        case 3 ->
            b.append("MX").append(r.nextBoolean() ? ":" + pick(r, DOMAINS) : "").append(cidr(r));
        case 4 -> b.append("ptr").append(r.nextBoolean() ? ":" + pick(r, DOMAINS) : "");
        case 5 ->
            b.append("ip4:")
                .append(
                    r.nextInt(256)
                        + "."
                        + r.nextInt(256)
                        + "."
                        + r.nextInt(256)
                        + "."
                        + r.nextInt(256))
                .append(r.nextBoolean() ? "/" + r.nextInt(33) : "");
        case 6 ->
            b.append("ip6:")
                .append(pick(r, List.of("2001:db8::1", "::", "::ffff:192.0.2.1", "fe80::1:2:3:4")))
                .append(r.nextBoolean() ? "/" + r.nextInt(129) : "");
        case 7 -> b.append("exists:").append(pick(r, DOMAINS));
        default -> b.append("x-unknown").append(i).append("=").append(pick(r, DOMAINS));
      }
    }
    if (r.nextBoolean()) {
      b.append(" redirect=").append(pick(r, DOMAINS));
    }
    if (r.nextBoolean()) {
      b.append(" exp=").append(pick(r, DOMAINS));
    }
    return b.append(" ".repeat(r.nextInt(2))).toString();
  }

  /** Edits that usually break a record: a random character, a cut, a repeated slice. */
  static String mutate(SplittableRandom r, String s) {
    StringBuilder b = new StringBuilder(s);
    int edits = 1 + r.nextInt(3);
    for (int e = 0; e < edits; e++) {
      int at = b.isEmpty() ? 0 : r.nextInt(b.length() + 1);
      switch (r.nextInt(4)) {
        case 0 -> b.insert(at, (char) r.nextInt(0x180));
        case 1 ->
            b.insert(at, pick(r, List.of("%", "%{", "}", ":", "/", "=", "//", ".", " ", "-")));
        case 2 -> {
          if (at < b.length()) {
            b.deleteCharAt(at);
          }
        }
        default -> {
          int end = Math.min(b.length(), at + r.nextInt(8));
          b.insert(at, b.substring(at, end));
        }
      }
    }
    return b.toString();
  }

  @Test
  void everyGrammaticalRecordParses() {
    SplittableRandom r = new SplittableRandom(SEED);
    for (int i = 0; i < CASES; i++) {
      String record = validRecord(r);
      try {
        SpfRecord.parse(record);
      } catch (SpfException e) {
        fail("seed %d case %d: \"%s\" refused: %s", SEED, i, record, e.getMessage());
      }
    }
  }

  @Test
  void anyTextParsesOrIsAPermErrorNeverAnotherException() {
    SplittableRandom r = new SplittableRandom(SEED + 1);
    int refused = 0;
    for (int i = 0; i < CASES; i++) {
      String text = r.nextInt(4) == 0 ? "v=spf1 " + noise(r) : mutate(r, validRecord(r));
      try {
        if (SpfRecord.isSpf(text)) {
          SpfRecord.parse(text);
        }
      } catch (SpfException e) {
        assertThat(e.code())
            .as("seed %d case %d: %s", SEED + 1, i, text)
            .isEqualTo(SpfResult.Code.PERMERROR);
        refused++;
      } catch (RuntimeException e) {
        throw new AssertionError("seed " + (SEED + 1) + " case " + i + ": \"" + text + "\"", e);
      }
    }
    // The mutations must really reach the error paths, or this property proves nothing.
    assertThat(refused).isGreaterThan(CASES / 4);
  }

  private static String noise(SplittableRandom r) {
    StringBuilder b = new StringBuilder();
    int n = r.nextInt(40);
    for (int i = 0; i < n; i++) {
      b.append((char) (r.nextInt(5) == 0 ? r.nextInt(0x100) : 0x20 + r.nextInt(0x5f)));
    }
    return b.toString();
  }
}
